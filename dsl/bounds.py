"""Static interval analysis over the scoring IR: the least and greatest points of every node, group,
input and formula, for any valid results (exact Fractions; None: unbounded on that side).

A node's interval comes from its method's range, then the rule's clauses (最多 加/扣, 下限, 扣完为止),
its conditions (不适用 计 N, 门槛 → 0), its clamp or limit, 计分 and 精度; a formula's by interval
arithmetic (× ÷ with sign cases; ÷ by an interval containing 0 is unbounded); a cross-unit value by the
interval of the name it aggregates. The intervals are sound, not always tight: `kaoping verify`
reports a 性质 whose conclusion they prove as 已证明, and `kaoping inspect` shows them.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional

import attrs

from . import ir

Bound = Optional[Fraction]
Interval = tuple[Bound, Bound]  # (low, high); None: -∞ / +∞
ZERO = Fraction(0)
EVERYTHING: Interval = (None, None)


# ---------------------------------------------------------------- interval arithmetic
def point(x: Fraction) -> Interval:
    return (x, x)


def hull(*items: Interval) -> Interval:
    """The smallest interval holding all of them."""
    lows = [i[0] for i in items]
    highs = [i[1] for i in items]
    low = None if any(v is None for v in lows) else min(v for v in lows if v is not None)
    high = None if any(v is None for v in highs) else max(v for v in highs if v is not None)
    return (low, high)


def add(a: Interval, b: Interval) -> Interval:
    low = None if a[0] is None or b[0] is None else a[0] + b[0]
    high = None if a[1] is None or b[1] is None else a[1] + b[1]
    return (low, high)


def neg(a: Interval) -> Interval:
    return (None if a[1] is None else -a[1], None if a[0] is None else -a[0])


def sub(a: Interval, b: Interval) -> Interval:
    return add(a, neg(b))


_NEG_INF, _POS_INF = "-inf", "+inf"
_Ext = Fraction | str


def _ext(v: Bound, low: bool) -> _Ext:
    return v if v is not None else (_NEG_INF if low else _POS_INF)


def _sign(v: _Ext) -> int:
    if isinstance(v, str):
        return -1 if v == _NEG_INF else 1
    return (v > 0) - (v < 0)


def _times(x: _Ext, y: _Ext) -> _Ext:
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return x * y
    s = _sign(x) * _sign(y)
    if s == 0:
        return ZERO  # the values are finite: 0 × anything is 0
    return _POS_INF if s > 0 else _NEG_INF


def _key(v: _Ext) -> tuple[int, Fraction]:
    if isinstance(v, str):
        return (-1 if v == _NEG_INF else 1, ZERO)
    return (0, v)


def _back(v: _Ext) -> Bound:
    return None if isinstance(v, str) else v


def mul(a: Interval, b: Interval) -> Interval:
    products = [_times(x, y) for x in (_ext(a[0], True), _ext(a[1], False))
                for y in (_ext(b[0], True), _ext(b[1], False))]
    return (_back(min(products, key=_key)), _back(max(products, key=_key)))


def div(a: Interval, b: Interval) -> Interval:
    """a ÷ b; unbounded when b may be 0 (the runtime refuses ÷ 0, but values near 0 are unbounded)."""
    low, high = b
    if low is None or high is None or low <= 0 <= high:
        if low is not None and low == 0 and high is not None and high > 0:
            return mul(a, (1 / high, None))  # b in (0, high]: 1/b in [1/high, +∞)
        if high is not None and high == 0 and low is not None and low < 0:
            return mul(a, (None, 1 / low))
        return EVERYTHING
    return mul(a, (1 / high, 1 / low))


def clamp(a: Interval, low: Bound, high: Bound) -> Interval:
    """The values of the runtime's clamp (above `high` → high, below `low` → low) for x in a."""
    def one(v: Fraction) -> Fraction:
        if high is not None and v > high:
            return high
        if low is not None and v < low:
            return low
        return v
    return (low if a[0] is None else one(a[0]), high if a[1] is None else one(a[1]))


def at_most(a: Interval, c: Fraction) -> Interval:
    """min(x, c) for x in a."""
    return (None if a[0] is None else min(a[0], c), c if a[1] is None else min(a[1], c))


def at_least(a: Interval, c: Fraction) -> Interval:
    """max(x, c) for x in a."""
    return (c if a[0] is None else max(a[0], c), None if a[1] is None else max(a[1], c))


def scale(a: Interval, factor: Fraction) -> Interval:
    return mul(a, point(factor))


