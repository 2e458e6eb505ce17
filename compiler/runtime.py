"""Scoring primitives, standard library only.

Written once: the reference interpreter calls these functions, and the emitter copies this
module's source into every generated module (which must import nothing outside the standard
library). Plans are plain tuples/dicts of Fractions and strings made by compiler/plans.py.
Every number is a Fraction: exact, with no rounding unless a node declares it.
"""

import gc
from decimal import Decimal
from fractions import Fraction

ZERO = Fraction(0)
ONE = Fraction(1)


def batch(fn, items):
    """[fn(x) for x in items] with the cyclic garbage collector paused. Results are acyclic dicts
    freed by reference counting; a collector rescanning them as they pile up makes scoring many
    units quadratic (measured in bench/score.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return [fn(x) for x in items]
    finally:
        if enabled:
            gc.enable()


class Problem(Exception):
    """A result that cannot be scored: code, Chinese message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def num(value):
    """A results value → Fraction. Accepts numbers, "1.5", "85%", "3/4"; refuses bools and text."""
    if isinstance(value, bool) or value is None:
        raise Problem("V0103", "应为数值")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, Decimal)):
        return Fraction(value)
    if isinstance(value, float):
        raise Problem("V0103", "数值不能是浮点数，请写成文字形式的小数，如 \"1.5\"")
    if isinstance(value, str):
        text = value.strip().replace("％", "%")
        try:
            if text.endswith("%"):
                return Fraction(Decimal(text[:-1])) / 100
            if "/" in text:
                return Fraction(text)
            return Fraction(Decimal(text))
        except (ArithmeticError, ValueError):
            pass
    raise Problem("V0103", "应为数值，却是 " + repr(value))


def count(value):
    n = num(value)
    if n.denominator != 1 or n < 0:
        raise Problem("V0104", "应为非负整数，却是 " + show(n))
    return int(n)


def show(value):
    """A Fraction as a person reads it: 1.5, 65, 0.25; non-terminating values as ≈ 4 places."""
    if value is None:
        return "—"
    if not isinstance(value, Fraction):
        value = Fraction(value)
    d = value.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return "≈" + show(round_to(value, 4, "half_up"))


def exact(value):
    """JSON form: the exact decimal string, or "p/q" when the decimal does not terminate."""
    text = show(value)
    return text if not text.startswith("≈") else f"{value.numerator}/{value.denominator}"


def round_to(value, places, mode):
    """Round to `places` decimals. 四舍五入 (half_up) rounds halves away from zero, as people do;
    Python's round() is half-even and never touches a point."""
    sign = -1 if value < 0 else 1
    scaled = abs(value) * (10 ** places)
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if mode == "half_up":
        whole += 2 * rest >= scaled.denominator
    elif mode == "up":
        whole += rest > 0
    return Fraction(sign * whole, 10 ** places)


def clamp(points, low, high):
    """(points within [low, high], the amount clipped: positive above, negative below)."""
    if high is not None and points > high:
        return high, points - high
    if low is not None and points < low:
        return low, points - low
    return points, ZERO


def _amount(kind, amount, weight):
    if kind == "share":
        return weight * amount
    if kind == "full":
        return weight
    if kind == "zero":
        return ZERO
    return amount


def _amount_text(kind, amount):
    return {"share": f"{show(amount * 100)}%", "full": "满分", "zero": "不得分"}.get(kind, f"{show(amount)} 分")


# ---------------------------------------------------------------- methods
def m_tiers(plan, weight, value):
    promote = 0
    if isinstance(value, dict):
        tier = value.get("档次", value.get("tier"))
        promote = count(value.get("晋档", value.get("promote", 0)))
    else:
        tier = value
    names = [r[0] for r in plan["rows"]]
    if tier not in names:
        raise Problem("V0105", f"未定义的档次 {tier!r}（可用：{'、'.join(names)}）")
    if promote > plan["promote"]:
        raise Problem("V0106", f"晋档 {promote} 档，超过本评分法允许的 {plan['promote']} 档")
    index = names.index(tier)
    final = max(index - promote, 0)
    name, kind, amount = plan["rows"][final]
    text = f"定档 {tier}" + (f"，晋档 {promote} 档为 {name}" if promote else "") + f"，按 {_amount_text(kind, amount)}"
    if promote and index - promote < 0:
        text += "（已是最高档）"
    return _amount(kind, amount, weight), text


