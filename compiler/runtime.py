"""The scoring runtime: executes the scoring IR (kaoping.dsl.ir), standard library only.

Written once: the reference interpreter runs it on the IR's attrs records, and the emitter copies
this module's source into every generated module, which runs it on the same records printed as
`P(tag=…, field=…)` (the runtime reads both the same way: by attribute, dispatching on `tag`).
Every number is a Fraction: exact, with no rounding unless a node declares it.
"""

import gc
import math
from bisect import bisect_right
from decimal import Decimal, InvalidOperation
from fractions import Fraction

ZERO = Fraction(0)
ONE = Fraction(1)
MAX_DIGITS = 60  # a results number longer than this is refused before it is converted
MEMO_LIMIT = 200_000  # lines of pure leaves kept for reuse (bounded: results may hold any text)


class P:
    """An IR record in a generated module: P(tag="leaf", key="1-1", …)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return "P(" + ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()) + ")"


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


# ---------------------------------------------------------------- reading values
def _decimal(text):
    try:
        d = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    sign, digits, exponent = d.as_tuple()
    if not isinstance(exponent, int):
        return None
    if len(digits) > MAX_DIGITS or abs(exponent) > MAX_DIGITS:
        raise Problem("V0103", f"数值过长（有效数字、指数都不能超过 {MAX_DIGITS} 位）")
    return d


_NUMS: dict = {}  # (text, percent) → its Fraction: results repeat a few texts ("1", "0.5", "是"…)


def num(value, percent=False):
    """A results value → Fraction: numbers, "1.5", "3/4"; "85%" only where a ratio is read
    (`percent`); never bools, floats, None or other text."""
    if value.__class__ is str:
        got = _NUMS.get((value, percent))
        if got is None:
            got = _num(value, percent)
            if len(_NUMS) >= 100_000:
                _NUMS.clear()
            _NUMS[(value, percent)] = got
        return got
    return _num(value, percent)


def _num(value, percent):
    if isinstance(value, bool) or value is None:
        raise Problem("V0103", "应为数值" + ("，却是空值（null）" if value is None else f"，却是 {value!r}"))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        if value.bit_length() > 200:
            raise Problem("V0103", f"数值过长（有效数字不能超过 {MAX_DIGITS} 位）")
        return Fraction(value)
    if isinstance(value, Decimal):
        d = _decimal(value)
        if d is None:
            raise Problem("V0103", f"应为数值，却是 {value}")
        return Fraction(d)
    if isinstance(value, float):
        raise Problem("V0103", "数值不能是浮点数，请写成文字形式的小数，如 \"1.5\"")
    if isinstance(value, str) and len(value) <= 2 * MAX_DIGITS + 8:
        text = value.strip().replace("％", "%")
        if "_" not in text and text.isascii():
            if text.endswith("%"):
                d = _decimal(text[:-1])
                if d is not None:
                    if not percent:
                        raise Problem("V0112", f"这里应填分数或数量，不是百分比 {value!r}")
                    return Fraction(d) / 100
            elif "/" in text:
                a, _, b = text.partition("/")
                da, db = _decimal(a), _decimal(b)
                if da is not None and db is not None and da == da.to_integral_value() \
                        and db == db.to_integral_value() and db != 0:
                    return Fraction(int(da), int(db))
            else:
                d = _decimal(text)
                if d is not None:
                    return Fraction(d)
    raise Problem("V0103", "应为数值，却是 " + repr(value)[:80])


def count(value):
    n = num(value)
    if n.denominator != 1 or n < 0:
        raise Problem("V0104", "应为非负整数，却是 " + show(n))
    return int(n)


YES = frozenset(("是", "有", "true", "yes", "y", "1", "√", "✓", "☑", "对"))
NO = frozenset(("否", "无", "没有", "false", "no", "n", "0", "×", "✗", "☐", "不是", "错"))


def truth(value):
    """A yes/no fact: True/False, 是/否, 有/无, true/false, yes/no, Y/N, 1/0, √/×; anything else is a
    problem (never "any non-empty text is yes")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal, Fraction)) and value in (0, 1):
        return value == 1
    if isinstance(value, str) and value.strip().lower() in YES:
        return True
    if isinstance(value, str) and value.strip().lower() in NO:
        return False
    raise Problem("V0110", "应为 是/否（是、否、有、无、true、false、1、0、√、×），却是 " + repr(value)[:80])


_SHOWN: dict = {}  # (numerator, denominator) → text: explanations show the same few values again and again


def show(value):
    """A Fraction as a person reads it: 1.5, 65, 0.25; non-terminating values as ≈ 4 places."""
    if value is None:
        return "—"
    if not isinstance(value, Fraction):
        value = Fraction(value)
    key = (value.numerator, value.denominator)
    text = _SHOWN.get(key)
    if text is None:
        text = _show(value)
        if len(_SHOWN) < 65536:
            _SHOWN[key] = text
    return text