def round_interval(a: Interval, places: int, mode: str) -> Interval:
    """Rounding is monotone: the rounded bounds bound the rounded values."""
    return tuple(None if v is None else _round(v, places, mode) for v in a)  # type: ignore[return-value]


def _round(value: Fraction, places: int, mode: str) -> Fraction:
    """The runtime's rounding (half_up away from zero, up, down) at `places` decimals."""
    magnitude = abs(value) * 10 ** places
    if mode == "half_up":
        whole = math.floor(magnitude + Fraction(1, 2))
    elif mode == "up":
        whole = math.ceil(magnitude)
    else:
        whole = math.floor(magnitude)
    return Fraction(whole if value >= 0 else -whole, 10 ** places)


def within(inner: Interval, outer: Interval) -> bool:
    """Every value of `inner` lies in `outer`."""
    lo_ok = outer[0] is None or (inner[0] is not None and inner[0] >= outer[0])
    hi_ok = outer[1] is None or (inner[1] is not None and inner[1] <= outer[1])
    return lo_ok and hi_ok


def number(v: Fraction) -> str:
    """A bound as a person reads it: 1.5, 65; p/q when the decimal does not terminate."""
    for places in range(0, 61):
        scaled = v * 10 ** places
        if scaled.denominator == 1:
            digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
            whole, frac = digits[: len(digits) - places], digits[len(digits) - places:].rstrip("0")
            return ("-" if v < 0 else "") + whole + ("." + frac if frac else "")
    return f"{v.numerator}/{v.denominator}"


def show(a: Interval) -> str:
    low = "-∞" if a[0] is None else number(a[0])
    high = "+∞" if a[1] is None else number(a[1])
    return f"[{low}, {high}]"


# ---------------------------------------------------------------- methods
_AMOUNT = {"share": lambda a, w: w * a, "full": lambda a, w: w, "zero": lambda a, w: ZERO}


def _amount(kind: str, amount: Fraction, weight: Fraction) -> Fraction:
    """A table row's points: a share of the weight, the weight, nothing, or the points written."""
    return _AMOUNT.get(kind, lambda a, w: a)(amount, weight)


