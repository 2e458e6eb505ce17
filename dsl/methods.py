"""Scoring methods (评分法) → plans: plain dicts of Fractions and strings that the scoring
runtime (kaoping.compiler.runtime) evaluates. Invalid or unsupported shapes become diagnostics
here, at check time, never surprises at scoring time.
"""

from __future__ import annotations

from fractions import Fraction

from . import ast as A
from .diagnostics import Diagnostic, error


# Methods every scheme has without declaring them: 评分 直接赋分 / 评分 是否.
BUILTIN = {"直接赋分": {"kind": "direct", "gate": None}, "是否": {"kind": "yes_no", "gate": None},
           "direct": {"kind": "direct", "gate": None}, "yes_no": {"kind": "yes_no", "gate": None}}


class MethodError(Exception):
    def __init__(self, code: str, message: str, gloss: str, span):
        super().__init__(message)
        self.code, self.message, self.gloss, self.span = code, message, gloss, span


def _f(num: A.Num | None) -> Fraction | None:
    return None if num is None else Fraction(num.value)


def _row_amount(row: A.Row):
    if row.value_kind == "step":  # 逾期: 每次 扣 0.3 (a 合计 row)
        return row.value.effect, _f(row.value.amount)
    if row.value_kind == "amount":
        return ("share" if row.value.percent else "points"), _f(row.value)
    if row.value_kind in ("full", "zero"):
        return row.value_kind, Fraction(0)
    return row.value_kind, _f(row.value)  # deduct / add


def _size(step: A.Step) -> Fraction:
    size = Fraction(step.size) if step.size is not None else Fraction(1)
    return size / 100 if step.percent else size


def _step(step: A.Step, method: A.Method):
    if step.table:
        raise MethodError("E0501", "分级的加减分表（每篇 {省级 …}）要和按级别的结果一起用：配额 {…} 或 每篇 {…}",
                          "per-level steps belong to a per-level method", step.span)
    return (_size(step), step.effect, _f(step.amount))


def _level_steps(step: A.Step | None) -> dict | None:
    """每篇 { 省级 加 1.5, 市级 加 0.25 } → {level: (size, effect, amount)}; a flat step → {"*": …}."""
    if step is None:
        return None
    if step.table:
        return {name: (_size(step), effect, _f(amount)) for name, effect, amount in step.table}
    return {"*": (_size(step), step.effect, _f(step.amount))}


def _levels_plan(c: dict, method: A.Method) -> dict:
    """配额 { 省级 2, 市级 4 } 篇 此后 每篇 { 省级 加 1.5, 市级 加 0.25 }: counts reported per level."""
    quota = c.get("quota")
    rows = quota.value[0] if quota is not None and isinstance(quota.value[0], tuple) else None
    if rows is not None and any(r.key_kind != "name" or r.value_kind != "amount" for r in rows):
        raise MethodError("E0501", "分级配额的每一行写成 级别 数量，如 { 省级 2, 市级 4 }", "quota rows: level count",
                          quota.span)
    at_most = next((c[k] for k in ("at_most", "at_most_add", "at_most_deduct") if k in c), None)
    steps = {k: _level_steps(c[k].value if k in c else None) for k in ("step", "short", "after")}
    levels = list(dict.fromkeys([r.key for r in rows or ()] + [name for table in steps.values() if table
                                                                 for name in table if name != "*"]))
    return dict(kind="levels", levels=tuple(levels),
                quota={r.key: Fraction(r.value.value) for r in rows} if rows is not None else None,
                at_most=_f(at_most.value) if at_most else None, whole="whole_steps" in c, **steps)


def _clauses(method: A.Method) -> dict:
    out: dict = {}
    for c in method.clauses:
        if c.kind in out and c.kind not in ("assume",):
            raise MethodError("E0501", f"评分法的子句“{c.kind}”写了两次", "clause given twice", c.span)
        out[c.kind] = c
    return out


def condition_plan(cond, span, what: str = "门槛"):
    """A 门槛/适用 condition → a tuple tree the runtime evaluates against a unit's results:
    ("has", X) for 有 X; ("cmp", op, a, b) with a, b = ("num", value, text) or ("value", name);
    ("and" | "or", (…)); ("not", c)."""
    if isinstance(cond, A.Has):
        return ("has", cond.name)
    if isinstance(cond, A.BoolOp):
        return ("and" if cond.op == "and" else "or", tuple(condition_plan(c, span, what) for c in cond.items))
    if isinstance(cond, A.Not):
        return ("not", condition_plan(cond.item, span, what))
    if isinstance(cond, A.Compare):
        return ("cmp", cond.op, _operand(cond.left, what), _operand(cond.right, what))
    raise MethodError("E0503", f"{what}的这种条件尚不支持评分（可用：有 X、X >= 数、且、或、非）",
                      f"{what}: unsupported condition", getattr(cond, "span", span))