def m_ratio(plan, weight, value):
    r = num(value)
    if r < 0 or r > 10:
        raise Problem("V0107", f"完成率 {show(r * 100)}% 超出可能的范围；比例请写成 \"85%\" 或 0.85")
    cap = plan["cap"]
    used = min(r, cap)
    text = f"完成率 {show(r * 100)}%" + (f"，按上限 {show(cap * 100)}% 计" if used != r else "") + "，按比例得分"
    return weight * used, text


def m_efficacy(plan, weight, value):
    v = num(value)
    low, target = plan["floor"], plan["target"]
    share = min(max((v - low) / (target - low), ZERO), ONE)
    return weight * share, f"实际值 {show(v)}，功效法（下限 {show(low)}，目标 {show(target)}）得 {show(share * 100)}%"


def _in_interval(v, row):
    low, high, low_closed, high_closed = row[0], row[1], row[2], row[3]
    return (v > low or (low_closed and v == low)) and (v < high or (high_closed and v == high))


def m_ranges(plan, weight, value):
    v = num(value)
    for row in plan["rows"]:
        if _in_interval(v, row):
            lo = "[" if row[2] else "("
            hi = "]" if row[3] else ")"
            return (_amount(row[4], row[5], weight),
                    f"实际值 {show(v)} 落在 {lo}{show(row[0])}, {show(row[1])}{hi}，按 {_amount_text(row[4], row[5])}")
    if plan["rest"] is not None:
        kind, amount = plan["rest"]
        return _amount(kind, amount, weight), f"实际值 {show(v)} 属于“其余”，按 {_amount_text(kind, amount)}"
    raise Problem("V0108", f"实际值 {show(v)} 不在任何区间内")


