"""`kaoping verify` and `kaoping test`: what the author states about a scheme, proved or tried.

Properties tried on random valid results (hypothesis searches, then shrinks a counterexample):
every node stays within [0, its 满分/分值/上限] (leaves unless they declare 范围/可为负/可超分值);
raising one tier never lowers the total; every 性质 (invariant) holds. Cases (用例) are run as
written: inputs, then the expectations.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from typing import assert_never

from kaoping.dsl import ast as A
from kaoping.dsl import ir
from kaoping.dsl import model as M
from kaoping.dsl.lower import Lowering, Refused

from . import runtime as R
from .interpret import Interpreter
from .results import UnitResults


@attrs.frozen
class Finding:
    property: str  # what was checked
    ok: bool
    detail: str  # what went wrong, in Chinese
    counterexample: dict | None  # a results unit that shows it (JSON-ready)


# ---------------------------------------------------------------- random valid results
def _bound(x) -> Decimal:
    """A bound given as text or a Fraction, as a Decimal not above it (2 places for fractions)."""
    return Decimal(x) if isinstance(x, str) else Decimal(R.show(R.round_to(Fraction(x), 2, "down")))


def _decimals(low, high, places=2):
    return st.decimals(min_value=_bound(low), max_value=_bound(high), places=places,
                       allow_nan=False, allow_infinity=False).map(str)


def _value(method: ir.Method, weight):
    """Valid results for one method (the shapes a results file gives)."""
    w = weight if weight is not None else 10
    if isinstance(method, ir.Tiers):
        names = st.sampled_from([r[0] for r in method.rows])
        if not method.promote:
            return names
        promoted = st.builds(lambda t, k: {"档次": t, "晋档": str(k)}, names, st.integers(0, method.promote))
        return st.one_of(names, promoted)
    if isinstance(method, (ir.Ratio, ir.Efficacy, ir.Deviation, ir.Ranges, ir.VsBest)):
        return _decimals("0", "1.2", 3)
    if isinstance(method, ir.Direct):
        return _decimals("0", w)
    if isinstance(method, ir.YesNo):
        return st.sampled_from(["是", "否"])
    if isinstance(method, (ir.Count, ir.Steps)):
        return st.integers(0, 12).map(str)
    if isinstance(method, ir.Rank):
        return st.integers(1, 12).map(str)
    if isinstance(method, ir.Panel):
        scale = method.full if method.full is not None else w
        return st.lists(_decimals("0", scale), min_size=1, max_size=7)
    if isinstance(method, ir.Levels):
        return st.fixed_dictionaries({level: st.integers(0, 8).map(str) for level in method.levels})
    if isinstance(method, ir.Parts):
        return st.fixed_dictionaries({row[0]: st.integers(0, 5).map(str) for row in method.rows})
    if isinstance(method, ir.Highest):
        return st.lists(st.sampled_from([r[0] for r in method.rows]), max_size=3)
    assert_never(method)


def _leaf_value(leaf: ir.Leaf):
    if leaf.fields is not None:
        return st.fixed_dictionaries({f: _decimals("0", "10", 1) for f in leaf.fields})
    return _value(leaf.rule.method, leaf.weight)


def valid_results(program: ir.Program):
    """A strategy for one unit's complete, valid results."""
    classes: list[str | None] = list(program.classes) or [None]
    blocks = dict(program.unit_trees)
    units = sorted(blocks) or ["单位"]
    facts = sorted(program.known - {n.key for n in ir.walk_nodes(program.tree)}
                   - {i.name for i in program.inputs} - {g.name for g in program.groups}
                   - {f.name for v in program.views for f in v.every})

    @st.composite
    def draw(d):
        name = d(st.sampled_from(units))
        cls = d(st.sampled_from(classes))
        values = {}
        for node in ir.walk_nodes(program.tree + blocks.get(name, ())):
            if isinstance(node, ir.Open) and node.fallback is None and node.full is not None:
                values[node.key] = d(_decimals("0", node.full))
            elif isinstance(node, ir.Leaf) and node.reported:
                values[node.key] = d(_leaf_value(node))
        for i in program.inputs:
            values[i.name] = d(_decimals("0", i.full if i.full is not None else 100))
        for g in program.groups:
            values[g.name] = d(_decimals("0", (g.cap if g.cap is not None else 5) + 2))  # above a cap: clipped
        view = next((v for v in program.views if v.unit_class == cls), program.views[0])
        for f in view.every:
            if isinstance(f.expr, ir.External):
                values[f.name] = d(_decimals("0", "100"))
        for fact in facts:
            values[fact] = d(st.sampled_from(["是", "否"]))
        return UnitResults(name, cls, values, {}, name)

    return draw()