def _operand(e, what: str):
    if isinstance(e, A.Num):
        text = f"{e.value * 100:f}".rstrip("0").rstrip(".") + "%" if e.percent else f"{e.value:f}"
        return ("num", Fraction(e.value), text)
    if isinstance(e, A.Ref):
        return ("value", e.name)
    raise MethodError("E0503", f"{what}中的比较目前只支持结果中的名称与数字", f"{what}: compare names and numbers",
                      e.span)


def both(a, b):
    """Two conditions that must both hold (either may be None)."""
    return a if b is None else b if a is None else ("and", (a, b))


def _gate(clause: A.Clause | None):
    return None if clause is None else condition_plan(clause.value, clause.span)


def value_plan(expr, fields: tuple[str, ...], span):
    """取值 over an item's 输入项 → a tuple tree: ("num", F), ("field", name), ("neg", a), (op, a, b)."""
    if isinstance(expr, A.Num):
        return ("num", Fraction(expr.value))
    if isinstance(expr, A.Ref):
        if expr.name not in fields:
            raise MethodError("E0204", f"取值中的“{expr.name}”不是本指标的输入项（{'、'.join(fields) or '未声明输入项'}）",
                              "not an input field of this item", expr.span)
        return ("field", expr.name)
    if isinstance(expr, A.BinOp):
        return (expr.op, value_plan(expr.left, fields, span), value_plan(expr.right, fields, span))
    if isinstance(expr, A.Neg):
        return ("neg", value_plan(expr.operand, fields, span))
    raise MethodError("E0503", "取值目前只支持输入项、数字与 + - × ÷", "value: only fields, numbers and arithmetic",
                      getattr(expr, "span", span))


def _need(clauses: dict, kind: str, method: A.Method, word: str):
    if kind not in clauses:
        raise MethodError("E0501", f"评分法缺少“{word}”", f"method needs {word}", method.span)
    return clauses[kind]