def _by_rank(plan, weight, rank):
    rows = plan["rows"]
    if rank in rows:
        kind, amount = rows[rank]
        return _amount(kind, amount, weight), f"第 {rank} 名，按 {_amount_text(kind, amount)}"
    after = plan["after"]
    if after is not None and rows and rank > max(rows):
        last = max(rows)
        kind, amount = rows[last]
        base = _amount(kind, amount, weight)
        size, effect, step = after
        delta = step * ((rank - last) // int(size))
        points = base - delta if effect == "deduct" else base + delta
        if plan["floor"] is not None:
            points = max(points, plan["floor"])
        return points, f"第 {rank} 名：第 {last} 名 {show(base)} 分，此后每名{'扣' if effect == 'deduct' else '加'} {show(step)}"
    if plan["rest"] is not None:
        kind, amount = plan["rest"]
        return _amount(kind, amount, weight), f"第 {rank} 名，属于“其余”，按 {_amount_text(kind, amount)}"
    return ZERO, f"第 {rank} 名，未列入排名表，不得分"


def m_rank(plan, weight, value):
    rank = count(value)
    if rank < 1:
        raise Problem("V0104", "名次应从 1 开始")
    return _by_rank(plan, weight, rank)


def m_reverse_rank(plan, weight, value):
    rank = count(value)
    if rank < 1:
        raise Problem("V0104", "倒数名次应从 1 开始")
    deduction, text = _by_rank(plan, weight, rank)
    return weight - deduction, f"倒数{text}，扣 {show(deduction)} 分"


def m_steps(plan, weight, value):
    n = count(value)
    if n == 0:
        return weight, "0 次，不扣分"
    chosen = None
    for times, or_more, kind, amount in plan["rows"]:
        if n == times or (or_more and n >= times):
            chosen = (times, or_more, kind, amount)
    if chosen is None:
        raise Problem("V0108", f"{n} 次不在阶梯表内")
    times, or_more, kind, amount = chosen
    label = f"{times} 次" + ("及以上" if or_more else "")
    if kind == "deduct":
        return weight - amount, f"{n} 次，按“{label}”扣 {show(amount)} 分"
    if kind == "add":
        return weight + amount, f"{n} 次，按“{label}”加 {show(amount)} 分"
    return _amount(kind, amount, weight), f"{n} 次，按“{label}”{_amount_text(kind, amount)}"


def _steps_of(quantity, size, whole):
    steps = quantity / size
    return Fraction(steps.numerator // steps.denominator) if whole else steps


def m_count(plan, weight, value):
    """每次 扣/加, 配额 … 不足 … 此后 …: per-occurrence rules over a count."""
    n = num(value)
    quota = plan["quota"]
    if quota is not None:
        if n < quota:
            short = plan["short"]
            if short is None:
                return weight * n / quota, f"完成 {show(n)}，未达配额 {show(quota)}，按比例得分"
            size, effect, amount = short
            lost = amount * _steps_of(quota - n, size, plan["whole"])
            return weight - lost, f"完成 {show(n)}，比配额 {show(quota)} 少 {show(quota - n)}，扣 {show(lost)} 分"
        after = plan["after"]
        if after is None or n == quota:
            return weight, f"完成 {show(n)}，达到配额 {show(quota)}"
        size, effect, amount = after
        extra = amount * _steps_of(n - quota, size, plan["whole"])
        if plan["at_most"] is not None:
            extra = min(extra, plan["at_most"])
        sign = 1 if effect == "add" else -1
        return weight + sign * extra, f"完成 {show(n)}，超出配额 {show(n - quota)}，{'加' if sign > 0 else '扣'} {show(extra)} 分"
    size, effect, amount = plan["step"]
    delta = amount * _steps_of(n, size, plan["whole"])
    if plan["at_most"] is not None:
        delta = min(delta, plan["at_most"])
    if effect == "deduct":
        return weight - delta, f"{show(n)} 次，每次扣 {show(amount)}，共扣 {show(delta)} 分"
    return delta, f"{show(n)} 次，每次加 {show(amount)}，共得 {show(delta)} 分"


def m_levels(plan, weight, value):
    """Counts per level (省级 2 篇, 市级 4 篇) against per-level quotas and per-level amounts."""
    if not isinstance(value, dict):
        raise Problem("V0109", "应按级别填报篇数/次数，如 {" + "、".join(f'"{x}": 2' for x in plan["levels"]) + "}")
    unknown = [k for k in value if k not in plan["levels"]]
    if unknown:
        raise Problem("V0105", f"未定义的级别 {unknown[0]!r}（可用：{'、'.join(plan['levels'])}）")
    counts = {level: count(value.get(level, 0)) for level in plan["levels"]}
    quota = plan["quota"]

    def step_of(name, level):
        table = plan[name]
        return None if table is None else table.get(level, table.get("*"))

    adds_only = quota is None and all(s[1] == "add" for s in (plan["step"] or {}).values())
    points, added, parts = (ZERO if adds_only else weight), ZERO, []
    for level, n in counts.items():
        if quota is not None:
            q = quota.get(level, ZERO)
            if n < q:
                short = step_of("short", level)
                lost = (weight * (q - n) / sum(quota.values()) if short is None
                        else short[2] * _steps_of(q - n, short[0], plan["whole"]))
                points -= lost
                parts.append(f"{level} {n}，比配额 {show(q)} 少 {show(q - n)}，扣 {show(lost)}")
                continue
            n, done = n - q, f"{level} 达到配额 {show(q)}"
            after = step_of("after", level)
        else:
            done, after = f"{level} {n}", step_of("step", level)
        if after is None or n == 0:
            parts.append(done)
            continue
        delta = after[2] * _steps_of(Fraction(n), after[0], plan["whole"])
        if after[1] == "add":
            added += delta
        else:
            points -= delta
        parts.append(f"{done}，{'另' if quota is not None else ''}{'加' if after[1] == 'add' else '扣'} {show(delta)}")
    if plan["at_most"] is not None and added > plan["at_most"]:
        parts.append(f"加分最多 {show(plan['at_most'])}")
        added = plan["at_most"]
    return points + added, "；".join(parts)


def m_vs_best(plan, weight, value):
    v = num(value)
    best = plan["resolved"]
    full = plan["full"] if plan["full"] is not None else weight
    if best <= 0:
        return ZERO, f"实际值 {show(v)}，最优值 {show(best)} 不大于 0，不得分"
    return full * v / best, f"实际值 {show(v)}，为最优值 {show(best)} 的 {show(v / best * 100)}%"


def m_deviation(plan, weight, value):
    v = num(value)
    standard = plan["standard"] if plan["standard"] is not None else plan["resolved"]
    gap = standard - v if plan["direction"] == "not_below" else v - standard
    if gap <= 0:
        return weight, f"实际值 {show(v)}，达到标准 {show(standard)}"
    size, effect, amount = plan["step"]
    lost = amount * _steps_of(gap, size, plan["whole"])
    word = "低于" if plan["direction"] == "not_below" else "高于"
    return weight - lost, f"实际值 {show(v)}，{word}标准 {show(standard)}，扣 {show(lost)} 分"


def m_highest(plan, weight, value):
    if isinstance(value, dict):
        have = {k: count(v) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        have = {}
        for k in value:
            if not isinstance(k, str):
                raise Problem("V0109", f"级别应为文字，如 \"省级\"，却是 {k!r}")
            have[k] = have.get(k, 0) + 1
    elif value is None or value == "":
        have = {}
    elif isinstance(value, str):
        have = {value: 1}
    else:
        raise Problem("V0109", f"级别应为文字或文字的列表，却是 {value!r}")
    known = {r[0] for r in plan["rows"]}
    unknown = [k for k in have if k not in known]
    if unknown:
        raise Problem("V0105", f"未定义的级别 {unknown[0]!r}（可用：{'、'.join(sorted(known))}）")
    best, best_text = ZERO, "无可计分的级别"
    for name, need, kind, amount in plan["rows"]:
        if have.get(name, 0) >= need:
            pts = _amount(kind, amount, weight)
            if pts > best:
                best, best_text = pts, f"取最高：{name}" + (f" {need} 篇" if need > 1 else "") + f"，{show(pts)} 分"
    return best, best_text


def m_panel(plan, weight, value):
    if not isinstance(value, (list, tuple)) or not value:
        raise Problem("V0109", "评委打分应为分数列表，如 [\"90\", \"88\"]")
    marks = [num(v) for v in value]
    scale = plan["full"] if plan["full"] is not None else weight
    for m in marks:
        if m < 0 or m > scale:
            raise Problem("V0107", f"评委打分 {show(m)} 超出 [0, {show(scale)}]")
    used = sorted(marks)
    dropped = ""
    if plan["drop_extremes"] and len(used) >= 3:
        used = used[1:-1]
        dropped = "去掉一个最高分、一个最低分后"
    mean = sum(used, ZERO) / len(used)
    if plan["keep"] is not None:
        mean = round_to(mean, plan["keep"], "half_up")
    points = mean * weight / plan["full"] if plan["full"] is not None else mean
    return points, f"{len(marks)} 位评委，{dropped}平均 {show(mean)}" + (
        f"（满分 {show(plan['full'])}，折合权重）" if plan["full"] is not None else "")


def m_direct(plan, weight, value):
    v = num(value)
    return v, f"直接赋分 {show(v)} 分"


def m_yes_no(plan, weight, value):
    if value in (True, "是", "yes"):
        return weight, "是，得满分"
    if value in (False, "否", "no"):
        return ZERO, "否，不得分"
    raise Problem("V0110", f"应为 是/否（true/false），却是 {value!r}")


def m_sum(plan, weight, value):
    if not isinstance(value, dict):
        raise Problem("V0109", "合计法的结果应按项目给出次数，如 {\"逾期\": 2}")
    names = {r[0]: r for r in plan["rows"]}
    points, parts = weight, []
    for key, raw in value.items():
        if key not in names:
            raise Problem("V0105", f"未定义的项目 {key!r}（可用：{'、'.join(names)}）")
        n = count(raw)
        _name, kind, amount = names[key]
        delta = amount * n
        points = points - delta if kind == "deduct" else points + delta
        parts.append(f"{key} {n} 次{'扣' if kind == 'deduct' else '加'} {show(delta)}")
    return points, "；".join(parts) or "无扣分"


METHODS = {
    "tiers": m_tiers, "ratio": m_ratio, "efficacy": m_efficacy, "ranges": m_ranges, "rank": m_rank,
    "reverse_rank": m_reverse_rank, "steps": m_steps, "count": m_count, "levels": m_levels,
    "deviation": m_deviation, "vs_best": m_vs_best,
    "highest": m_highest, "panel": m_panel, "direct": m_direct, "yes_no": m_yes_no, "sum": m_sum,
}


def unmet(cond, values):
    """None when a 门槛/适用 condition (a plan from dsl/methods.condition_plan) holds for the unit's
    results, else what is not met, in words. A compared value missing from the results is a problem."""
    op = cond[0]
    if op == "has":
        return None if values.get(cond[1]) else f"缺少 {cond[1]}"
    if op == "cmp":
        a, b = (_operand_value(x, values) for x in cond[2:])
        if _passes(cond[1], a, b):
            return None
        return f"{_operand_text(cond[2], a)} 不满足 {cond[1]} {_operand_text(cond[3], b)}"
    if op == "and":
        return next((why for why in (unmet(c, values) for c in cond[1]) if why), None)
    if op == "or":
        whys = [unmet(c, values) for c in cond[1]]
        return None if not all(whys) else "，且".join(whys)
    return "条件成立" if unmet(cond[1], values) is None else None  # "not"


def _operand_value(x, values):
    if x[0] == "num":
        return x[1]
    if x[1] not in values:
        raise Problem("V0101", f"缺少条件所需的“{x[1]}”")
    return num(values[x[1]])


def _operand_text(x, value):
    return x[2] if x[0] == "num" else f"{x[1]} {show(value)}"


def condition_names(cond):
    """The results names a condition reads (allowed as keys of a results file)."""
    if cond[0] in ("has", "value"):
        return {cond[1]}
    if cond[0] == "cmp":
        return set().union(*(condition_names(x) for x in cond[2:] if x[0] == "value"))
    if cond[0] in ("and", "or"):
        return set().union(*(condition_names(c) for c in cond[1]))
    return condition_names(cond[1]) if cond[0] == "not" else set()


def apply_method(plan, weight, value, evidence):
    """(points before the leaf's clamp, rule text). A gate not met gives 0 points."""
    if plan.get("gate"):
        why = unmet(plan["gate"], evidence)
        if why:
            return ZERO, f"门槛未达（{why}），不得分"
    return METHODS[plan["kind"]](plan, weight, value)


# ---------------------------------------------------------------- ranking and grades
def _passes(op, value, bound):
    return {">=": value >= bound, ">": value > bound, "<=": value <= bound, "<": value < bound,
            "=": value == bound}[op]


def rank_units(entries, spec):
    """entries: [{"unit", "class", "total", "evidence"}] with totals already rounded.

    Adds "rank" (1 = best; ties share a rank and the next rank is skipped: 1, 1, 3), "group"
    and "grade". Units with no total (invalid results) are not ranked.
    """
    groups = {}
    for e in entries:
        if e["total"] is None:
            e["rank"] = e["grade"] = None
            continue
        key = e["class"] if spec["by_class"] else "全部单位"
        e["group"] = key
        groups.setdefault(key, []).append(e)
    for members in groups.values():
        members.sort(key=lambda e: e["total"], reverse=not spec["ascending"])
        for i, e in enumerate(members):
            tied = i > 0 and members[i - 1]["total"] == e["total"]
            e["rank"] = members[i - 1]["rank"] if tied else i + 1
        _grade(members, spec)
    return entries


def _grade(members, spec):
    grades = spec["grades"]
    if not grades:
        for e in members:
            e["grade"] = None
        return
    names = [g[0] for g in grades]
    for e in members:
        e["grade"] = next((g[0] for g in grades if g[1] is None or _passes(g[1], e["total"], g[2])), None)
        e["grade_notes"] = []
        for veto_name, cond, effect, grade in spec["vetoes"]:
            try:
                triggered = unmet(cond, e["evidence"]) is None
            except Problem as p:
                e["grade_notes"].append(f"{veto_name}：无法判断（{p.message}），未执行")
                continue
            if triggered and e["grade"] in names and grade in names:
                worst_allowed = names.index(grade) + (1 if effect == "exclude" else 0)
                if names.index(e["grade"]) < worst_allowed and worst_allowed < len(names):
                    e["grade"] = names[worst_allowed]
                    e["grade_notes"].append(f"{veto_name}：等次降为 {e['grade']}")
    for grade, op, share, _by_class in spec["quotas"]:
        if grade not in names:
            continue
        limit = (len(members) * share).numerator // (len(members) * share).denominator
        if op == "<":
            limit = max(limit - (1 if len(members) * share == limit else 0), 0)
        holders = [e for e in sorted(members, key=lambda e: e["rank"]) if e["grade"] == grade]
        nxt = names[names.index(grade) + 1] if names.index(grade) + 1 < len(names) else grade
        for e in holders[limit:]:
            e["grade"] = nxt
            e["grade_notes"].append(f"{grade}比例不超过 {show(share * 100)}%（{len(members)} 个单位至多 {limit} 个），"
                                    f"按名次降为 {nxt}")


# ---------------------------------------------------------------- nodes of the breakdown
# Shared by the interpreter and every generated module, so that a leaf, a category, an input
# and a group are explained by the same words everywhere. Problems are {"code", "message", "key"}.
MISSING = object()


def line(key, kind, label, source, full=None):
    return {"key": key, "kind": kind, "label": label, "input": None, "rule": "", "points": ZERO, "full": full,
            "clipped": None, "clip": None, "source": source, "children": []}


def condition_line(out, values, problems, extra, weight):
    """适用 … 不适用 … and 门槛 on a node: the line when they decide its points, else None."""
    try:
        if extra.get("applies") is not None:
            why = unmet(extra["applies"], values)
            if why:
                policy, amount = extra["na"]
                out["points"] = weight if policy == "full" else (amount or ZERO)
                out["rule"] = f"不适用（{why}），" + ("按满分计" if policy == "full" else f"计 {show(out['points'])} 分")
                return out
        if extra.get("gate"):
            why = unmet(extra["gate"], values)
            if why:
                out["rule"] = f"门槛未达（{why}），不得分"
                return out
    except Problem as p:
        problems.append({"code": p.code, "message": f"{out['key']}：{p.message}", "key": out["key"]})
        out["rule"] = "条件无法判断"
        return out
    return None


def field_value(tree, fields):
    """取值 over 输入项: evaluate the plan's tuple tree with the reported fields."""
    op = tree[0]
    if op == "num":
        return tree[1]
    if op == "field":
        if tree[1] not in fields:
            raise Problem("V0101", f"缺少输入项 {tree[1]}")
        return num(fields[tree[1]])
    if op == "neg":
        return -field_value(tree[1], fields)
    return arith(op, field_value(tree[1], fields), field_value(tree[2], fields))


def leaf_value(values, key, extra):
    """A leaf's reported value as a number (computed by 取值 when it has 输入项); None when absent."""
    raw = values.get(key)
    if raw is None:
        return None
    if extra and "value" in extra:
        return field_value(extra["value"], raw) if isinstance(raw, dict) else None
    return num(raw)


def leaf_line(values, problems, key, kind, label, source, plan, weight, low, high, check_direct, default, extra,
              cross=None):
    """One leaf: its conditions, its result, its method, the clamp to [low, high] (None: no bound).
    `cross`: the aggregates of the units scored together, for 比最优 and a 标准 such as 均值(…)."""
    out = line(key, kind, label, source, weight)
    raw = values.get(key, MISSING)
    if raw is not MISSING:
        out["input"] = raw
    elif default is not None:
        raw = default
        out["rule"] = f"未填，按声明的默认值 {show(default)} 计；"
    if weight is None:
        problems.append({"code": "V0111", "message": f"指标 {key} 未设分值，无法评分", "key": key})
        return out
    if extra and condition_line(out, values, problems, extra, weight) is not None:
        return out
    if raw is MISSING:
        if extra and extra.get("optional"):
            out["rule"] = "可缺，未填按 0 计"
            return out
        problems.append({"code": "V0101", "message": f"缺少指标 {key} 的结果", "key": key})
        out["rule"] = "缺少结果"
        return out
    try:
        if extra and "value" in extra:
            if not isinstance(raw, dict):
                raise Problem("V0109", "应按输入项填报，如 {" + "、".join(f'"{f}": …' for f in extra["fields"]) + "}")
            value = field_value(extra["value"], raw)
            out["rule"] += f"取值 {show(value)}；"
            raw = value
        if plan.get("cross"):
            func, name, scope = plan["cross"]
            plan = dict(plan, resolved=cross_value(cross, func, name or "#" + key, scope, None))
        points, rule = apply_method(plan, weight, raw, values)
    except Problem as p:
        problems.append({"code": p.code, "message": f"指标 {key}：{p.message}", "key": key})
        out["rule"] = "结果无效"
        return out
    if check_direct and plan["kind"] == "direct" and (points < 0 or points > weight):
        problems.append({"code": "V0107", "message": f"指标 {key}：直接赋分 {show(points)} 超出 [0, {show(weight)}]",
                         "key": key})
    kept, clipped = clamp(points, low, high)
    out["rule"] += rule
    out["points"] = kept
    if clipped:
        out["clipped"] = clipped
        out["clip"] = (f"高于分值 {show(high)}，剪去 {show(clipped)}" if clipped > 0
                       else f"低于 {show(low)}，补足 {show(-clipped)}")
    return out


def sum_line(key, kind, label, source, children, summed, full, limit, limit_word, counts_as, precision, total=None):
    """A category or level-1 indicator: the sum of its children, clipped to its declared 满分/分值 or
    上限 (`limit`, named by `limit_word`), rescaled by 计分, rounded by 精度. `full` is its points.

    `total` may be given when the caller already added the children (generated code adds
    integers scaled by a common denominator, which is exact and much faster than Fractions)."""
    if total is None:
        total = sum((c["points"] for c, s in zip(children, summed) if s), ZERO)
    out = line(key, kind, label, source, full)
    out["rule"] = f"下级合计 {show(total)}"
    out["points"] = total
    out["children"] = children
    if limit is not None and total > limit:
        out["points"] = limit
        out["clipped"] = total - limit
        out["clip"] = f"超过{limit_word} {show(limit)}，剪去 {show(total - limit)}"
    if counts_as is not None:
        if full:
            out["points"] = out["points"] * counts_as / full
            out["rule"] += f"，按计分 {show(counts_as)} 折合（× {show(counts_as)} ÷ {show(full)}）"
        out["full"] = counts_as
    if precision is not None:
        out["points"] = round_to(out["points"], precision[0], precision[1])
        out["rule"] += f"，保留 {precision[0]} 位"
    return out


def open_line(values, problems, key, kind, label, source, declared):
    """A category that lists no indicators: its score is reported directly, or it counts 0."""
    out = line(key, kind, label, source, declared)
    raw = values.get(key, MISSING)
    if raw is MISSING:
        if declared is not None:
            problems.append({"code": "V0101", "message": f"缺少类别 {key} 的得分（方案未列出其指标）", "key": key})
            out["rule"] = "缺少结果"
        else:
            out["rule"] = "未列出指标，计 0 分"
        return out
    out["input"] = raw
    if _reported(out, problems, key, f"类别 {key}", raw, declared):
        out["rule"] = "填报得分（方案未列出其指标）"
    return out


def _reported(out, problems, key, what, raw, full):
    """A reported number within [0, full]: sets out["points"]; False when it is not a number."""
    try:
        v = num(raw)
    except Problem as p:
        problems.append({"code": p.code, "message": f"{what}：{p.message}", "key": key})
        return False
    if v < 0 or (full is not None and v > full):
        problems.append({"code": "V0107", "message": f"{what} 的值 {show(v)} 超出 [0, {show(full)}]", "key": key})
    out["points"] = v
    return True


def input_line(values, problems, name, label, source, full, optional, default):
    out = line(name, "input", label, source, full)
    raw = values.get(name, MISSING)
    given = raw is not MISSING
    if not given:
        raw = default
        if raw is None and not optional:
            problems.append({"code": "V0101", "message": f"缺少输入 {name} 的结果", "key": name})
    else:
        out["input"] = raw
    if raw is None:
        out["rule"] = "可缺，未填按 0 计" if optional else "缺少结果"
        return out
    if _reported(out, problems, name, f"输入 {name}", raw, full):
        out["rule"] = "填报值" if given else "未填，按声明的默认值计"
    return out


def group_line(values, problems, name, label, source, kind, cap, may_negative, entries, plans):
    """A bonus/deduction group: a total, or entries scored by their methods; clipped to 上限."""
    out = line(name, "group", label, source, cap)
    raw = values.get(name, MISSING)
    total = ZERO
    if raw is MISSING:
        out["rule"] = "未填，按 0 计"
    elif isinstance(raw, dict):
        out["input"] = raw
        for key, v in raw.items():
            entry = entries.get(key)
            if entry is None:
                problems.append({"code": "V0102", "message": f"{name} 没有名为“{key}”的项目", "key": name})
                continue
            e_label, e_source, e_cap, e_plan = entry
            weight = e_cap if e_cap is not None else cap
            e_line = line(key, "entry", e_label, e_source, weight)
            e_line["input"] = v
            try:
                points, e_line["rule"] = apply_method(plans.get(e_plan, DIRECT), weight or ZERO, v, values)
            except Problem as p:
                problems.append({"code": p.code, "message": f"{name}.{key}：{p.message}", "key": name})
                points = ZERO
            if weight is not None and points > weight:
                e_line["clipped"], e_line["clip"], points = points - weight, f"超过上限 {show(weight)}", weight
            e_line["points"] = max(points, ZERO)
            out["children"].append(e_line)
            total += e_line["points"]
        out["rule"] = f"各项合计 {show(total)}"
    else:
        out["input"] = raw
        try:
            total = num(raw)
            if total < 0 and not may_negative:
                problems.append({"code": "V0107", "message": f"{name} 应填正数（{'扣' if kind == 'deduct' else '加'}分方向由公式决定）",
                                 "key": name})
            out["rule"] = "填报合计"
        except Problem as p:
            problems.append({"code": p.code, "message": f"{name}：{p.message}", "key": name})
    out["points"] = total
    if cap is not None and total > cap:
        out["points"] = cap
        out["clipped"] = total - cap
        out["clip"] = f"超过上限 {show(cap)}，剪去 {show(total - cap)}"
    return out


DIRECT = {"kind": "direct", "gate": None}


def div(a, b):
    if b == 0:
        raise Problem("V0202", "公式中出现除以 0")
    return a / b


def arith(op, a, b):
    """+ - * / of two values (÷ 0 is a problem, never infinity)."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return div(a, b)


def cross_aggregates(rows, specs):
    """rows: [(unit class, {name: value or None})] of the units scored together;
    specs: (function, name, scope) with scope a class or None (all units). Missing values are skipped."""
    out = {}
    for func, name, scope in specs:
        vals = [v[name] for cls, v in rows if (scope is None or cls == scope) and v.get(name) is not None]
        if func == "名次":
            out[(func, name, scope)] = sorted(vals, reverse=True)
        elif not vals:
            out[(func, name, scope)] = None
        elif func == "均值":
            out[(func, name, scope)] = sum(vals, ZERO) / len(vals)
        else:
            out[(func, name, scope)] = max(vals) if func == "最大" else min(vals)
    return out


def cross_value(cross, func, name, scope, own):
    """均值/最大/最小 of a name over the units scored together; 名次: 1 + how many are larger."""
    if cross is None:
        raise Problem("V0204", f"{func}(…) 是跨单位函数，须与其他单位一同评分（kaoping score、score_all、rank）")
    agg = cross.get((func, name, scope))
    where = scope or "全部单位"
    if func == "名次":
        return Fraction(1 + sum(1 for v in agg if v > own))
    if agg is None:
        raise Problem("V0205", f"{where}中没有单位有“{name}”的值，无法求{func}")
    return agg


def rescaled(pair, rescale):
    points, full = pair
    return points * 100 / full if rescale and full else points