def _steps_max(quantity: Fraction, size: Fraction, whole: bool) -> Fraction:
    steps = quantity / size
    return Fraction(steps.numerator // steps.denominator) if whole else steps


def method_range(m: ir.Method, weight: Fraction, check_direct: bool = False) -> Interval:
    """The points a method can give before the rule's clauses."""
    w = weight
    if isinstance(m, ir.Tiers):
        return hull(*(point(_amount(k, a, w)) for _t, k, a in m.rows))
    if isinstance(m, ir.Ratio):
        return hull(point(ZERO), point(w * m.cap))
    if isinstance(m, (ir.Efficacy, ir.YesNo)):
        return hull(point(ZERO), point(w))
    if isinstance(m, ir.Ranges):
        rows = [point(_amount(r[4], r[5], w)) for r in m.rows]
        if m.rest is not None:
            rows.append(point(_amount(m.rest[0], m.rest[1], w)))
        return hull(*rows) if rows else point(ZERO)
    if isinstance(m, ir.Rank):
        rows = [point(_amount(k, a, w)) for _r, k, a in m.rows]
        if m.rest is not None:
            rows.append(point(_amount(m.rest[0], m.rest[1], w)))
        elif m.after is None:
            rows.append(point(ZERO))
        out = hull(*rows) if rows else point(ZERO)
        if m.after is not None:
            out = (None, out[1]) if m.after[1] == "deduct" else (out[0], None)
            if m.rest is None and m.rows:
                out = hull(out, point(ZERO))  # a rank before the table's first row
        return out
    if isinstance(m, ir.Steps):
        rows = [point(w)]
        for _times_, _more, kind, amount in m.rows:
            rows.append(point(w - amount if kind == "deduct" else w + amount if kind == "add"
                              else _amount(kind, amount, w)))
        return hull(*rows)
    if isinstance(m, ir.Count):
        if m.quota is not None:
            if m.short is None:
                out = hull(point(ZERO), point(w))
            else:
                size, _e, amount = m.short
                out = hull(point(w - amount * _steps_max(m.quota, size, m.whole)), point(w))
            if m.after is not None:
                out = (out[0], None) if m.after[1] == "add" else (None, out[1])
            return out
        assert m.step is not None
        if m.from_zero:
            return (ZERO, None)
        return (None, w) if m.step[1] == "deduct" else (w, None)
    if isinstance(m, ir.Levels):
        adds_only = m.quota is None and all(s[1] == "add" for _l, s in m.step or ())
        base = ZERO if adds_only else w
        added: Bound = ZERO
        lost: Bound = ZERO
        tables = [t for t in (m.step, m.after) if t is not None]
        if any(s[1] == "add" for t in tables for _l, s in t):
            added = m.at_most_add
        if any(s[1] == "deduct" for t in tables for _l, s in t):
            lost = m.at_most_deduct
        if m.quota is not None and lost is not None:
            total_q = sum((q for _l, q in m.quota), ZERO)
            shorts = dict(m.short or ())
            for level, q in m.quota:
                s = shorts.get(level, shorts.get("*"))
                lost += (w * q / total_q if total_q else ZERO) if s is None else s[2] * _steps_max(q, s[0], m.whole)
            if m.at_most_deduct is not None:
                lost = min(lost, m.at_most_deduct)
        if added is not None and m.at_most_add is not None:
            added = min(added, m.at_most_add)
        return (None if lost is None else base - lost, None if added is None else base + added)
    if isinstance(m, ir.Deviation):
        return (None, w)
    if isinstance(m, ir.VsBest):
        return EVERYTHING
    if isinstance(m, ir.Highest):
        return hull(point(ZERO), *(point(_amount(k, a, w)) for _l, _n, k, a in m.rows))
    if isinstance(m, ir.Panel):
        return (ZERO, w)
    if isinstance(m, ir.Direct):
        return (ZERO, w) if check_direct else EVERYTHING
    if isinstance(m, ir.Parts):
        adds = [a for _p, k, a in m.rows if k != "deduct"]
        deducts = [a for _p, k, a in m.rows if k == "deduct"]
        added = m.at_most_add if adds else ZERO
        lost = m.at_most_deduct if deducts else ZERO
        return (None if lost is None else w - lost, None if added is None else w + added)
    raise AssertionError(type(m).__name__)


def rule_range(rule: ir.Rule, weight: Fraction, check_direct: bool = False) -> Interval:
    """A rule applied: the gate (0), the method, 最多 加/扣 around the base, 下限, 扣完为止."""
    out = method_range(rule.method, weight, check_direct)
    base = ZERO if rule.base_zero else weight
    if rule.at_most_add is not None:
        out = at_most(out, base + rule.at_most_add)
    if rule.at_most_deduct is not None:
        out = at_least(out, base - rule.at_most_deduct)
    if rule.floor is not None:
        out = at_least(out, rule.floor)
    if rule.until_zero:
        out = at_least(out, ZERO)
    if rule.gate is not None:
        out = hull(out, point(ZERO))
    return out


# ---------------------------------------------------------------- the whole program
@attrs.frozen
class Bounds:
    nodes: dict[str, Interval]  # by key (unit blocks' nodes under their key too, widened together)
    declared: dict[str, Interval]  # what each node declares it stays within (its clamp, its limit)
    inputs: dict[str, Interval]  # as a formula reads them (rescaled when the scheme rescales)
    groups: dict[str, Interval]
    formulas: dict[str | None, dict[str, Interval]]  # unit class (None: the scheme's) → name → interval
    totals: dict[str | None, Interval]  # unit class → the total

    def of(self, name: str, unit_class: str | None = None) -> Interval | None:
        """The interval of a name as a formula reads it (formula, input, group, node)."""
        view = self.formulas.get(unit_class, self.formulas.get(None, {}))
        for table in (view, self.inputs, self.groups, self.nodes):
            if name in table:
                return table[name]
        return None


def _not_applicable(na: tuple[str, Fraction | None], full: Fraction | None) -> Fraction:
    """The points of a node that does not apply (as runtime.not_applicable scores it): 满分 its full points,
    计 N its N, 折算 none (its parent's sum rescales, Analysis.sum)."""
    policy, amount = na
    return (full or ZERO) if policy == "full" else (amount or ZERO)


def _conditions(c: ir.Conditions | None, out: Interval, weight: Fraction | None) -> Interval:
    if c is None:
        return out
    if c.applies is not None:
        out = hull(out, point(_not_applicable(c.na, weight)))
    if c.gate is not None:
        out = hull(out, point(ZERO))
    return out


def leaf_bounds(leaf: ir.Leaf) -> Interval:
    if leaf.weight is None:
        return point(ZERO)
    out = rule_range(leaf.rule, leaf.weight, leaf.check_direct)
    if leaf.optional and leaf.default is None:
        out = hull(out, point(ZERO))
    out = clamp(out, leaf.low, leaf.high)
    if leaf.precision is not None:
        out = round_interval(out, *leaf.precision)
    return _conditions(leaf.conditions, out, leaf.weight)


def declared_range(node: ir.Node) -> Interval:
    """What a node declares it stays within: a leaf its clamp, a sum [its floor, its limit or 计分],
    an open category [0, its 满分]."""
    if isinstance(node, ir.Leaf):
        return (node.low, node.high)
    if isinstance(node, ir.Sum):
        return (node.low, node.counts_as if node.counts_as is not None else node.limit)
    return (ZERO, node.full)


class _Analysis:
    def __init__(self, prog: ir.Program):
        self.prog = prog
        self.nodes: dict[str, Interval] = {}
        self.declared: dict[str, Interval] = {}
        self.listed = {k: na for k, _classes, na in prog.listed}  # 单位自列 → a unit listing none

    def node(self, n: ir.Node) -> Interval:
        if isinstance(n, ir.Leaf):
            out = leaf_bounds(n)
        elif isinstance(n, ir.Sum):
            out = self.sum(n)
        else:
            reported: Interval = (ZERO, n.full)
            out = reported if n.fallback is None else hull(reported, self.sum(n.fallback))
            out = _conditions(n.conditions, out, n.full)
        self.nodes[n.key] = hull(self.nodes[n.key], out) if n.key in self.nodes else out
        self.declared.setdefault(n.key, declared_range(n))
        return out

    def rescaled_away(self, n: ir.Node) -> bool:
        """Whether the node may give its points to its siblings (不适用 折算, on the node or its 单位自列)."""
        c = n.conditions
        if c is not None and c.applies is not None and c.na[0] == "rescale":
            return True
        return n.key in self.listed and self.listed[n.key][0] == "rescale"

    def sum(self, n: ir.Sum) -> Interval:
        total = point(ZERO)
        rates: list[Interval | None] = []  # each summed child's points ÷ its full points
        for child, summed in zip(n.children, n.summed):
            b = self.node(child)
            if summed:
                total = add(total, b)
                full = _line_full(child)
                rates.append(div(b, point(full)) if full else None)
        if rates and any(self.rescaled_away(c) for c in n.children):
            # 不适用 折算: the others' sum × (all the children's full points ÷ theirs), between the least and the
            # greatest rate of a child times the whole
            every = sum((_line_full(c) or ZERO for c, s in zip(n.children, n.summed) if s), ZERO)
            lows = [r[0] for r in rates if r is not None and r[0] is not None]
            highs = [r[1] for r in rates if r is not None and r[1] is not None]
            total = hull(total, (min(*lows, ZERO) * every if len(lows) == len(rates) else None,
                                 max(*highs, ZERO) * every if len(highs) == len(rates) else None))
        out = clamp(total, n.low, n.limit) if n.limit is not None else clamp(total, n.low, None)
        if n.counts_as is not None and n.full:
            out = scale(out, n.counts_as / n.full)
        if n.precision is not None:
            out = round_interval(out, *n.precision)
        if n.key in dict(self.prog.block_classes):
            out = hull(out, point(ZERO))  # a unit block's section counts 0 for other units
        if n.key in self.listed:  # 单位自列: any unit's own section (analysed first), or its 不适用 points
            out = hull(self.nodes.get(n.key, point(ZERO)), point(_not_applicable(self.listed[n.key], n.full)))
        return _conditions(n.conditions, out, n.full)


def _line_full(n: ir.Node) -> Fraction | None:
    """The full points a node's line shows (what 不适用 折算 weighs it by, and 折算 百分制 divides by): a leaf's
    weight, a sum's 计分 or full."""
    if isinstance(n, ir.Leaf):
        return n.weight
    if isinstance(n, ir.Sum) and n.counts_as is not None:
        return n.counts_as
    return n.full


def _rescaled(a: Interval, full: Fraction | None, rescale: bool) -> Interval:
    return scale(a, Fraction(100) / full) if rescale and full else a


def analyse(prog: ir.Program) -> Bounds:
    an = _Analysis(prog)
    for _unit, sections in prog.unit_sections:
        for _key, n in sections:
            an.node(n)
    roots = [an.node(n) for n in prog.tree]
    for _unit, nodes in prog.unit_trees:
        for n in nodes:
            an.node(n)
    fulls: dict[str, Fraction | None] = {}
    for n in ir.walk_nodes(prog.tree + tuple(x for _u, ns in prog.unit_trees for x in ns)):
        fulls.setdefault(n.key, _line_full(n))
    nodes_read = {k: _rescaled(v, fulls.get(k), prog.rescale) for k, v in an.nodes.items()}
    inputs: dict[str, Interval] = {}
    for i in prog.inputs:
        raw: Interval = (ZERO, i.full)
        if i.optional or i.default is not None:
            raw = hull(raw, point(i.default or ZERO))
        inputs[i.name] = _rescaled(raw, i.full, prog.rescale)
    groups: dict[str, Interval] = {}
    for g in prog.groups:
        groups[g.name] = (None if g.may_negative else ZERO, g.cap)
    formulas: dict[str | None, dict[str, Interval]] = {}
    totals: dict[str | None, Interval] = {}
    own = dict(prog.own_values)
    for view in prog.views:
        table: dict[str, Interval] = {}
        by_name = {f.name: f for f in view.every}

        def name_bounds(name: str, depth: int = 0) -> Interval:
            if name.startswith("#"):
                return EVERYTHING if name in own else EVERYTHING
            if name in by_name:
                return formula(name, depth + 1)
            for t in (inputs, groups, nodes_read):
                if name in t:
                    return t[name]
            return EVERYTHING

        def expr(e: ir.Expr, depth: int) -> Interval:
            if isinstance(e, ir.Const):
                return point(e.value)
            if isinstance(e, (ir.Field, ir.Value, ir.External)):
                return EVERYTHING
            if isinstance(e, ir.Ref):
                if e.of == "formula":
                    return formula(e.name, depth + 1)
                return name_bounds(e.name, depth)
            if isinstance(e, ir.Bin):
                a, b = expr(e.left, depth), expr(e.right, depth)
                return {"+": add, "-": sub, "*": mul, "/": div}[e.op](a, b)
            if isinstance(e, ir.Neg):
                return neg(expr(e.operand, depth))
            if isinstance(e, ir.Pick):
                parts = [expr(a, depth) for a in e.args]
                pick = max if e.largest else min
                lows, highs = [p[0] for p in parts], [p[1] for p in parts]
                if e.largest:
                    low = None if all(v is None for v in lows) else max(v for v in lows if v is not None)
                    high = None if any(v is None for v in highs) else pick(v for v in highs if v is not None)
                else:
                    low = None if any(v is None for v in lows) else pick(v for v in lows if v is not None)
                    high = None if all(v is None for v in highs) else min(v for v in highs if v is not None)
                return (low, high)
            if isinstance(e, ir.Cross):
                if e.func == "名次":
                    return (Fraction(1), None)
                return name_bounds(e.name, depth)
            raise AssertionError(type(e).__name__)

        def formula(name: str, depth: int = 0) -> Interval:
            if name in table:
                return table[name]
            f = by_name.get(name)
            if f is None or depth > 200:
                return EVERYTHING
            out = expr(f.expr, depth)
            if f.precision is not None:
                out = round_interval(out, *f.precision)
            table[name] = out
            return out

        for f in view.every:
            formula(f.name)
        formulas[view.unit_class] = table
        if view.total is not None:
            total = table.get(view.total, EVERYTHING)
        else:
            total = point(ZERO)
            summed = prog.root_summed + (True,) * (len(roots) - len(prog.root_summed))
            for b, s in zip(roots, summed):
                if s:
                    total = add(total, b)
        if prog.precision is not None:
            total = round_interval(total, *prog.precision)
        totals[view.unit_class] = total
    return Bounds(an.nodes, an.declared, inputs, groups, formulas, totals)


def total_bounds(b: Bounds) -> Interval:
    """The total over every unit class."""
    return hull(*b.totals.values()) if b.totals else EVERYTHING


def to_json(b: Bounds) -> dict:
    def table(t: dict[str, Interval]) -> dict[str, list[str | None]]:
        return {k: interval_json(v) for k, v in t.items()}
    return {"nodes": table(b.nodes), "inputs": table(b.inputs), "groups": table(b.groups),
            "formulas": {k or "": table(v) for k, v in b.formulas.items()},
            "totals": {k or "": interval_json(v) for k, v in b.totals.items()}}


def interval_json(a: Interval) -> list[str | None]:
    return [None if v is None else number(v) for v in a]


def render_bounds(b: Bounds) -> str:
    """The intervals as `kaoping inspect` shows them: totals and formulas per unit class, inputs, groups."""
    lines = ["取值范围（静态分析，任何有效结果都落在其中）"]
    for cls, total in b.totals.items():
        lines.append(f"  {'单位类别 ' + cls + '：' if cls else ''}总分 {show(total)}")
        for name, interval in b.formulas.get(cls, {}).items():
            lines.append(f"    得分 {name} {show(interval)}")
    for name, interval in {**b.inputs, **b.groups}.items():
        lines.append(f"  {name} {show(interval)}")
    lines.append("  节点：" + "，".join(f"{k} {show(v)}" for k, v in b.nodes.items()))
    return "\n".join(lines)