def _show(value):
    """Exact when the decimal terminates (the denominator is 2^a·5^b), with integers only: a decimal
    division would round past 28 digits."""
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return "≈" + show(round_to(value, 4, "half_up"))
    places = max(twos, fives)
    digits = str(abs(value.numerator) * (10 ** places // value.denominator)).rjust(places + 1, "0")
    whole, frac = (digits[:-places], digits[-places:].rstrip("0")) if places else (digits, "")
    return ("-" if value < 0 else "") + whole + ("." + frac if frac else "")


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


def fsum(values):
    """The exact sum of Fractions, added as integers over their common denominator (one Fraction
    built instead of one per addition: several times faster on a category of many indicators)."""
    values = list(values)
    if not values:
        return ZERO
    den = math.lcm(*[v.denominator for v in values])
    return Fraction(sum([v.numerator * (den // v.denominator) for v in values]), den)


def clamp(points, low, high):
    """(points within [low, high], the amount clipped: positive above, negative below)."""
    if high is not None and points > high:
        return high, points - high
    if low is not None and points < low:
        return low, points - low
    return points, ZERO


def _amount(kind, amount, weight):
    """A table row's points: a share of the weight, points, 满分, 不得分, or 扣/加 N from the weight."""
    if kind == "share":
        return weight * amount
    if kind == "full":
        return weight
    if kind == "zero":
        return ZERO
    if kind == "deduct":
        return weight - amount
    if kind == "add":
        return weight + amount
    return amount


def _amount_text(kind, amount):
    return {"share": f"{show(amount * 100)}%", "full": "满分", "zero": "不得分", "deduct": f"扣 {show(amount)} 分",
            "add": f"加 {show(amount)} 分"}.get(kind, f"{show(amount)} 分")


def _steps_of(quantity, size, whole):
    steps = quantity / size
    return Fraction(steps.numerator // steps.denominator) if whole else steps


# ---------------------------------------------------------------- methods: (points, rule text)
def m_tiers(m, weight, value, env):
    promote = 0
    if isinstance(value, dict):
        unknown = [k for k in value if k not in ("档次", "tier", "晋档", "promote")]
        if unknown:
            raise Problem("V0109", f"档次结果只填 档次、晋档，却有 {unknown[0]!r}")
        tier = value.get("档次", value.get("tier"))
        promote = count(value.get("晋档", value.get("promote", 0)))
    else:
        tier = value
    names = [r[0] for r in m.rows]
    if tier not in names:
        raise Problem("V0105", f"未定义的档次 {tier!r}（可用：{'、'.join(names)}）")
    if promote > m.promote:
        raise Problem("V0106", f"晋档 {promote} 档，超过本评分法允许的 {m.promote} 档")
    index = names.index(tier)
    name, kind, amount = m.rows[max(index - promote, 0)]
    text = f"定档 {tier}" + (f"，晋档 {promote} 档为 {name}" if promote else "") + f"，按 {_amount_text(kind, amount)}"
    if promote and index - promote < 0:
        text += "（已是最高档）"
    return _amount(kind, amount, weight), text


def m_ratio(m, weight, value, env):
    r = num(value, percent=True)
    if r < 0 or r > 10:
        raise Problem("V0107", f"完成率 {show(r * 100)}% 超出可能的范围；比例请写成 \"85%\" 或 0.85")
    used = min(r, m.cap)
    text = f"完成率 {show(r * 100)}%" + (f"，按上限 {show(m.cap * 100)}% 计" if used != r else "") + "，按比例得分"
    return weight * used, text


def m_efficacy(m, weight, value, env):
    v = num(value, percent=True)
    share = min(max((v - m.floor) / (m.target - m.floor), ZERO), ONE)
    return weight * share, f"实际值 {show(v)}，功效法（下限 {show(m.floor)}，目标 {show(m.target)}）得 {show(share * 100)}%"


def _in_interval(v, row):
    low, high, low_closed, high_closed = row[0], row[1], row[2], row[3]
    return (v > low or (low_closed and v == low)) and (v < high or (high_closed and v == high))


def m_ranges(m, weight, value, env):
    v = num(value, percent=True)
    for row in m.rows:
        if _in_interval(v, row):
            lo = "[" if row[2] else "("
            hi = "]" if row[3] else ")"
            return (_amount(row[4], row[5], weight),
                    f"实际值 {show(v)} 落在 {lo}{show(row[0])}, {show(row[1])}{hi}，按 {_amount_text(row[4], row[5])}")
    if m.rest is not None:
        kind, amount = m.rest
        return _amount(kind, amount, weight), f"实际值 {show(v)} 属于“其余”，按 {_amount_text(kind, amount)}"
    raise Problem("V0108", f"实际值 {show(v)} 不在任何区间内")


def _by_rank(m, weight, rank):
    rows = {r[0]: (r[1], r[2]) for r in m.rows}
    word = "倒数第" if m.reverse else "第"
    if rank in rows:
        kind, amount = rows[rank]
        return _amount(kind, amount, weight), f"{word} {rank} 名，按 {_amount_text(kind, amount)}"
    if m.after is not None and rows and rank > max(rows):
        last = max(rows)
        base = _amount(*rows[last], weight)
        size, effect, step = m.after
        delta = step * _steps_of(Fraction(rank - last), size, True)
        points = base - delta if effect == "deduct" else base + delta
        return points, (f"{word} {rank} 名：{word} {last} 名 {show(base)} 分，此后每名"
                        f"{'扣' if effect == 'deduct' else '加'} {show(step)}")
    if m.rest is not None:
        kind, amount = m.rest
        return _amount(kind, amount, weight), f"{word} {rank} 名，属于“其余”，按 {_amount_text(kind, amount)}"
    return ZERO, f"{word} {rank} 名，未列入排名表，不得分"


def m_rank(m, weight, value, env):
    rank = count(value)
    if rank < 1:
        raise Problem("V0104", "名次应从 1 开始")
    return _by_rank(m, weight, rank)


def m_steps(m, weight, value, env):
    n = count(value)
    if n == 0:
        return weight, "0 次，不扣分"
    chosen = None
    for row in m.rows:
        if n == row[0] or (row[1] and n >= row[0]):
            chosen = row
    if chosen is None:
        raise Problem("V0108", f"{n} 次不在阶梯表内")
    times, or_more, kind, amount = chosen
    label = f"{times} 次" + ("及以上" if or_more else "")
    if kind == "deduct":
        return weight - amount, f"{n} 次，按“{label}”扣 {show(amount)} 分"
    if kind == "add":
        return weight + amount, f"{n} 次，按“{label}”加 {show(amount)} 分"
    return _amount(kind, amount, weight), f"{n} 次，按“{label}”{_amount_text(kind, amount)}"


def m_count(m, weight, value, env):
    """每次 扣/加, 配额 … 不足 … 此后 …: per-occurrence rules over one count."""
    n = count(value)
    if m.quota is not None:
        quota = m.quota
        if n < quota:
            if m.short is None:
                return weight * n / quota, f"完成 {n}，未达配额 {show(quota)}，按比例得分"
            size, effect, amount = m.short
            lost = amount * _steps_of(quota - n, size, m.whole)
            return weight - lost, f"完成 {n}，比配额 {show(quota)} 少 {show(quota - n)}，扣 {show(lost)} 分"
        if m.after is None or n == quota:
            return weight, f"完成 {n}，达到配额 {show(quota)}"
        size, effect, amount = m.after
        extra = amount * _steps_of(n - quota, size, m.whole)
        sign = 1 if effect == "add" else -1
        return weight + sign * extra, f"完成 {n}，超出配额 {show(n - quota)}，{'加' if sign > 0 else '扣'} {show(extra)} 分"
    size, effect, amount = m.step
    delta = amount * _steps_of(Fraction(n), size, m.whole)
    each = ("每次" if size == 1 else f"每 {show(size)} 次") + ("（整档）" if m.whole and size != 1 else "")
    if m.from_zero:
        return delta, f"{n} 次，{each}{'加' if effect == 'add' else '计'} {show(amount)}，共 {show(delta)} 分"
    if effect == "deduct":
        return weight - delta, f"{n} 次，{each}扣 {show(amount)}，共扣 {show(delta)} 分"
    return weight + delta, f"{n} 次，{each}加 {show(amount)}，共加 {show(delta)} 分"


def m_levels(m, weight, value, env):
    """Counts per level (省级 2 篇, 市级 4 篇) against per-level quotas and per-level amounts."""
    if not isinstance(value, dict):
        raise Problem("V0109", "应按级别填报篇数/次数，如 {" + "、".join(f'"{x}": 2' for x in m.levels) + "}")
    unknown = [k for k in value if k not in m.levels]
    if unknown:
        raise Problem("V0105", f"未定义的级别 {unknown[0]!r}（可用：{'、'.join(m.levels)}）")
    missing = [level for level in m.levels if level not in value]
    if missing:
        raise Problem("V0101", f"缺少级别 {missing[0]} 的篇数/次数（没有请填 0）")
    counts = {level: count(value[level]) for level in m.levels}
    quota = dict(m.quota) if m.quota is not None else None

    def step_of(table, level):
        if table is None:
            return None
        steps = dict(table)
        return steps.get(level, steps.get("*"))

    adds_only = quota is None and all(s[1] == "add" for _l, s in m.step or ())
    added, lost_all, parts = ZERO, ZERO, []
    for level, n in counts.items():
        if quota is not None:
            q = quota.get(level, ZERO)
            if n < q:
                short = step_of(m.short, level)
                lost = (weight * (q - n) / sum(quota.values()) if short is None
                        else short[2] * _steps_of(q - n, short[0], m.whole))
                lost_all += lost
                parts.append(f"{level} {n}，比配额 {show(q)} 少 {show(q - n)}，扣 {show(lost)}")
                continue
            n, done = n - q, f"{level} 达到配额 {show(q)}"
            after = step_of(m.after, level)
        else:
            done, after = f"{level} {n}", step_of(m.step, level)
        if after is None or n == 0:
            parts.append(done)
            continue
        delta = after[2] * _steps_of(Fraction(n), after[0], m.whole)
        if after[1] == "add":
            added += delta
        else:
            lost_all += delta
        parts.append(f"{done}，{'另' if quota is not None else ''}{'加' if after[1] == 'add' else '扣'} {show(delta)}")
    added, lost_all = _capped_parts(m, added, lost_all, parts)
    return (ZERO if adds_only else weight) + added - lost_all, "；".join(parts)


def _capped_parts(m, added, lost, parts):
    """最多 加 / 最多 扣 on the added and the deducted parts apart (分级配额, 合计)."""
    if m.at_most_add is not None and added > m.at_most_add:
        parts.append(f"加分最多 {show(m.at_most_add)}")
        added = m.at_most_add
    if m.at_most_deduct is not None and lost > m.at_most_deduct:
        parts.append(f"扣分最多 {show(m.at_most_deduct)}")
        lost = m.at_most_deduct
    return added, lost


def m_vs_best(m, weight, value, env):
    v = num(value, percent=True)
    best = eval_expr(m.best, env)
    full = m.full if m.full is not None else weight
    if best <= 0:
        return ZERO, f"实际值 {show(v)}，最优值 {show(best)} 不大于 0，不得分"
    return full * v / best, f"实际值 {show(v)}，为最优值 {show(best)} 的 {show(v / best * 100)}%"


def m_deviation(m, weight, value, env):
    v = num(value, percent=True)
    standard = eval_expr(m.standard, env)
    gap = standard - v if m.below else v - standard
    if gap <= 0:
        return weight, f"实际值 {show(v)}，达到标准 {show(standard)}"
    size, effect, amount = m.step
    lost = amount * _steps_of(gap, size, m.whole)
    word = "低于" if m.below else "高于"
    return weight - lost, f"实际值 {show(v)}，{word}标准 {show(standard)}，扣 {show(lost)} 分"


def m_highest(m, weight, value, env):
    if isinstance(value, dict):
        have = {k: count(v) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        have = {}
        for k in value:
            if not isinstance(k, str):
                raise Problem("V0109", f"级别应为文字，如 \"省级\"，却是 {k!r}"[:120])
            have[k] = have.get(k, 0) + 1
    elif value == "":
        have = {}
    elif isinstance(value, str):
        have = {value: 1}
    else:
        raise Problem("V0109", f"级别应为文字或文字的列表，却是 {value!r}"[:120])
    known = {r[0] for r in m.rows}
    unknown = [k for k in have if k not in known]
    if unknown:
        raise Problem("V0105", f"未定义的级别 {unknown[0]!r}（可用：{'、'.join(sorted(known))}）")
    best, best_text = ZERO, "无可计分的级别"
    for name, need, kind, amount in m.rows:
        if have.get(name, 0) >= need:
            pts = _amount(kind, amount, weight)
            if pts > best:
                best, best_text = pts, f"取最高：{name}" + (f" {need} 篇" if need > 1 else "") + f"，{show(pts)} 分"
    return best, best_text


def m_panel(m, weight, value, env):
    if not isinstance(value, (list, tuple)) or not value:
        raise Problem("V0109", "评委打分应为分数列表，如 [\"90\", \"88\"]")
    marks = [num(v) for v in value]
    scale = m.full if m.full is not None else weight
    for mark in marks:
        if mark < 0 or mark > scale:
            raise Problem("V0107", f"评委打分 {show(mark)} 超出 [0, {show(scale)}]")
    used = sorted(marks)
    dropped = ""
    if m.drop_extremes and len(used) >= 3:
        used = used[1:-1]
        dropped = "去掉一个最高分、一个最低分后"
    mean = sum(used, ZERO) / len(used)
    if m.keep is not None:
        mean = round_to(mean, m.keep, "half_up")
    points = mean * weight / m.full if m.full is not None else mean
    return points, f"{len(marks)} 位评委，{dropped}平均 {show(mean)}" + (
        f"（满分 {show(m.full)}，折合权重）" if m.full is not None else "")


def m_direct(m, weight, value, env):
    v = num(value)
    return v, f"直接赋分 {show(v)} 分"


def m_yes_no(m, weight, value, env):
    if truth(value):
        return weight, "是，得满分"
    return ZERO, "否，不得分"


def m_parts(m, weight, value, env):
    if not isinstance(value, dict):
        raise Problem("V0109", "合计法的结果应按项目给出次数，如 {" + "、".join(f'"{r[0]}": 0' for r in m.rows) + "}")
    names = {r[0]: r for r in m.rows}
    unknown = [k for k in value if k not in names]
    if unknown:
        raise Problem("V0105", f"未定义的项目 {unknown[0]!r}（可用：{'、'.join(names)}）")
    missing = [k for k in names if k not in value]
    if missing:
        raise Problem("V0101", f"缺少项目 {missing[0]} 的次数（没有请填 0）")
    added, lost, parts = ZERO, ZERO, []
    for key, kind, amount in m.rows:
        n = count(value[key])
        delta = amount * n
        if kind == "deduct":
            lost += delta
        else:
            added += delta
        if n:
            parts.append(f"{key} {n} 次{'扣' if kind == 'deduct' else '加'} {show(delta)}")
    added, lost = _capped_parts(m, added, lost, parts)
    return weight + added - lost, "；".join(parts) or "无扣分"


METHODS = {
    "tiers": m_tiers, "ratio": m_ratio, "efficacy": m_efficacy, "ranges": m_ranges, "rank": m_rank,
    "steps": m_steps, "count": m_count, "levels": m_levels, "deviation": m_deviation, "vs_best": m_vs_best,
    "highest": m_highest, "panel": m_panel, "direct": m_direct, "yes_no": m_yes_no, "sum": m_parts,
}


def apply_rule(rule, weight, value, env):
    """(points before the node's clamp, rule text): the gate, the method, then the rule's caps."""
    if rule.gate is not None:
        why = unmet(rule.gate, env)
        if why:
            return ZERO, f"门槛未达（{why}），不得分"
    points, text = METHODS[rule.method.tag](rule.method, weight, value, env)
    base = ZERO if rule.base_zero else weight
    if rule.at_most_add is not None and points > base + rule.at_most_add:
        points = base + rule.at_most_add
        text += f"；加分最多 {show(rule.at_most_add)}"
    if rule.at_most_deduct is not None and points < base - rule.at_most_deduct:
        points = base - rule.at_most_deduct
        text += f"；扣分最多 {show(rule.at_most_deduct)}"
    if rule.floor is not None and points < rule.floor:
        points = rule.floor
        text += f"；不低于 {show(rule.floor)}"
    if rule.until_zero and points < 0:
        points = ZERO
        text += "；扣完为止"
    return points, text


def decimals_of(leaf, points, rule):
    """小数 规则: a reported score with more decimals than an item of its points may carry is refused
    (V0117), or rounded when the rule says how."""
    places, mode = leaf.places
    if mode is None:
        raise Problem("V0117", f"得分 {show(points)} 超过 小数 规则允许的 {places} 位小数（分值 {show(leaf.weight)} 的指标）")
    kept = round_to(points, places, mode)
    return kept, rule + f"；按 小数 规则保留 {places} 位：{show(kept)}"


def split_bonus(rule, weight, points):
    """计入 G: (the item's points, the part above the rule's start that goes to the bonus group G)."""
    start = ZERO if rule.base_zero else weight
    if points <= start:
        return points, ZERO
    return start, points - start


# ---------------------------------------------------------------- conditions
def _passes(op, value, bound):
    if op == ">=":
        return value >= bound
    if op == ">":
        return value > bound
    if op == "<=":
        return value <= bound
    if op == "<":
        return value < bound
    if op == "=":
        return value == bound
    return value != bound


def holds(cond, env):
    """True / False when a condition is decided for the unit; a Problem when it cannot be decided.
    或 holds when any part holds even if another cannot be decided; 且 fails likewise."""
    tag = cond.tag
    if tag == "has":
        return cond.name in env.values and truth(env.values[cond.name])
    if tag == "cmp":
        return _passes(cond.op, _operand(cond.left, env), _operand(cond.right, env))
    if tag == "not":
        return not holds(cond.item, env)
    undecided = None
    for item in cond.items:
        try:
            result = holds(item, env)
        except Problem as p:
            undecided = undecided or p
            continue
        if result == (tag == "any"):
            return result
    if undecided is not None:
        raise undecided
    return tag == "all"


def unmet(cond, env):
    """None when a condition holds, else what is not met, in words (a Problem when undecided)."""
    if holds(cond, env):
        return None
    return _why(cond, env)


def _why(cond, env):
    tag = cond.tag
    if tag == "has":
        return f"缺少 {cond.name}" if cond.name not in env.values else f"{cond.name}：{env.values[cond.name]}"
    if tag == "cmp":
        a, b = _operand(cond.left, env), _operand(cond.right, env)
        return f"{_operand_text(cond.left, a)} 不满足 {cond.op} {_operand_text(cond.right, b)}"
    if tag == "not":
        return "条件成立"
    whys = []
    for item in cond.items:
        try:
            if not holds(item, env):
                whys.append(_why(item, env))
        except Problem:
            continue
    return "，且".join(whys) if tag == "any" else whys[0]


def _operand(x, env):
    if x.tag == "value" and x.name not in env.values:
        raise Problem("V0101", f"缺少条件所需的“{x.name}”")
    return eval_expr(x, env)


def _operand_text(x, value):
    if x.tag == "const":
        return x.text
    if x.tag in ("value", "ref"):
        return f"{x.name} {show(value)}"
    if x.tag == "cross":
        return f"{x.func}({x.name.lstrip('#')}) {show(value)}" if x.name else f"{x.func} {show(value)}"
    return show(value)


# ---------------------------------------------------------------- expressions
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


class Env:
    """What an expression of one unit can read: its results, its fields, its computed values."""

    def __init__(self, prog, unit_class, values, cross, pts, inputs, groups, formulas, fields=None, memo=None):
        self.prog, self.unit_class, self.values, self.cross = prog, unit_class, values, cross
        self.pts, self.inputs, self.groups, self.formulas = pts, inputs, groups, formulas
        self.fields = fields
        self.memo = memo  # lines of pure leaves by (leaf, result), shared by the units scored together
        self.overrides = {}  # node key → the expression its class gives its points by
        self.failed = set()  # nodes whose line has a problem: never a value for a cross-unit aggregate
        self.staging = False  # reading values for the aggregates: a failed node has none
        self.done = {}
        self.bonuses = []  # the lines of leaves whose part above the start goes to a bonus group (计入)
        self.listed = {}  # 单位自列 section → (the classes that must list it, the points of a unit listing none)
        self.sections = {}  # 单位自列 section → this unit's own (its block's items)

    def with_fields(self, fields):
        return Env(self.prog, self.unit_class, self.values, self.cross, self.pts, self.inputs, self.groups,
                   self.formulas, fields)

    def formula(self, name):
        if name not in self.done:
            f = self.formulas.get(name)
            if f is None:
                raise Problem("V0201", f"公式用到的“{name}”没有值")
            if f.expr.tag == "external":
                if name not in self.values:
                    raise Problem("V0101", f"缺少外部得分 {name}（{f.expr.text}）")
                value = num(self.values[name])
            else:
                value = eval_expr(f.expr, self)
            if f.precision is not None:
                value = round_to(value, *f.precision)
            self.done[name] = value
        return self.done[name]

    def ref(self, name, of):
        rescale = self.prog.rescale
        if of == "formula":
            return self.formula(name)
        if of == "input":
            line = self.inputs[name]
            return rescaled(line["points"], line["full"], rescale)
        if of == "group":
            return self.groups[name]["points"]
        if self.staging and name in self.failed:
            raise Problem("V0201", f"“{name}”的得分有问题")
        if name in self.pts:
            return rescaled(*self.pts[name], rescale)
        blocks = dict(self.prog.block_classes)
        if name in blocks and self.unit_class not in blocks[name]:
            return ZERO  # a unit block's section does not apply to this unit (docs/scoring.md)
        raise Problem("V0201", f"公式用到的“{name}”没有得分")

    def own(self, name):
        """A value cross-unit functions aggregate: a formula, input, group or node; "#id": a leaf's own value."""
        if name.startswith("#"):
            leaf = dict(self.prog.own_values)[name]
            return leaf_value(leaf, self)
        if name in self.formulas:
            return self.formula(name)
        if name in self.inputs:
            return self.ref(name, "input")
        if name in self.groups:
            return self.ref(name, "group")
        return self.ref(name, "node")


def eval_expr(e, env):
    tag = e.tag
    if tag == "const":
        return e.value
    if tag == "field":
        if e.name not in env.fields:
            raise Problem("V0101", f"缺少输入项 {e.name}")
        if e.yes_no:
            return ONE if truth(env.fields[e.name]) else ZERO
        return num(env.fields[e.name], percent=True)
    if tag == "value":
        if e.name not in env.values:
            raise Problem("V0101", f"缺少“{e.name}”的值")
        return num(env.values[e.name], percent=True)
    if tag == "ref":
        return env.ref(e.name, e.of)
    if tag == "bin":
        return arith(e.op, eval_expr(e.left, env), eval_expr(e.right, env))
    if tag == "neg":
        return -eval_expr(e.operand, env)
    if tag == "pick":
        args = [eval_expr(a, env) for a in e.args]
        return max(args) if e.largest else min(args)
    if tag == "cross":
        return cross_value(env.cross, e.func, e.name, env.unit_class if e.own_class else e.scope,
                           eval_expr(e.own, env) if e.own is not None else None)
    raise Problem("V0201", "外部得分只能单独作为公式")


def rescaled(points, full, rescale):
    return points * 100 / full if rescale and full else points


# ---------------------------------------------------------------- cross-unit values
def cross_aggregates(rows, specs, out=None):
    """rows: [(unit class, {name: value or None})] of the units scored together; specs: the cross
    specs of one stage. A unit without a value is left out, never counted as 0."""
    out = dict(out or {})
    for spec in specs:
        key = (spec.func, spec.name, spec.scope)
        if spec.func == "单位数":  # every unit scored together in the scope, whatever its results
            out[key] = Fraction(sum(1 for cls, _v in rows if spec.scope is None or cls == spec.scope))
            continue
        vals = [v[spec.name] for cls, v in rows
                if (spec.scope is None or cls == spec.scope) and v.get(spec.name) is not None]
        if spec.func == "名次":
            out[key] = _ranks(vals)
        elif not vals:
            out[key] = None
        elif spec.func == "均值":
            out[key] = sum(vals, ZERO) / len(vals)
        else:
            out[key] = max(vals) if spec.func == "最大" else min(vals)
    return out


def _ranks(values):
    """(the values sorted, {value: its rank}): 1 + how many are larger; ties share a rank."""
    ordered = sorted(values)
    ranks, larger = {}, 0
    for v in reversed(ordered):
        if v not in ranks:
            ranks[v] = 1 + larger
        larger += 1
    return ordered, ranks


def cross_value(cross, func, name, scope, own):
    """均值/最大/最小 of a name over the units scored together; 名次: 1 + how many are larger."""
    key = (func, name, scope)
    if cross is None or key not in cross:
        raise Problem("V0204", f"{func}(…) 是跨单位函数，须与其他单位一同评分（kaoping score、score_all、rank）")
    agg = cross[key]
    if func == "名次":
        ordered, ranks = agg
        rank = ranks.get(own)  # a unit outside the scope: placed among its values
        return Fraction(rank if rank is not None else 1 + len(ordered) - bisect_right(ordered, own))
    if agg is None:
        raise Problem("V0205", f"{scope or '全部单位'}中没有单位有“{name.lstrip('#')}”的值，无法求{func}")
    return agg


# ---------------------------------------------------------------- nodes of the breakdown
MISSING = object()


def line(key, kind, label, source, full=None):
    return {"key": key, "kind": kind, "label": label, "input": None, "rule": "", "points": ZERO, "full": full,
            "clipped": None, "clip": None, "source": source, "children": []}


def _problem(pr, code, message, key):
    pr.append({"code": code, "message": message, "key": key})


def not_applicable(out, na, full, why):
    """A node that does not apply, scored as its 不适用 says: its full points (满分), N points (计 N), or
    折算 (nothing: its parent's sum is rescaled over the others, sum_line)."""
    policy, amount = na
    out["points"] = (full or ZERO) if policy == "full" else (amount or ZERO)
    out["rule"] = f"不适用（{why}），" + (
        "按满分计" if policy == "full" else "分值按比例折算到同级" if policy == "rescale"
        else f"计 {show(out['points'])} 分")
    if policy == "rescale":
        out["rescaled_away"] = True
    return out


def decided(node, out, env, pr, weight):
    """适用 … 不适用 …, 门槛: the line when they decide the node's points, else None."""
    c = node.conditions
    try:
        if c.applies is not None and not holds(c.applies, env):
            return not_applicable(out, c.na, weight, _why(c.applies, env))
        if c.gate is not None:
            why = unmet(c.gate, env)
            if why:
                out["rule"] = f"门槛未达（{why}），不得分"
                return out
        if c.exempt is not None and holds(c.exempt, env):
            out["points"] = weight or ZERO
            out["rule"] = "免扣，按满分计"
            return out
    except Problem as p:
        _problem(pr, p.code, f"{node.key}：{p.message}", node.key)
        out["rule"] = "条件无法判断"
        return out
    return None


def leaf_value(leaf, env):
    """The value a leaf's method reads: its result, or 取值 over its fields or the unit's values;
    None when it has none."""
    raw = env.values.get(leaf.key, MISSING) if leaf.reported else None
    if raw is MISSING:
        if leaf.default is None:
            return None
        raw = leaf.default
    if leaf.value is None:
        return num(raw, percent=True)
    if leaf.fields is not None and not isinstance(raw, dict):
        raise Problem("V0109", "应按输入项填报，如 {" + "、".join(f'"{f}": …' for f in leaf.fields) + "}")
    return eval_expr(leaf.value, env.with_fields(raw if leaf.fields is not None else {}))


def leaf_line(leaf, env, pr):
    """One leaf: its conditions, its result, its method, the clamp to [low, high], its precision."""
    key, weight = leaf.key, leaf.weight
    out = line(key, leaf.kind, leaf.label, leaf.source, weight)
    if weight is None:
        _problem(pr, "V0111", f"指标 {key} 未设分值，无法评分", key)
        return out
    if leaf.conditions is not None and decided(leaf, out, env, pr, weight) is not None:
        return out
    raw = env.values.get(key, MISSING) if leaf.reported else None
    if raw is not MISSING and leaf.reported:
        out["input"] = raw
    elif raw is MISSING and leaf.default is not None:
        raw = leaf.default
        out["rule"] = f"未填，按声明的默认值 {show(leaf.default)} 计；"
    elif raw is MISSING and leaf.default_expr is not None:
        return _computed(leaf, out, env, pr, "未填，按声明的取值计", leaf.low, leaf.high)
    elif raw is MISSING:
        if leaf.optional:
            out["rule"] = "可缺，未填按 0 计"
            return out
        _problem(pr, "V0101", f"缺少指标 {key} 的结果", key)
        out["rule"] = "缺少结果"
        return out
    memo_key = (id(leaf), raw) if env.memo is not None and leaf.pure and raw.__class__ is str else None
    done = env.memo.get(memo_key) if memo_key is not None else None
    if done is not None:  # the same leaf with the same result in another unit: the same line
        out["rule"] += done[0]
        out["points"], out["clipped"], out["clip"] = done[1:]
        return out
    problems = len(pr)
    try:
        if leaf.value is not None:
            if leaf.fields is not None:
                if not isinstance(raw, dict):
                    raise Problem("V0109", "应按输入项填报，如 {" + "、".join(f'"{f}": …' for f in leaf.fields) + "}")
                unknown = [k for k in raw if k not in leaf.fields]
                if unknown:
                    raise Problem("V0105", f"未声明的输入项 {unknown[0]!r}（可用：{'、'.join(leaf.fields)}）")
            value = eval_expr(leaf.value, env.with_fields(raw if leaf.fields is not None else {}))
            out["rule"] += f"取值 {show(value)}；"
            raw = value
        points, rule = apply_rule(leaf.rule, weight, raw, env)
        if leaf.places is not None and (points * 10 ** leaf.places[0]).denominator != 1:
            points, rule = decimals_of(leaf, points, rule)
        if leaf.rule.into is not None:
            points, bonus = split_bonus(leaf.rule, weight, points)
            out["bonus"] = {"into": leaf.rule.into, "points": bonus}
            if bonus:
                rule += f"；超出部分 {show(bonus)} 分计入 {leaf.rule.into}"
                env.bonuses.append(out)
    except Problem as p:
        _problem(pr, p.code, f"指标 {key}：{p.message}", key)
        out["rule"] = "结果无效"
        return out
    if leaf.check_direct and leaf.rule.method.tag == "direct" and (points < 0 or points > weight):
        _problem(pr, "V0107", f"指标 {key}：直接赋分 {show(points)} 超出 [0, {show(weight)}]", key)
    kept, clipped = clamp(points, leaf.low, leaf.high)
    out["rule"] += rule
    out["points"] = kept
    if clipped:
        out["clipped"] = clipped
        out["clip"] = (f"高于 {show(leaf.high)}，剪去 {show(clipped)}" if clipped > 0
                       else f"低于 {show(leaf.low)}，补足 {show(-clipped)}")
    if leaf.precision is not None:
        out["points"] = round_to(out["points"], *leaf.precision)
        out["rule"] += f"，保留 {leaf.precision[0]} 位"
    if memo_key is not None and len(pr) == problems and len(env.memo) < MEMO_LIMIT:
        env.memo[memo_key] = (out["rule"], out["points"], out["clipped"], out["clip"])
    return out


def sum_line(node, env, pr):
    """A category or an indicator with children: the sum of its children, within [low, limit],
    rescaled by 计分, rounded by 精度."""
    out = line(node.key, node.kind, node.label, node.source, node.full)
    if node.conditions is not None and decided(node, out, env, pr, node.full) is not None:
        return out
    children = [node_line(c, env, pr) for c in node.children]
    out["children"] = children
    summed = [c for c, s in zip(children, node.summed) if s]
    total = fsum([c["points"] for c in summed])
    away = [c for c in summed if c.get("rescaled_away")]
    if not away:
        return sum_close(node, out, total)
    # 不适用 折算: the children that apply earn the whole, at the rate they earned their own points
    every = fsum([c["full"] or ZERO for c in summed])
    kept = every - fsum([c["full"] or ZERO for c in away])
    scaled = total * every / kept if kept else ZERO
    sum_close(node, out, scaled)
    out["rule"] = (f"{'、'.join(c['key'] for c in away)} 不适用，按比例折算：下级合计 {show(total)} × {show(every)} ÷ "
                   f"{show(kept)} = {show(scaled)}；" + out["rule"])
    return out


def sum_close(node, out, total):
    """A sum's line from the total of its summed children: within [low, limit], rescaled by 计分,
    rounded by 精度 (the fast path calls it once per distinct total)."""
    out["rule"] = f"下级合计 {show(total)}"
    out["points"] = total
    if node.limit is not None and total > node.limit:
        out["points"] = node.limit
        out["clipped"] = total - node.limit
        out["clip"] = f"超过{node.limit_word} {show(node.limit)}，剪去 {show(total - node.limit)}"
    elif node.low is not None and total < node.low:
        out["points"] = node.low
        out["clipped"] = total - node.low
        out["clip"] = f"低于 {show(node.low)}，补足 {show(node.low - total)}"
    if node.counts_as is not None:
        if node.full:
            out["points"] = out["points"] * node.counts_as / node.full
            out["rule"] += f"，按计分 {show(node.counts_as)} 折合（× {show(node.counts_as)} ÷ {show(node.full)}）"
        out["full"] = node.counts_as
    if node.precision is not None:
        out["points"] = round_to(out["points"], *node.precision)
        out["rule"] += f"，保留 {node.precision[0]} 位"
    return out


def open_line(node, env, pr):
    """A category that lists no indicators: its score is reported directly, or it counts 0."""
    key = node.key
    out = line(key, node.kind, node.label, node.source, node.full)
    if node.conditions is not None and decided(node, out, env, pr, node.full) is not None:
        return out
    raw = env.values.get(key, MISSING)
    if raw is MISSING and node.fallback is not None:
        return sum_line(node.fallback, env, pr)
    if raw is MISSING:
        if node.required:
            _problem(pr, "V0101", f"缺少类别 {key} 的得分（方案未列出其指标）", key)
            out["rule"] = "缺少结果"
        else:
            out["rule"] = "未列出指标，计 0 分"
        return out
    out["input"] = raw
    below = [n.key for n in _below(node.fallback) if n.key in env.values] if node.fallback is not None else []
    if below:  # its own score and its parts' scores: one of them would be ignored
        _problem(pr, "V0113", f"类别 {key} 已直接填报得分，其下级类别 {'、'.join(below)} 又填报了得分；两者只填一种", key)
    if _reported(out, pr, key, f"类别 {key}", raw, node.full):
        out["rule"] = "填报得分（方案未列出其指标）"
    return out


def _below(node):
    """Every node under `node` (not itself)."""
    stack, out = list(node.children if node.tag == "sum" else [node.fallback] if node.fallback else []), []
    while stack:
        n = stack.pop()
        out.append(n)
        stack += n.children if n.tag == "sum" else ([n.fallback] if n.tag == "open" and n.fallback else [])
    return out


def _computed(node, out, env, pr, rule, low=None, high=None):
    """A node whose points are an expression (缺失 取 …, a unit class's 指标 X 取 …), within [low, high]."""
    try:
        points = eval_expr(node.default_expr if rule.startswith("未填") else env.overrides[node.key], env)
    except Problem as p:
        _problem(pr, p.code, f"{node.key}：{p.message}", node.key)
        out["rule"] = "无法取值"
        return out
    kept, clipped = clamp(points, low, high)
    out["points"], out["rule"] = kept, f"{rule} {show(points)}"
    if clipped:
        out["clipped"] = clipped
        out["clip"] = f"高于 {show(high)}，剪去 {show(clipped)}" if clipped > 0 else f"低于 {show(low)}，补足 {show(-clipped)}"
    return out


def node_line(node, env, pr):
    before = len(pr)
    out = _node_line(node, env, pr)
    if len(pr) > before:
        env.failed.add(node.key)
    return out


def _node_line(node, env, pr):
    if node.key in env.listed:  # 单位自列: this unit's own items, or none
        return listed_line(node, env, pr)
    tag = node.tag
    if node.key in env.overrides:  # 单位类别 C { 指标 X 取 … }
        given = [n.key for n in [node, *(_below(node) if tag != "leaf" else ())] if n.key in env.values]
        if given:  # a value that would be ignored
            _problem(pr, "V0114", f"单位类别 {env.unit_class} 的 {node.key} 由方案规定取值，不填报 {'、'.join(given)}",
                     given[0])
        out = _computed(node, line(node.key, node.kind, node.label, node.source, node.full if tag != "leaf"
                                   else node.weight), env, pr, f"按单位类别 {env.unit_class} 的规定取值",
                        ZERO, node.full if tag != "leaf" else node.weight)
        env.pts[node.key] = (out["points"], out["full"])
        return out
    if tag == "leaf":
        out = leaf_line(node, env, pr)
    elif tag == "sum":
        out = sum_line(node, env, pr)
    else:
        out = open_line(node, env, pr)
    env.pts[node.key] = (out["points"], out["full"])
    return out


def listed_line(node, env, pr):
    """A 单位自列 section: the unit's own items (its block), else not applicable to it, or a problem
    when its class must list them."""
    own = env.sections.get(node.key)
    if own is not None:
        out = sum_line(own, env, pr)
    else:
        classes, na = env.listed[node.key]
        out = line(node.key, node.kind, node.label, node.source, node.full)
        if env.unit_class in classes:
            _problem(pr, "V0116", f"{node.key} 由 {env.unit_class} 的单位自列指标，方案中却没有本单位的单位块", node.key)
            out["rule"] = "缺少本单位的指标"
        else:
            not_applicable(out, na, node.full, "本单位不列此项的指标")
    env.pts[node.key] = (out["points"], out["full"])
    return out


def _reported(out, pr, key, what, raw, full, percent=False):
    """A reported number within [0, full]: sets out["points"]; False when it is not a number. A
    percentage is read only where no 满分 makes the value a number of points (`percent`)."""
    try:
        v = num(raw, percent)
    except Problem as p:
        _problem(pr, p.code, f"{what}：{p.message}", key)
        return False
    if v < 0 or (full is not None and v > full):
        _problem(pr, "V0107", f"{what} 的值 {show(v)} 超出 [0, {show(full)}]", key)
    out["points"] = v
    return True


def input_line(i, values, pr, needed):
    out = line(i.name, "input", i.label, i.source, i.full)
    raw = values.get(i.name, MISSING)
    given = raw is not MISSING
    if not given:
        raw = i.default
        if raw is None and needed and not i.optional:
            _problem(pr, "V0101", f"缺少输入 {i.name} 的结果", i.name)
    else:
        out["input"] = raw
    if raw is None:
        out["rule"] = "可缺，未填按 0 计" if i.optional else ("缺少结果" if needed else "未填（本单位的公式不用）")
        return out
    if _reported(out, pr, i.name, f"输入 {i.name}", raw, i.full, percent=i.full is None):
        out["rule"] = "填报值" if given else "未填，按声明的默认值计"
    return out


def group_line(g, env, pr):
    """A bonus/deduction group: a total, or entries scored by their rules; clipped to 上限. Amounts
    are positive; the formula gives the direction (− 察访核验扣分)."""
    out = line(g.name, "group", g.label, g.source, g.cap)
    raw = env.values.get(g.name, MISSING)
    total = ZERO
    try:
        exempt = g.exempt is not None and holds(g.exempt, env)
    except Problem as p:
        _problem(pr, p.code, f"{g.name} 的免扣条件：{p.message}", g.name)
        exempt = False
    if exempt:
        out["input"] = None if raw is MISSING else raw
        out["rule"] = "免扣，不扣分"
        return out
    if raw is MISSING:
        out["rule"] = "未填，按 0 计"
    elif isinstance(raw, dict):
        out["input"] = raw
        entries = {e.name: e for e in g.entries}
        for key, v in raw.items():
            entry = entries.get(key)
            if entry is None:
                _problem(pr, "V0102", f"{g.name} 没有名为“{key}”的项目" + (
                    f"（可用：{'、'.join(entries)}）" if entries else "（该组只填合计）"), g.name)
                continue
            weight = entry.cap if entry.cap is not None else g.cap
            e_line = line(key, "entry", entry.label, entry.source, weight)
            e_line["input"] = v
            try:
                points, e_line["rule"] = apply_rule(entry.rule, weight or ZERO, v, env)
            except Problem as p:
                _problem(pr, p.code, f"{g.name}.{key}：{p.message}", g.name)
                points = ZERO
            if points < 0:
                _problem(pr, "V0107", f"{g.name}.{key}：金额 {show(points)} 为负", g.name)
                points = ZERO
            if weight is not None and points > weight:
                e_line["clipped"], e_line["clip"], points = points - weight, f"超过上限 {show(weight)}", weight
            e_line["points"] = points
            out["children"].append(e_line)
            total += points
        out["rule"] = f"各项合计 {show(total)}"
    else:
        out["input"] = raw
        try:
            total = num(raw)
            if total < 0 and not g.may_negative:
                _problem(pr, "V0107", f"{g.name} 应填正数（{'扣' if g.deduct else '加'}分方向由公式决定）", g.name)
            out["rule"] = "填报合计"
        except Problem as p:
            _problem(pr, p.code, f"{g.name}：{p.message}", g.name)
    out["points"] = total
    if g.cap is not None and total > g.cap:
        out["points"] = g.cap
        out["clipped"] = total - g.cap
        out["clip"] = f"超过上限 {show(g.cap)}，剪去 {show(total - g.cap)}"
    return out


# ---------------------------------------------------------------- one unit
def _view(prog, unit_class):
    for v in prog.views:
        if v.unit_class == unit_class:
            return v
    return prog.views[0]


def prepare(prog, unit, cross, memo=None):
    """Everything of one unit before its formulas: (env, problems, tree lines)."""
    values = unit.get("values") or {}
    cls = unit.get("class")
    pr = []
    member = dict(prog.members).get(unit.get("name")) if prog.members else None
    if member is not None and cls is None:
        cls = member  # the class the scheme's 单位 block gives (属于)
    elif member is not None and cls != member:
        _problem(pr, "V0115", f"结果中单位类别为“{cls}”，方案的单位块写的是 属于 {member}", None)
    if prog.classes and cls not in prog.classes:
        _problem(pr, "V0105", f"单位类别“{cls}”未在方案中定义（可用：{'、'.join(prog.classes)}）", None)
    view = _view(prog, cls)
    inputs = {i.name: input_line(i, values, pr, i.name in view.needed) for i in prog.inputs}
    env = Env(prog, cls, values, cross, {}, inputs, {}, {f.name: f for f in view.every}, memo=memo)
    env.overrides = dict(view.overrides)
    if prog.listed:
        env.listed = {k: (classes, na) for k, classes, na in prog.listed}
        env.sections = dict(dict(prog.unit_sections).get(unit.get("name"), ()))
    env.groups = {g.name: group_line(g, env, pr) for g in prog.groups}
    roots = tuple(prog.tree) + dict(prog.unit_trees).get(unit.get("name"), ())
    tree = [node_line(n, env, pr) for n in roots]
    if env.bonuses:
        fold_bonuses(prog, env)
    return env, pr, tree, view


def fold_bonuses(prog, env):
    """Each 计入 G part (a leaf's points above its start) joins the bonus group G as a line of its own;
    the group's 上限 caps the reported entries and these parts together."""
    caps = {g.name: g.cap for g in prog.groups}
    for leaf in env.bonuses:
        name, bonus = leaf["bonus"]["into"], leaf["bonus"]["points"]
        g = env.groups[name]
        part = line(leaf["key"], "bonus", leaf["label"], leaf["source"])
        part["points"], part["rule"] = bonus, "超出部分计入"
        g["children"].append(part)
        total = g["points"] + (g["clipped"] or ZERO) + bonus
        g["rule"] += f"；指标 {leaf['key']} 计入 {show(bonus)}"
        g["points"], g["clipped"], g["clip"] = total, None, None
        cap = caps[name]
        if cap is not None and total > cap:
            g["points"], g["clipped"], g["clip"] = cap, total - cap, f"超过上限 {show(cap)}，剪去 {show(total - cap)}"


def score_unit(prog, unit, cross=None, memo=None):
    """One unit's total and breakdown: {"unit", "class", "total", "total_name", "formulas", "tree",
    "inputs", "groups", "problems"}; total None when the results have a problem. `memo`: a dict kept
    across the units scored together (score_many), where lines of pure leaves are reused."""
    env, pr, tree, view = prepare(prog, unit, cross, memo)
    total = None
    for f in view.formulas:
        try:
            env.formula(f.name)
        except Problem as p:
            _problem(pr, p.code, f"得分 {f.name}：{p.message}", None)
            break
    else:
        if view.total is not None:
            total = env.done[view.total]
    if view.total is None:
        summed = prog.root_summed + (True,) * (len(tree) - len(prog.root_summed))
        total = fsum([t["points"] for t, s in zip(tree, summed) if s])
    if total is not None and prog.precision is not None:
        total = round_to(total, *prog.precision)
    vetoes = []
    for veto in prog.ranking.vetoes:  # after the formulas: a veto may read any value of the unit
        try:
            vetoes.append((veto.name, holds(veto.cond, env)))
        except Problem as p:
            vetoes.append((veto.name, p.message))
    for name in unit.get("clashes", ()):
        _problem(pr, "V0206", f"全体输入 {name} 在一同评分的单位之间不一致（应是同一个值）", name)
    known = prog.known | dict(prog.unit_known).get(unit.get("name"), frozenset())
    for key in env.values:
        if key not in known:
            _problem(pr, "V0102", f"方案中没有“{key}”（未知的编号或名称）", key)
    places = unit.get("places") or {}
    where = unit.get("place") or unit.get("name")
    for item in pr:
        item["place"] = places.get(item["key"], where) if item["key"] else where
    inputs = list(env.inputs.values())
    return {"unit": unit.get("name"), "class": env.unit_class, "total": None if pr else total,
            "total_name": view.total, "formulas": env.done, "tree": tree, "inputs": inputs,
            "groups": list(env.groups.values()), "vetoes": vetoes, "problems": pr}


def stage_values(prog, unit, cross, specs, memo=None):
    """The values one stage of cross-unit functions aggregates, for one unit: None for every one
    when the unit's results have a problem (other than needing a later stage), or when the value
    cannot be computed: such a unit is left out of the aggregates, never counted as 0."""
    env, pr, _tree, _view = prepare(prog, unit, cross, memo)
    env.staging = True
    out = {}
    broken = any(p["code"] != "V0204" for p in pr)
    for spec in specs:
        if broken or not spec.name:  # 单位数 reads no value
            out[spec.name] = None
            continue
        try:
            out[spec.name] = env.own(spec.name)
        except Problem:
            out[spec.name] = None
    return env.unit_class, out


def cross_stages(prog, units, memo=None):
    """The aggregates of every stage, in order; None when the scheme has none. `memo`: as in
    score_unit (a pure leaf's line depends on its result alone, so every stage reuses it)."""
    if not prog.stages:
        return None
    cross = {}
    for specs in prog.stages:
        rows = batch(lambda u: stage_values(prog, u, cross, specs, memo), units)
        cross = cross_aggregates(rows, specs, cross)
    return cross


def share(prog, units):
    """Units scored together with every 全体 input filled in from the units that give it (all that
    give one must give the same value: otherwise the input stays unfilled and each unit that gives
    it is marked, V0206)."""
    shared = [i.name for i in prog.inputs if i.shared]
    if not shared:
        return units
    ratio = {i.name: i.full is None for i in prog.inputs}  # a percentage only where no 满分 (as input_line)
    common, clash = {}, set()
    for name in shared:
        given = {}
        for u in units:
            raw = (u.get("values") or {}).get(name, MISSING)
            if raw is not MISSING:
                try:
                    given.setdefault(num(raw, ratio[name]), raw)
                except Problem:
                    pass  # reported where it is, by the unit's own score
        if len(given) == 1:
            common[name] = next(iter(given.values()))
        elif len(given) > 1:
            clash.add(name)
    out = []
    for u in units:
        values = dict(u.get("values") or {})
        for name in shared:
            if name in common:
                values.setdefault(name, common[name])
        marks = tuple(n for n in shared if n in clash and n in values)
        out.append(dict(u, values=values, clashes=marks))
    return out


_SUMMARY = ("unit", "class", "total", "total_name", "vetoes", "problems")
_RANKED = ("rank", "grade", "group", "grade_notes")


def score_stream(prog, units, fast=None):
    """Units scored together, their breakdowns made one at a time: (the units' summaries, ranked and
    graded; a generator of each unit's full score in the units' order). Memory holds one breakdown,
    the summaries and the cross-unit values, however many units there are. `fast` (fastrun.Fast):
    the units it scores carry its records under "fast" instead of "tree", "inputs" and "groups"."""
    units = share(prog, units)
    memo: dict = {}
    cross = cross_stages(prog, units, memo)

    def summary(u):
        total = fast.total(u) if fast is not None else None
        if total is None:
            return {k: v for k, v in score_unit(prog, u, cross, memo).items() if k in _SUMMARY}
        return {"unit": u.get("name"), "class": u.get("class"), "total": total,
                "total_name": _view(prog, u.get("class")).total, "vetoes": [], "problems": []}

    summaries = batch(summary, units)
    rank_scores(prog, summaries)

    def full():
        enabled = gc.isenabled()
        gc.disable()  # as in batch(): each breakdown is freed by reference counting once written
        try:
            for u, s in zip(units, summaries):
                lines = fast.lines(u) if fast is not None and s["problems"] == [] else None
                if lines is None:
                    score = score_unit(prog, u, cross, memo)
                else:
                    score = {"formulas": {name: Fraction(v) for name, v in lines[1]}, "fast": lines}
                    score.update((k, s[k]) for k in _SUMMARY)
                score.update((k, s[k]) for k in _RANKED)
                yield score
        finally:
            if enabled:
                gc.enable()

    return summaries, full()


def score_many(prog, units, memo=None):
    """score_unit of units scored together (the cross-unit stages first), ranked and graded; every
    breakdown held at once (score_stream holds one). `memo`: the lines of pure leaves, which a caller
    that scores many populations of one program may keep across them (see score_unit)."""
    units = share(prog, units)
    memo = {} if memo is None else memo
    cross = cross_stages(prog, units, memo)
    return rank_scores(prog, batch(lambda u: score_unit(prog, u, cross, memo), units))


# ---------------------------------------------------------------- ranking and grades
def rank_units(entries, spec):
    """entries: [{"unit", "class", "total", "vetoes"}] with totals already rounded and each veto
    decided (True / False / why it could not be). Adds "rank" (1 = best; ties share a rank and the next
    rank is skipped: 1, 1, 3), "group", "grade". Units with no total are not ranked."""
    groups = {}
    for e in entries:
        if e["total"] is None:
            e["rank"] = e["grade"] = None
            e["grade_notes"] = []
            continue
        key = e["class"] if spec.by_class else "全部单位"
        e["group"] = key
        groups.setdefault(key, []).append(e)
    for members in groups.values():
        members.sort(key=lambda e: e["total"], reverse=not spec.ascending)
        for i, e in enumerate(members):
            tied = i > 0 and members[i - 1]["total"] == e["total"]
            e["rank"] = members[i - 1]["rank"] if tied else i + 1
        _grade(members, spec)
    if spec.quotas:
        _quotas([e for e in entries if e["total"] is not None], spec)
    return entries


def _grade(members, spec):
    grades = spec.grades
    names = [g[0] for g in grades]
    for e in members:
        e["grade"] = next((g[0] for g in grades if g[1] is None or _passes(g[1], e["total"], g[2])), None)
        e["grade_notes"] = []
        for veto, (name, fired) in zip(spec.vetoes, e["vetoes"]):
            if isinstance(fired, str):
                e["grade_notes"].append(f"{name}：无法判断（{fired}），未执行")
                continue
            if fired and e["grade"] in names and veto.grade in names:
                worst_allowed = names.index(veto.grade) + (1 if veto.exclude else 0)
                if names.index(e["grade"]) < worst_allowed and worst_allowed < len(names):
                    e["grade"] = names[worst_allowed]
                    e["grade_notes"].append(f"{name}：等次降为 {e['grade']}")


def _quota_limit(n, op, share, mode):
    """How many of `n` units a grade may hold: ≤ n × share (rounded down, or as declared), or < it."""
    x = n * share
    if op == "<":
        return max(-((-x.numerator) // x.denominator) - 1, 0)
    return int(round_to(x, 0, mode or "down"))


def _quotas(entries, spec):
    """比例 X <= p% [按 单位类别] [舍入]: in each group (the unit's class, or all units) at most ⌊n × p⌋ units
    keep grade X, the best totals first; units tied with the first one over the limit are demoted with it
    (the quota is never exceeded); the demoted take the next grade (whose own quota comes after)."""
    names = [g[0] for g in spec.grades]
    for grade, op, share, by_class, *rest in sorted(spec.quotas, key=lambda q: names.index(q[0])):
        nxt = names[names.index(grade) + 1] if names.index(grade) + 1 < len(names) else grade
        groups = {}
        for e in entries:
            groups.setdefault(e["class"] if by_class else None, []).append(e)
        for members in groups.values():
            limit = _quota_limit(len(members), op, share, rest[0] if rest else None)
            holders = sorted((e for e in members if e["grade"] == grade), key=lambda e: e["total"],
                             reverse=not spec.ascending)
            cut = limit
            while 0 < cut < len(holders) and holders[cut - 1]["total"] == holders[cut]["total"]:
                cut -= 1  # tied at the limit: none of the tied keeps it
            for e in holders[cut:]:
                e["grade"] = nxt
                tied = "（与名额内最后一名并列，同降）" if cut < limit else ""
                e["grade_notes"].append(f"{grade}比例{'小于' if op == '<' else '不超过'} {show(share * 100)}%"
                                        f"（{len(members)} 个单位至多 {limit} 个），按得分降为 {nxt}{tied}")


def rank_scores(prog, scores):
    """Rank and grade scored units (in place); returns the scores."""
    entries = [{"unit": s["unit"], "class": s["class"], "total": s["total"], "vetoes": s["vetoes"]} for s in scores]
    rank_units(entries, prog.ranking)
    for s, e in zip(scores, entries):
        s["rank"], s["grade"], s["group"] = e.get("rank"), e.get("grade"), e.get("group")
        s["grade_notes"] = e.get("grade_notes", [])
    return scores