def plan_of(method: A.Method, named: dict, _seen=()) -> dict:
    """The plan of one method; `named` maps method names to their AST methods (for 沿用)."""
    c = _clauses(method)
    kind = method.kind
    gate = _gate(c.get("gate"))
    allowed_rows = {"tiers": {"name"}, "ranges": {"interval", "rest"}, "rank": {"number"},
                    "reverse_rank": {"number"}, "steps": {"count"}, "highest": {"name", "name_count"},
                    "sum": {"name"}}
    if method.table and kind not in allowed_rows and kind != "clauses":
        raise MethodError("E0501", "这种评分法不带表格", "this method takes no table", method.table[0].span)
    for row in method.table:
        if kind in allowed_rows and row.key_kind not in allowed_rows[kind]:
            raise MethodError("E0501", "表格的这一行与评分法的类型不符", "row does not fit this method", row.span)
        if row.value_kind == "step" and (kind != "sum" or row.value.table or row.value.effect is None):
            raise MethodError("E0501", "“每次 扣/加 …”只能写在 合计 的表格中", "a step row belongs to 合计", row.span)
    if kind == "based_on":
        base = method.arg.text
        if base in _seen or base not in named:
            raise MethodError("E0206" if base not in named else "E0501",
                              f"沿用的评分法“{base}”" + ("未定义" if base not in named else "形成循环"),
                              "base method undefined or cyclic", method.arg.span)
        plan = dict(plan_of(named[base], named, _seen + (base,)))
        plan["gate"] = both(plan.get("gate"), gate)
        return plan
    plan: dict = {"gate": gate}
    if kind == "tiers":
        if not method.table:
            raise MethodError("E0501", "分档法需要档次表，如 { 一档 100%, 二档 90% }", "tiers need a table",
                              method.span)
        plan.update(kind="tiers", rows=tuple((r.key, *_row_amount(r)) for r in method.table),
                    promote=c["promote"].value if "promote" in c else 0)
    elif kind == "ratio":
        plan.update(kind="ratio", cap=_f(c["cap"].value) if "cap" in c else Fraction(1))
    elif kind == "efficacy":
        low, target = _f(_need(c, "floor", method, "下限").value), _f(_need(c, "target", method, "目标").value)
        if target <= low:
            raise MethodError("E0501", "功效法的目标值应大于下限", "target must exceed the floor", method.span)
        plan.update(kind="efficacy", floor=low, target=target)
    elif kind == "ranges":
        rows = []
        rest = None
        for r in method.table:
            if r.key_kind == "rest":
                rest = _row_amount(r)
                continue
            iv = r.key
            rows.append((_f(iv.low), _f(iv.high), iv.low_closed, iv.high_closed, *_row_amount(r)))
        _check_intervals(rows, method)
        plan.update(kind="ranges", rows=tuple(rows), rest=rest, sense=method.arg)
    elif kind in ("rank", "reverse_rank"):
        rows = {int(r.key): _row_amount(r) for r in method.table}
        plan.update(kind=kind, rows=rows, after=_step(c["after"].value, method) if "after" in c else None,
                    floor=_f(c["floor"].value) if "floor" in c else None,
                    rest=(("share" if c["rest"].value.percent else "points"), _f(c["rest"].value)) if "rest" in c
                    else None)
    elif kind == "steps":
        plan.update(kind="steps", rows=tuple((r.key[0], r.key[2], *_row_amount(r)) for r in method.table))
    elif kind in ("clauses", "quota") and (
            ("quota" in c and isinstance(c["quota"].value[0], tuple))
            or any(k in c and c[k].value.table for k in ("step", "short", "after"))):
        plan.update(_levels_plan(c, method))
    elif kind in ("clauses", "quota"):
        quota = c.get("quota")
        step = c.get("step")
        if quota is None and step is None:
            raise MethodError("E0501", "评分法缺少“每 … 扣/加 …”或“配额”", "method needs a step or a quota",
                              method.span)
        at_most = next((c[k] for k in ("at_most", "at_most_add", "at_most_deduct") if k in c), None)
        plan.update(kind="count", quota=Fraction(quota.value[0]) if quota else None,
                    step=_step(step.value, method) if step else None,
                    short=_step(c["short"].value, method) if "short" in c else None,
                    after=_step(c["after"].value, method) if "after" in c else None,
                    at_most=_f(at_most.value) if at_most else None, whole="whole_steps" in c)
    elif kind in ("deviation", "not_below", "not_above"):
        if kind == "deviation":
            std = _need(c, "standard", method, "标准").value
            direction = c["direction"].value if "direction" in c else "not_below"
            if isinstance(std, A.Call) and std.func in ("均值", "最大", "最小") and std.args \
                    and isinstance(std.args[0], A.Ref) and all(isinstance(a, A.Ref) for a in std.args):
                scope = std.args[1].name if len(std.args) == 2 else None
                plan["cross"] = (std.func, std.args[0].name, None if scope == "全部单位" else scope)
                standard = None  # 均值(人均投入, 全部单位): known once the units are scored together
            elif isinstance(std, A.Num):
                standard = _f(std)
            else:
                raise MethodError("E0503", "偏离法的标准目前只能是一个数，或 均值/最大/最小(名称[, 范围])",
                                  "standard: a number or a cross-unit aggregate of a name", c["standard"].span)
        else:
            standard, direction = _f(method.arg), kind
        step = _need(c, "step", method, "每 … 扣 …").value
        plan.update(kind="deviation", standard=standard, direction=direction, step=_step(step, method),
                    whole="whole_steps" in c)
    elif kind == "highest":
        rows = []
        for r in method.table:
            name, need = (r.key, 1) if r.key_kind == "name" else (r.key[0], r.key[1])
            rows.append((name, need, *_row_amount(r)))
        plan.update(kind="highest", rows=tuple(rows))
    elif kind == "panel":
        plan.update(kind="panel", drop_extremes="drop_extremes" in c,
                    keep=c["keep"].value if "keep" in c else None, full=_f(c["full"].value) if "full" in c else None)
    elif kind == "vs_best":
        # 比最优: the best unit gets the full points, the others in proportion to the best
        plan.update(kind="vs_best", cross=("最大", None, None), full=_f(c["full"].value) if "full" in c else None)
    elif kind in ("direct", "yes_no"):
        plan.update(kind=kind)
    elif kind == "sum":
        plan.update(kind="sum", rows=tuple((r.key, *_row_amount(r)) for r in method.table))
    else:
        raise MethodError("E0503", f"评分法类型“{kind}”尚不支持评分", f"method kind {kind} is not supported yet",
                          method.span)
    return plan


def _check_intervals(rows, method: A.Method):
    """A range table matches exactly one row: overlapping intervals are an error (DMN 'unique')."""
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            lo, hi = max(a[0], b[0]), min(a[1], b[1])
            touching = lo == hi and ((a[0] == lo and a[2] and b[1] == lo and b[3]) or
                                     (b[0] == lo and b[2] and a[1] == lo and a[3]))
            if lo < hi or touching:
                raise MethodError("E0502", "区间表中的区间互相重叠，同一实际值会匹配两行", "range rows overlap",
                                  method.span)


def method_diagnostics(methods: dict, source_of) -> tuple[dict, list[Diagnostic]]:
    """Plans for every named method, and a diagnostic for each that cannot be planned."""
    named = {n: m.method for n, m in methods.items()}
    plans, diags = {}, []
    for name, m in methods.items():
        try:
            plans[name] = plan_of(m.method, named)
        except MethodError as err:
            diags.append(error(err.code, f"评分法“{name}”：{err.message}", err.gloss, err.span, source_of(m)))
    return plans, diags