def as_json(unit: UnitResults) -> dict:
    return {"name": unit.name, "class": unit.unit_class, "values": unit.values}


# ---------------------------------------------------------------- conditions over a scored unit
class _Unknown(Exception):
    """A condition that cannot be evaluated on a scored unit (e.g. 全部 二级指标 为 一档)."""


def _value_of(name: str, score: dict, scheme: M.Scheme):
    if name in score["formulas"]:
        return score["formulas"][name]
    for line in score["inputs"] + score["groups"]:
        if line["key"] == name:
            return line["points"]
    stack = list(score["tree"])
    while stack:
        line = stack.pop()
        if line["key"] == name:
            return line["points"]
        stack += line["children"]
    raise _Unknown(name)


def evaluate(cond, score: dict, scheme: M.Scheme, evidence: dict) -> bool:
    def ev(e):
        if isinstance(e, A.Num):
            return Fraction(e.value)
        if isinstance(e, A.Ref):
            return _value_of(e.name, score, scheme)
        if isinstance(e, A.AttrRef):
            try:
                return Lowering(scheme).attr_value(e)
            except Refused:
                raise _Unknown(e.name) from None
        if isinstance(e, A.BinOp):
            left, right = ev(e.left), ev(e.right)
            return R.arith(e.op, left, right)
        if isinstance(e, A.Neg):
            return -ev(e.operand)
        raise _Unknown(type(e).__name__)

    def cv(c):
        if isinstance(c, A.Compare):
            left, right = ev(c.left), ev(c.right)
            return {"=": left == right, "!=": left != right, ">=": left >= right, "<=": left <= right,
                    ">": left > right, "<": left < right}[c.op]
        if isinstance(c, A.Has):
            try:
                return c.name in evidence and R.truth(evidence[c.name])
            except R.Problem:
                raise _Unknown(c.name) from None
        if isinstance(c, A.BoolOp):
            results = [cv(i) for i in c.items]
            return all(results) if c.op == "and" else any(results)
        if isinstance(c, A.Not):
            return not cv(c.item)
        raise _Unknown(type(c).__name__)

    return cv(cond)


# ---------------------------------------------------------------- properties
def _bounds(program: ir.Program) -> dict:
    """What each node declares it stays within: a leaf its clamp, a sum [its floor, its limit]."""
    out = {}
    for node in ir.walk_nodes(program.tree + tuple(n for _u, ns in program.unit_trees for n in ns)):
        if isinstance(node, ir.Leaf):
            out[node.key] = (node.low, node.high)
        elif isinstance(node, ir.Sum):
            out[node.key] = (node.low, node.counts_as if node.counts_as is not None else node.limit)
    return out


def _out_of_bounds(bounds: dict, score: dict) -> str | None:
    stack = list(score["tree"])
    while stack:
        line = stack.pop()
        stack += line["children"]
        low, high = bounds.get(line["key"], (None, None))
        if (low is not None and line["points"] < low) or (high is not None and line["points"] > high):
            return f"{line['key']} 得 {R.show(line['points'])} 分，超出 [{R.show(low)}, {R.show(high)}]"
    return None


def _raise_one_tier(program: ir.Program, unit: UnitResults):
    """For each tier leaf below the top: (key, results with it one tier higher)."""
    for leaf in ir.walk_nodes(program.tree):
        if not isinstance(leaf, ir.Leaf) or not isinstance(leaf.rule.method, ir.Tiers):
            continue
        names = [r[0] for r in leaf.rule.method.rows]
        value = unit.values.get(leaf.key)
        if value in names and names.index(value) > 0:
            better = dict(unit.values)
            better[leaf.key] = names[names.index(value) - 1]
            yield leaf.key, attrs.evolve(unit, values=better)


