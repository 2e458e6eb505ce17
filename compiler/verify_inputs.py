"""Valid results for `kaoping verify`, built from the scoring IR (never from the model).

Every value a results file can give has a *dimension* here: a leaf by its method (tiers with 晋档,
counts per level, 输入项 fields, 合计 parts, 是/否 …), an open category, an input (within its 满分;
a percentage only when it has none; 全体: one value for all the units scored together), a group
(a total, or its entries by their rules), an external formula and every fact a condition reads
(有-facts yes and no; compared values on both sides of what they are compared with). A dimension
knows its random values (a hypothesis strategy), its extremes (for the corner search) and, when a
better value has a meaning, its *ladder*: values from worst to best that a sane scheme never scores
lower as they rise.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import attrs
from hypothesis import strategies as st

from kaoping.dsl import ir

from . import runtime as R
from .results import UnitResults

ZERO = Fraction(0)

# the built-in monotonicity properties a ladder belongs to
TIER = "提高一档不会降低得分"
RANK = "名次靠前不会降低得分"
ACHIEVE = "完成值提高不会降低得分"
DEDUCT_COUNT = "扣分次数增多不会提高得分"
ADD_COUNT = "加分次数增多不会降低得分"
BONUS = "加分组加分增多不会降低总分"
DEDUCT_GROUP = "扣分组扣分增多不会提高总分"


def text(x: Fraction) -> str:
    """A Fraction as a results value: an exact decimal, or p/q."""
    return R.exact(x)


def _grid(low: Fraction, high: Fraction, n: int = 6) -> list[Fraction]:
    if high <= low:
        return [low]
    return [low + (high - low) * k / n for k in range(n + 1)]


def _decimals(low: Fraction, high: Fraction) -> st.SearchStrategy:
    """Values in [low, high] with 2 decimals (both ends included), as text."""
    lo = -((-low * 100).__floor__())
    hi = (high * 100).__floor__()
    if hi < lo:
        return st.just(text(low))
    return st.integers(int(lo), int(hi)).map(lambda k: text(Fraction(k, 100)))


@attrs.frozen
class Ladder:
    """Values of one dimension (or one part of it) from worst to best, and the property they test."""

    prop: str
    key: str
    sub: str | None  # a part of a dict value (合计 part, level, group entry); None: the whole value
    rungs: tuple[Any, ...]
    leaf: str | None  # the node whose points must not fall (None: only the total and the rank)

    def put(self, values: dict, rung: Any) -> dict:
        out = dict(values)
        if self.sub is None:
            out[self.key] = rung
        else:
            old = out.get(self.key)
            part = dict(old) if isinstance(old, dict) else {}
            part[self.sub] = rung
            out[self.key] = part
        return out


@attrs.frozen
class Dim:
    key: str
    what: str  # leaf / open / input / group / external / fact
    strategy: st.SearchStrategy
    best: Any
    worst: Any
    ladders: tuple[Ladder, ...] = ()
    absent_ok: bool = False  # 可缺 / 默认: may be left out
    shared: bool = False  # 全体 input: one value for the units scored together
    units: frozenset[str] | None = None  # a unit block's node: only these units report it
    classes: frozenset[str | None] | None = None  # an external formula: only these classes
    excludes: frozenset[str] = frozenset()  # an open category's parts: reported instead of it, never with it


# ---------------------------------------------------------------- one method's values
def method_values(m: ir.Method, weight: Fraction, key: str, leaf: str | None,
                  prefix: str | None = None) -> tuple[st.SearchStrategy, Any, Any, list[Ladder]]:
    """(random values, best, worst, ladders) for one method. `prefix`: a group entry's key within
    its group (its ladders then act on a part of the group's dict)."""
    w = weight

    def ladder(prop: str, rungs: list, sub: str | None = None) -> list[Ladder]:
        if len(rungs) < 2:
            return []
        if prefix is not None:  # a group entry: its rungs are parts of the group's dict
            if sub is not None:
                return []  # an entry whose value is itself a dict: random values only
            return [Ladder(prop, key, prefix, tuple(rungs), None)]
        return [Ladder(prop, key, sub, tuple(rungs), leaf)]

    strat: st.SearchStrategy
    if isinstance(m, ir.Tiers):
        names = [r[0] for r in m.rows]
        strat = st.sampled_from(names)
        if m.promote:
            strat = st.one_of(strat, st.builds(lambda t, k: {"档次": t, "晋档": str(k)},
                                               st.sampled_from(names), st.integers(0, m.promote)))
        worst_first = list(reversed(names))
        return strat, names[0], names[-1], ladder(TIER, worst_first)
    if isinstance(m, ir.Ratio):
        rungs = [text(v) for v in _grid(ZERO, max(m.cap, Fraction(1)) + Fraction(1, 5))]
        return _decimals(ZERO, Fraction(6, 5)), rungs[-1], "0", ladder(ACHIEVE, rungs)
    if isinstance(m, ir.Efficacy):
        span = m.target - m.floor
        low, high = m.floor - span / 2, m.target + span / 2
        rungs = [text(v) for v in _grid(low, high, 8)]
        return _decimals(low, high), rungs[-1], rungs[0], ladder(ACHIEVE, rungs)
    if isinstance(m, ir.Ranges):
        points: list[Fraction] = []
        for low, high, lc, hc, _k, _a in m.rows:
            inner = [v for v in _grid(low, high, 4) if (v != low or lc) and (v != high or hc)]
            points += inner
        if m.rest is not None and m.rows:
            lo = min(r[0] for r in m.rows)
            hi = max(r[1] for r in m.rows)
            points += [lo - abs(lo) / 2 - 1, hi + abs(hi) / 2 + 1]
        points = sorted(set(points))
        strat = st.sampled_from([text(p) for p in points]) if points else st.just("0")
        amounts = []
        for p in points:
            try:
                amounts.append(R.m_ranges(m, w, text(p), None)[0])
            except R.Problem:
                amounts.append(None)
        rungs = [text(p) for p in points]
        if None in amounts or not points:
            return strat, rungs[0] if rungs else "0", rungs[0] if rungs else "0", []
        if all(a <= b for a, b in zip(amounts, amounts[1:])):
            return strat, rungs[-1], rungs[0], ladder(ACHIEVE, rungs)
        if all(a >= b for a, b in zip(amounts, amounts[1:])):
            return strat, rungs[0], rungs[-1], ladder(ACHIEVE, list(reversed(rungs)))
        return strat, rungs[-1], rungs[0], []  # a band: neither direction is "better"
    if isinstance(m, ir.Rank):
        top = max([r[0] for r in m.rows] + [3]) + 3
        ranks = list(range(1, top + 1))
        strat = st.integers(1, top).map(str)
        order = [str(r) for r in ranks] if m.reverse else [str(r) for r in reversed(ranks)]
        return strat, order[-1], order[0], ladder(RANK, order)
    if isinstance(m, ir.Steps):
        top = max([r[0] for r in m.rows] + [1]) + 2
        counts = [str(n) for n in range(top + 1)]
        kinds = {r[2] for r in m.rows}
        strat = st.integers(0, top).map(str)
        if kinds <= {"deduct", "zero"}:
            return strat, "0", counts[-1], ladder(DEDUCT_COUNT, list(reversed(counts)))
        if kinds <= {"add"}:
            return strat, counts[-1], "0", ladder(ADD_COUNT, counts)
        return strat, "0", counts[-1], []
    if isinstance(m, ir.Count):
        top = int(m.quota) + 4 if m.quota is not None else 8
        counts = [str(n) for n in range(top + 1)]
        strat = st.integers(0, top).map(str)
        if m.quota is not None:
            if m.after is None or m.after[1] == "add":
                return strat, counts[-1], "0", ladder(ACHIEVE, counts)
            return strat, str(int(m.quota)), "0", []
        assert m.step is not None
        if m.step[1] == "deduct" and not m.from_zero:
            return strat, "0", counts[-1], ladder(DEDUCT_COUNT, list(reversed(counts)))
        return strat, counts[-1], "0", ladder(ADD_COUNT, counts)
    if isinstance(m, ir.Levels):
        strat = st.fixed_dictionaries({lv: st.integers(0, 6).map(str) for lv in m.levels})
        ladders: list[Ladder] = []
        quota = dict(m.quota) if m.quota is not None else None
        steps = dict(m.step or ())
        afters = dict(m.after or ())
        best, worst = {}, {}
        for lv in m.levels:
            counts = [str(n) for n in range(7)]
            if quota is not None:
                after = afters.get(lv, afters.get("*"))
                good = after is None or after[1] == "add"
            else:
                step = steps.get(lv, steps.get("*"))
                good = step is None or step[1] == "add"
            best[lv], worst[lv] = (counts[-1], "0") if good else ("0", counts[-1])
            prop = (ACHIEVE if quota is not None else ADD_COUNT) if good else DEDUCT_COUNT
            ladders += ladder(prop, counts if good else list(reversed(counts)), lv)
        return strat, best, worst, ladders
    if isinstance(m, ir.Deviation):
        s = m.standard.value if isinstance(m.standard, ir.Const) else Fraction(1)
        span = max(abs(s), Fraction(1))
        low, high = s - span, s + span
        rungs = [text(v) for v in _grid(low, high, 8)]
        if not m.below:
            rungs.reverse()
        return _decimals(low, high), rungs[-1], rungs[0], ladder(ACHIEVE, rungs)
    if isinstance(m, ir.VsBest):
        rungs = [text(v) for v in _grid(Fraction(1), Fraction(100), 5)]
        return _decimals(Fraction(1), Fraction(100)), rungs[-1], rungs[0], ladder(ACHIEVE, rungs)
    if isinstance(m, ir.Highest):
        names = [r[0] for r in m.rows]
        strat = st.lists(st.sampled_from(names), max_size=3) if names else st.just([])
        return strat, names[:1], [], []
    if isinstance(m, ir.Panel):
        scale = m.full if m.full is not None else w
        marks = [[text(v)] * 3 for v in _grid(ZERO, scale, 4)]
        return st.lists(_decimals(ZERO, scale), min_size=1, max_size=7), marks[-1], marks[0], ladder(ACHIEVE, marks)
    if isinstance(m, ir.Direct):
        rungs = [text(v) for v in _grid(ZERO, w, 4)]
        return _decimals(ZERO, w), rungs[-1], "0", ladder(ACHIEVE, rungs)
    if isinstance(m, ir.YesNo):
        return st.sampled_from(["是", "否"]), "是", "否", ladder(ACHIEVE, ["否", "是"])
    if isinstance(m, ir.Parts):
        strat = st.fixed_dictionaries({r[0]: st.integers(0, 5).map(str) for r in m.rows})
        best = {r[0]: ("0" if r[1] == "deduct" else "5") for r in m.rows}
        worst = {r[0]: ("5" if r[1] == "deduct" else "0") for r in m.rows}
        ladders = []
        for part, kind, _a in m.rows:
            counts = [str(n) for n in range(6)]
            if kind == "deduct":
                ladders += ladder(DEDUCT_COUNT, list(reversed(counts)), part)
            else:
                ladders += ladder(ADD_COUNT, counts, part)
        return strat, best, worst, ladders
    raise AssertionError(type(m).__name__)


# ---------------------------------------------------------------- 输入项 and 取值
def _denominators(e: ir.Expr, under_div: bool, out: set[str], tops: set[str]) -> None:
    if isinstance(e, (ir.Field, ir.Value)):
        (out if under_div else tops).add(e.name)
    elif isinstance(e, ir.Bin):
        _denominators(e.left, under_div, out, tops)
        _denominators(e.right, under_div or e.op == "/", out, tops)
    elif isinstance(e, ir.Neg):
        _denominators(e.operand, under_div, out, tops)
    elif isinstance(e, ir.Pick):
        for a in e.args:
            _denominators(a, under_div, out, tops)


def _fields_strategy(leaf: ir.Leaf) -> st.SearchStrategy:
    """A dict of the leaf's 输入项: denominators positive ([50, 100]), the others in [0, 60], so a
    ratio of them lies in [0, 1.2]; values the method would refuse are drawn again."""
    assert leaf.fields is not None and leaf.value is not None
    below: set[str] = set()
    tops: set[str] = set()
    _denominators(leaf.value, False, below, tops)
    fields = {f: (_decimals(Fraction(50), Fraction(100)) if f in below else _decimals(ZERO, Fraction(60)))
              for f in leaf.fields}
    strat = st.fixed_dictionaries(fields)
    return strat.filter(lambda v: _computable(leaf, v))


def _computable(leaf: ir.Leaf, fields: dict) -> bool:
    if isinstance(leaf.rule.method, (ir.VsBest, ir.Deviation)):
        return True  # these read other values of the unit: checked when scored
    try:
        env = R.Env(None, None, {}, None, {}, {}, {}, {}, fields)
        value = R.eval_expr(leaf.value, env)
        R.METHODS[leaf.rule.method.tag](leaf.rule.method, leaf.weight or Fraction(1), value, None)
    except (R.Problem, KeyError, TypeError, AttributeError):
        return False
    return True


def _field_extremes(leaf: ir.Leaf) -> tuple[dict, dict]:
    assert leaf.fields is not None and leaf.value is not None
    below: set[str] = set()
    tops: set[str] = set()
    _denominators(leaf.value, False, below, tops)
    hi = {f: ("50" if f in below else "60") for f in leaf.fields}
    lo = {f: ("100" if f in below else "0") for f in leaf.fields}
    hi = hi if _computable(leaf, hi) else {f: "50" for f in leaf.fields}
    lo = lo if _computable(leaf, lo) else hi
    return hi, lo


# ---------------------------------------------------------------- facts
def _cond_names(c: ir.Cond | None, has: set[str], compared: dict[str, set[Fraction]]) -> None:
    if c is None:
        return
    if isinstance(c, ir.Has):
        has.add(c.name)
    elif isinstance(c, ir.Cmp):
        sides = (c.left, c.right)
        consts = [s.value for s in sides if isinstance(s, ir.Const)]
        for s in sides:
            if isinstance(s, ir.Value):
                compared.setdefault(s.name, set()).update(consts)
    elif isinstance(c, (ir.All, ir.AnyOf)):
        for item in c.items:
            _cond_names(item, has, compared)
    elif isinstance(c, ir.Not):
        _cond_names(c.item, has, compared)


def _expr_values(e: ir.Expr | None, out: set[str]) -> None:
    if e is None:
        return
    if isinstance(e, ir.Value):
        out.add(e.name)
    elif isinstance(e, ir.Bin):
        _expr_values(e.left, out)
        _expr_values(e.right, out)
    elif isinstance(e, ir.Neg):
        _expr_values(e.operand, out)
    elif isinstance(e, ir.Pick):
        for a in e.args:
            _expr_values(a, out)
    elif isinstance(e, ir.Cross) and e.own is not None:
        _expr_values(e.own, out)


def _facts(prog: ir.Program) -> tuple[set[str], dict[str, set[Fraction]], set[str]]:
    """Names the results give that are neither a node, an input, a group nor a formula: (有-facts,
    values compared with constants, values read by 取值 or in a formula)."""
    has: set[str] = set()
    compared: dict[str, set[Fraction]] = {}
    numbers: set[str] = set()

    def rule(r: ir.Rule) -> None:
        _cond_names(r.gate, has, compared)
        _expr_values(r.value, numbers)
        if isinstance(r.method, ir.Deviation):
            _expr_values(r.method.standard, numbers)

    for n in ir.walk_nodes(prog.tree + tuple(x for _u, ns in prog.unit_trees for x in ns)):
        if n.conditions is not None:
            _cond_names(n.conditions.applies, has, compared)
            _cond_names(n.conditions.gate, has, compared)
        if isinstance(n, ir.Leaf):
            rule(n.rule)
            if n.fields is None:
                _expr_values(n.value, numbers)
    for g in prog.groups:
        for e in g.entries:
            rule(e.rule)
    for v in prog.views:
        for f in v.every:
            _expr_values(f.expr, numbers)
    for veto in prog.ranking.vetoes:
        _cond_names(veto.cond, has, compared)
    taken = ({n.key for n in ir.walk_nodes(prog.tree + tuple(x for _u, ns in prog.unit_trees for x in ns))}
             | {i.name for i in prog.inputs} | {g.name for g in prog.groups}
             | {f.name for v in prog.views for f in v.every})
    return has - taken - set(compared) - numbers, {k: v for k, v in compared.items() if k not in taken}, \
        numbers - taken - set(compared)


def _fact_dims(prog: ir.Program) -> list[Dim]:
    has, compared, numbers = _facts(prog)
    dims = [Dim(name, "fact", st.sampled_from(["是", "否"]), "是", "否") for name in sorted(has)]
    for name in sorted(compared):
        consts = sorted(compared[name]) or [Fraction(1)]
        near = sorted({c + d for c in consts for d in (-Fraction(1, 100), ZERO, Fraction(1, 100))}
                      | {ZERO, max(consts) * 2 if max(consts) > 0 else Fraction(1)})
        near = [v for v in near if v >= 0] or [ZERO]
        dims.append(Dim(name, "fact", st.sampled_from([text(v) for v in near]), text(near[-1]), text(near[0])))
    for name in sorted(numbers):
        dims.append(Dim(name, "fact", _decimals(Fraction(1), Fraction(100)), "100", "1"))
    return dims


# ---------------------------------------------------------------- the space of one scheme
def _leaf_dim(leaf: ir.Leaf, units: frozenset[str] | None) -> Dim | None:
    if not leaf.reported:
        return None
    w = leaf.weight if leaf.weight is not None else Fraction(10)
    absent_ok = leaf.optional or leaf.default is not None
    if leaf.fields is not None and leaf.value is not None:
        hi, lo = _field_extremes(leaf)
        return Dim(leaf.key, "leaf", _fields_strategy(leaf), hi, lo, (), absent_ok, units=units)
    strat, best, worst, ladders = method_values(leaf.rule.method, w, leaf.key, leaf.key)
    if leaf.places is not None and isinstance(leaf.rule.method, ir.Direct):  # 小数 规则: as many decimals as allowed
        places = leaf.places[0]

        def cut(t: str) -> str:
            return text(R.round_to(Fraction(t), places, "down"))
        strat, best, worst = strat.map(cut), cut(best), cut(worst)
        ladders = [attrs.evolve(lad, rungs=tuple(dict.fromkeys(cut(r) for r in lad.rungs))) for lad in ladders]
    if leaf.value is not None:  # 取值 over the unit's values: the leaf's own result is not read as such
        ladders = []
    return Dim(leaf.key, "leaf", strat, best, worst, tuple(ladders), absent_ok, units=units)


def _group_dim(g: ir.Group) -> Dim:
    prop = DEDUCT_GROUP if g.deduct else BONUS
    cap = g.cap if g.cap is not None else Fraction(10)
    if not g.entries:
        rungs = [text(v) for v in _grid(ZERO, cap, 4)]
        ladders = (Ladder(prop, g.name, None, tuple(rungs if not g.deduct else reversed(rungs)), None),)
        best, worst = (rungs[0], rungs[-1]) if g.deduct else (rungs[-1], rungs[0])
        return Dim(g.name, "group", _decimals(ZERO, cap), best, worst, ladders, True)
    parts: dict[str, st.SearchStrategy] = {}
    best_d: dict = {}
    worst_d: dict = {}
    ladders_l: list[Ladder] = []
    for e in g.entries:
        weight = e.cap if e.cap is not None else (g.cap if g.cap is not None else Fraction(10))
        strat, best, worst, entry_ladders = method_values(e.rule.method, weight, g.name, None, prefix=e.name)
        parts[e.name] = strat
        best_d[e.name], worst_d[e.name] = best, worst
        for lad in entry_ladders:
            # more points in the group: better for a bonus group, worse for a deduction group
            up = _entry_points_rise(e, weight, lad.rungs)
            if up is None:
                continue
            ordered = lad.rungs if up != g.deduct else tuple(reversed(lad.rungs))
            ladders_l.append(Ladder(prop, g.name, e.name, ordered, None))
    best_d, worst_d = _by_points(g, best_d, worst_d)
    strat_d = st.fixed_dictionaries({}, optional=parts)
    return Dim(g.name, "group", strat_d, best_d, worst_d, tuple(ladders_l), True)


def _by_points(g: ir.Group, one: dict, other: dict) -> tuple[dict, dict]:
    """(best, worst) entries of a group: most points for a bonus group, fewest for a deduction group."""
    best: dict = {}
    worst: dict = {}
    for e in g.entries:
        weight = e.cap if e.cap is not None else (g.cap if g.cap is not None else Fraction(10))
        a, b = one.get(e.name), other.get(e.name)
        pa, pb = _entry_points(e, weight, a), _entry_points(e, weight, b)
        more, fewer = (b, a) if pa is not None and pb is not None and pb > pa else (a, b)
        best[e.name], worst[e.name] = (fewer, more) if g.deduct else (more, fewer)
    return best, worst


def _entry_points(e: ir.Entry, weight: Fraction, value: Any) -> Fraction | None:
    try:
        return R.apply_rule(e.rule, weight, value, None)[0]
    except (R.Problem, AttributeError, TypeError):
        return None


def _entry_points_rise(e: ir.Entry, weight: Fraction, rungs: tuple) -> bool | None:
    """Whether an entry's points rise along the rungs (True), fall (False), or neither (None)."""
    pts = [_entry_points(e, weight, r) for r in rungs]
    if any(p is None for p in pts):
        return None
    if all(a <= b for a, b in zip(pts, pts[1:])):  # type: ignore[operator]
        return True
    if all(a >= b for a, b in zip(pts, pts[1:])):  # type: ignore[operator]
        return False
    return None


@attrs.frozen
class Space:
    """Every dimension of one scheme's results, and the units that may report them."""

    prog: ir.Program
    dims: tuple[Dim, ...]
    block_units: tuple[tuple[str, tuple[str | None, ...]], ...]  # named units → the classes they may have
    free_classes: tuple[str | None, ...]  # classes of units without a block ((), when every unit needs one)

    @property
    def ladders(self) -> tuple[Ladder, ...]:
        return tuple(lad for d in self.dims for lad in d.ladders)

    def dims_for(self, name: str, unit_class: str | None) -> list[Dim]:
        return [d for d in self.dims
                if (d.units is None or name in d.units) and (d.classes is None or unit_class in d.classes)]


def space(prog: ir.Program) -> Space:
    dims: list[Dim] = []
    for n in ir.walk_nodes(prog.tree):
        dim = _node_dim(n, None)
        if dim is not None:
            dims.append(dim)
    seen_block: dict[str, int] = {}
    owned = list(prog.unit_trees) + [(u, tuple(n for _k, n in secs)) for u, secs in prog.unit_sections]
    for unit, nodes in owned:
        for n in ir.walk_nodes(nodes):
            dim = _node_dim(n, frozenset({unit}))
            if dim is None:
                continue
            if n.key in seen_block and dims[seen_block[n.key]].strategy is dim.strategy:
                first = dims[seen_block[n.key]]  # another unit's node of the same id and shape: it reports it too
                dims[seen_block[n.key]] = attrs.evolve(first, units=(first.units or frozenset()) | {unit})
                continue
            seen_block.setdefault(n.key, len(dims))
            dims.append(dim)
    for i in prog.inputs:
        full = i.full
        if full is not None:
            rungs = [text(v) for v in _grid(ZERO, full, 4)]
            dims.append(Dim(i.name, "input", _decimals(ZERO, full), rungs[-1], "0",
                            (Ladder(ACHIEVE, i.name, None, tuple(rungs), None),),
                            i.optional or i.default is not None, i.shared))
        else:
            strat = st.integers(0, 100).map(lambda k: f"{k}%")
            dims.append(Dim(i.name, "input", strat, "100%", "0%", (), i.optional or i.default is not None, i.shared))
    for g in prog.groups:
        dims.append(_group_dim(g))
    externals: dict[str, set[str | None]] = {}
    for v in prog.views:
        for f in v.every:
            if isinstance(f.expr, ir.External):
                externals.setdefault(f.name, set()).add(v.unit_class)
    for name, used_by in externals.items():
        every = {v.unit_class for v in prog.views}
        scoped = None if used_by >= every else frozenset(used_by)
        dims.append(Dim(name, "external", _decimals(ZERO, Fraction(100)), "100", "0", classes=scoped))
    dims += _fact_dims(prog)
    classes: list[str | None] = list(prog.classes) or [None]
    blocks = dict(prog.block_classes)
    block_units = []
    members = dict(prog.members)
    for unit in dict.fromkeys(u for u, _n in owned):
        allowed: set[str | None] = set(classes) if unit not in members else {members[unit]}
        for n in (x for u, ns in owned if u == unit for x in ns):
            if n.key in blocks:
                allowed &= set(blocks[n.key])
        block_units.append((unit, tuple(c for c in classes if c in allowed) or tuple(classes)))
    needing = set().union(*blocks.values()) if blocks else set()
    free = tuple(c for c in classes if c not in needing)
    return Space(prog, tuple(dims), tuple(block_units), free)


def _node_dim(n: ir.Node, units: frozenset[str] | None) -> Dim | None:
    if isinstance(n, ir.Leaf):
        return _leaf_dim(n, units)
    if isinstance(n, ir.Open):
        full = n.full if n.full is not None else Fraction(100)
        rungs = [text(v) for v in _grid(ZERO, full, 4)]
        below = frozenset(m.key for m in ir.walk_nodes((n.fallback,)) if m.key != n.key) if n.fallback else frozenset()
        return Dim(n.key, "open", _decimals(ZERO, full), rungs[-1], "0",
                   (Ladder(ACHIEVE, n.key, None, tuple(rungs), n.key),), n.fallback is not None or not n.required,
                   units=units,
                   excludes=below)
    return None


# ---------------------------------------------------------------- units and populations
def _unit_values(sp: Space, d: Callable, name: str, cls: str | None, shared: dict) -> dict:
    values: dict = {}
    for dim in sp.dims_for(name, cls):
        if dim.shared:
            if dim.key in shared:
                values[dim.key] = shared[dim.key]
            continue
        if dim.absent_ok and d(st.integers(0, 3)) == 0:
            continue  # 可缺 / 默认 / an empty group: left out
        values[dim.key] = d(dim.strategy)
    return _one_of_each_open(values, sp.dims_for(name, cls), keep_open=True)


def _one_of_each_open(values: dict, dims: list[Dim], keep_open: bool) -> dict:
    """An open category is reported directly or by its parts, never both (V0113): keep the one
    `keep_open` says where a unit has both."""
    for dim in dims:
        if dim.excludes and dim.key in values and dim.excludes & values.keys():
            if keep_open:
                for key in dim.excludes:
                    values.pop(key, None)
            else:
                del values[dim.key]
    return values


def _shared(sp: Space, d: Callable) -> dict:
    out = {}
    for dim in sp.dims:
        if dim.shared and not (dim.absent_ok and d(st.integers(0, 3)) == 0):
            out[dim.key] = d(dim.strategy)
    return out


def kinds(sp: Space) -> list[tuple[str | None, tuple[str | None, ...]]]:
    """(a named unit or None for an unnamed one, the classes it may have)."""
    out: list[tuple[str | None, tuple[str | None, ...]]] = [(u, c) for u, c in sp.block_units]
    if sp.free_classes or not sp.block_units:
        out.append((None, sp.free_classes or (None,)))
    return out


def populations(sp: Space, low: int, high: int) -> st.SearchStrategy:
    """Lists of `low`–`high` units scored together, classes mixed, 全体 inputs given once and shared."""
    options = kinds(sp)

    @st.composite
    def draw(d: Callable) -> list[UnitResults]:
        size = d(st.integers(low, high))
        shared = _shared(sp, d)
        units: list[UnitResults] = []
        used: set[str] = set()
        for i in range(size):
            named, classes = d(st.sampled_from(options))
            if named is not None and named in used:
                named = None if (sp.free_classes or not sp.block_units) else named
                if named is not None:
                    continue
                classes = sp.free_classes or (None,)
            name = named if named is not None else f"单位{i + 1}"
            used.add(name)
            cls = d(st.sampled_from(classes))
            units.append(UnitResults(name, cls, _unit_values(sp, d, name, cls, shared), {}, name))
        if not units:
            named, classes = options[0]
            name = named or "单位1"
            units.append(UnitResults(name, classes[0], _unit_values(sp, d, name, classes[0], shared), {}, name))
        return units

    return draw()


def corner_unit(sp: Space, name: str, cls: str | None, best: bool, facts_yes: bool,
                alone: Dim | None = None) -> UnitResults:
    """Every value at its best (or worst); `alone` at the other extreme."""
    values: dict = {}
    for dim in sp.dims_for(name, cls):
        if dim.what == "fact" and dim.best == "是":
            value = "是" if facts_yes else "否"
        else:
            value = dim.best if best else dim.worst
        if dim is alone:
            value = dim.worst if best else dim.best
        values[dim.key] = value
    keep_open = alone is not None and alone.what == "open"
    return UnitResults(name, cls, _one_of_each_open(values, sp.dims_for(name, cls), keep_open), {}, name)


def as_json(unit: UnitResults) -> dict:
    return {"name": unit.name, "class": unit.unit_class, "values": unit.values}