def verify(scheme: M.Scheme, program: ir.Program, examples: int = 200) -> list[Finding]:
    interp = Interpreter(program)
    strategy = valid_results(program)
    bounds_of = _bounds(program)
    config = settings(max_examples=examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
    findings = []

    def search(name: str, broken) -> None:
        try:
            bad = find(strategy, lambda u: broken(u) is not None, settings=config)
        except NoSuchExample:
            findings.append(Finding(name, True, "", None))
            return
        findings.append(Finding(name, False, broken(bad), as_json(bad)))

    def bounds(u):
        s = interp.score(u)
        return _out_of_bounds(bounds_of, s) if not s["problems"] else None

    def monotone(u):
        s = interp.score(u)
        if s["problems"]:
            return None
        for key, better in _raise_one_tier(program, u):
            t = interp.score(better)["total"]
            if t is not None and t < s["total"]:
                return f"{key} 提高一档后总分由 {R.show(s['total'])} 降为 {R.show(t)}"
        return None

    search("每个节点的得分在 [0, 满分] 内", bounds)
    search("提高一档不会降低总分", monotone)
    for inv in scheme.invariants:
        def broken(u, inv=inv):
            s = interp.score(u)
            if s["problems"]:
                return None
            try:
                if inv.premise is not None and not evaluate(inv.premise, s, scheme, u.values):
                    return None
                return None if evaluate(inv.conclusion, s, scheme, u.values) else "不成立"
            except _Unknown as unknown:
                raise _NotVerifiable(str(unknown)) from None
        try:
            search(f"性质 {inv.name.text}", broken)
        except _NotVerifiable as why:
            findings.append(Finding(f"性质 {inv.name.text}", True, f"无法验证（{why}）", None))
    return findings


class _NotVerifiable(Exception):
    pass


# ---------------------------------------------------------------- cases
def _entry_values(scheme: M.Scheme, entries) -> dict:
    """Case or population entries → results values: shorthands (全部 …) first, then specific entries."""
    values: dict = {}
    leaves = scheme.leaves()

    def plain(entry: A.CaseEntry):
        if entry.value_kind == "amount":
            return str(entry.value.value)
        if entry.value_kind == "list":
            return [str(n.value) for n in entry.value]
        return entry.value

    ordered = sorted(entries, key=lambda e: not e.target_kind.startswith("all"))  # the later entry wins
    for entry in ordered:
        value = plain(entry)
        if entry.target_kind in ("all_level2", "all_items", "all_level1"):
            wanted = {"all_level2": (M.ITEM,), "all_level1": (M.INDICATOR,), "all_items": (M.ITEM, M.INDICATOR)}
            for leaf in leaves:
                if leaf.kind in wanted[entry.target_kind]:
                    values[leaf.key] = value
        elif entry.target_kind == "all_in":
            for root in scheme.roots:
                for node in root.walk():
                    if node.key == entry.target:
                        for leaf in node.leaves():
                            values[leaf.key] = value
        else:
            values[entry.target] = value
    return values


def _case_units(scheme: M.Scheme, case: A.Case) -> list[UnitResults] | str:
    """The units a case scores: one, or its 总体 (population) with the case's inputs under each unit's own."""
    if case.population is None:
        return [UnitResults("用例", None, _entry_values(scheme, case.inputs), {}, case.title)]
    population = next((p for p in scheme.populations if p.name == case.population), None)
    if population is None:
        return f"没有名为“{case.population}”的总体"
    return [UnitResults(u.name, u.unit_class.text if u.unit_class else None,
                        _entry_values(scheme, case.inputs + u.entries), {}, f"{case.title}/{u.name}")
            for u in population.units]


def run_cases(scheme: M.Scheme, program: ir.Program) -> list[Finding]:
    """Each 用例: score its unit (or its population together), then check every 期望."""
    findings = []
    for case in scheme.cases:
        title = f"用例 {case.title}"
        units = _case_units(scheme, case)
        if isinstance(units, str):
            findings.append(Finding(title, False, units, None))
            continue
        scores = {s["unit"]: s for s in Interpreter(program).score_all(units)}
        bad = [u for u in units if scores[u.name]["problems"]]
        if bad:
            detail = "；".join(f"{u.name}：{p['message']}" for u in bad for p in scores[u.name]["problems"][:3])
            findings.append(Finding(title, False, f"结果有问题：{detail}", as_json(bad[0])))
            continue
        failed = []
        for expect in case.expects:
            name = expect.unit or units[0].name
            if name not in scores:
                failed.append(f"第 {expect.span.line} 行：总体中没有单位“{name}”")
                continue
            score = scores[name]
            if expect.veto is not None:
                if dict(score["vetoes"]).get(expect.veto) is not True:
                    failed.append(f"第 {expect.span.line} 行：{name} 的否决“{expect.veto}”不成立")
                continue
            try:
                if not evaluate(expect.cond, score, scheme, next(u for u in units if u.name == name).values):
                    failed.append(f"第 {expect.span.line} 行的期望不成立（{name} 总分 {R.show(score['total'])}）")
            except _Unknown as why:
                failed.append(f"第 {expect.span.line} 行的期望无法计算（{why}）")
        findings.append(Finding(title, not failed, "；".join(failed), as_json(units[0]) if failed else None))
    return findings
