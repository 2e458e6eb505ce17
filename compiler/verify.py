"""`kaoping verify` and `kaoping test`: what the author states about a scheme, proved or tried.

verify: the static bounds (kaoping.dsl.bounds) prove what they can (已证明); the rest is tried on
valid results built from the IR (verify_inputs): the corners first (every value at its best, at its
worst, each alone at its extreme), then random populations that hypothesis searches and shrinks.
Each built-in property (properties.py) and each 性质 ends 通过, 已证明, 不成立 (with results files
that `kaoping score` reproduces) or 无法验证 (its premise never held, or under 90% of the generated
units could be scored) — never 通过 without having been tried. Cases (用例) are run as written.
"""

from __future__ import annotations

import builtins
import hashlib
import random
from fractions import Fraction
from pathlib import Path
from typing import Callable

import attrs
from hypothesis import HealthCheck, Verbosity, given, settings
from hypothesis import configuration as hyp_config
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from kaoping.dsl import ast as A
from kaoping.dsl import bounds as B
from kaoping.dsl import ir
from kaoping.dsl import model as M
from kaoping.dsl.lower import Lowering, Refused
from kaoping.dsl.names import GRADE, OTHER_UNIT, RANK
from kaoping.dsl.source import cache_path

from . import runtime as R
from .interpret import Interpreter
from .properties import NODE, Failure, Run, Unknown, caps_check
from .results import UnitResults
from .verify_inputs import Space, as_json, corner_unit, kinds, populations, space


PASS, PROVED, FAILED, UNKNOWN = "通过", "已证明", "不成立", "无法验证"
EXCEPTED = "已注明例外"  # a 性质 that does not hold, as its 例外 says: shown with its counterexample, exit 0


@attrs.frozen
class Finding:
    property: str  # what was checked
    status: str  # 通过 / 已证明 / 不成立 / 无法验证
    detail: str  # what went wrong, or why it could not be verified, in Chinese
    counterexample: list | None = None  # [(label, [results unit …])]: results files that show it

    @builtins.property  # `property` is a field here
    def ok(self) -> bool:
        return self.status in (PASS, PROVED, EXCEPTED)


# ---------------------------------------------------------------- conditions over a scored unit
class _Unknown(Exception):
    """A condition that cannot be evaluated on a scored unit (e.g. 全部 二级指标 为 一档)."""


def _value_of(name: str, score: dict, scheme: M.Scheme):
    if name in score["formulas"]:
        return score["formulas"][name]
    line = _node_line(name, score)
    if line is None:
        raise _Unknown(name)
    return line["points"]


@attrs.frozen
class Together:
    """The units scored with the one a condition reads: every unit that could be scored (`units`), and
    for a 性质 over pairs the other unit of the pair (`other`, read by 其他单位.X)."""

    units: tuple[dict, ...]
    other: dict | None = None


def _grades(scheme: M.Scheme) -> list[str]:
    return [g.name.text for g in scheme.grades.grades] if scheme.grades is not None else []


_LOWERING: list = []  # [scheme, its Lowering]: the one a run reads 上限/满分/分值(…) through


def _lowering(scheme: M.Scheme) -> Lowering:
    if not _LOWERING or _LOWERING[0] is not scheme:
        _LOWERING[:] = [scheme, Lowering(scheme)]
    return _LOWERING[1]


def evaluate_expr(e, score: dict, scheme: M.Scheme, together: Together | None = None):
    """An expression of a 性质 or 期望 over one scored unit: a number, or a grade's name."""
    def ev(x):
        return evaluate_expr(x, score, scheme, together)

    if isinstance(e, A.Num):
        return Fraction(e.value)
    if isinstance(e, A.Ref):
        if e.name == GRADE or (e.name in _grades(scheme) and e.name not in score["formulas"]):
            value = score.get("grade") if e.name == GRADE else e.name
            if value is None:
                raise _Unknown(f"{score['unit']} 没有等次")
            return value
        if e.name == RANK and e.name not in score["formulas"]:
            if score.get("rank") is None:
                raise _Unknown(f"{score['unit']} 没有名次")
            return Fraction(score["rank"])
        return _value_of(e.name, score, scheme)
    if isinstance(e, A.ItemRef):
        return _value_of(e.id, score, scheme)
    if isinstance(e, A.AttrRef) and e.name == OTHER_UNIT:
        if together is None or together.other is None:
            raise _Unknown("其他单位（没有同时评分的其他单位）")
        return evaluate_expr(A.Ref(e.attr, e.span), together.other, scheme)
    if isinstance(e, A.AttrRef):
        try:
            return _lowering(scheme).attr_value(e)
        except Refused:
            raise _Unknown(e.name) from None
    if isinstance(e, A.BinOp):
        return R.arith(e.op, ev(e.left), ev(e.right))
    if isinstance(e, A.Neg):
        return -ev(e.operand)
    if isinstance(e, A.Call) and e.func in ("较大", "较小"):
        values = [ev(a) for a in e.args]
        return max(values) if e.func == "较大" else min(values)
    if isinstance(e, A.Call) and e.func in _CROSS:
        return _cross(e, score, scheme, together)
    if isinstance(e, A.Call) and e.func in ("分值", "计数") and all(isinstance(a, A.Ref) for a in e.args):
        try:
            return _lowering(scheme).static(e)
        except Refused:
            raise _Unknown(e.func) from None
    raise _Unknown(e.func if isinstance(e, A.Call) else type(e).__name__)


_CROSS = ("均值", "最大", "最小", "名次", "单位数")


def _cross(e: A.Call, score: dict, scheme: M.Scheme, together: Together | None) -> Fraction:
    """均值/最大/最小/名次/单位数 over the units scored together (of a class, 本类, or 全部单位)."""
    units = list(together.units) if together is not None else [score]
    args = list(e.args)
    scope = args[-1] if args and (len(args) == 2 or e.func == "单位数") else None
    if scope is not None:
        if not isinstance(scope, A.Ref):
            raise _Unknown(e.func)
        args = args[:-1]
        if scope.name == "本类":
            units = [u for u in units if u["class"] == score["class"]]
        elif scope.name != "全部单位":
            units = [u for u in units if u["class"] == scope.name]
    if e.func == "单位数":
        return Fraction(len(units))
    # the aggregate as scoring computes it (runtime.cross_aggregates / cross_value): one meaning of each
    rows = [(None, {"x": evaluate_expr(args[0], u, scheme)}) for u in units]
    aggregates = R.cross_aggregates(rows, [ir.CrossSpec(e.func, "x", None)])
    own = evaluate_expr(args[0], score, scheme) if e.func == "名次" else None
    try:
        return R.cross_value(aggregates, e.func, "x", None, own)
    except R.Problem:
        raise _Unknown(f"{e.func}（没有单位）") from None


def _compare(op: str, left, right, scheme: M.Scheme) -> bool:
    """Numbers compare as numbers; grades by the grade table's order (the first is the best: 等次 >= 良好
    is 优秀 or 良好)."""
    if isinstance(left, str) or isinstance(right, str):
        names = _grades(scheme)
        if not (isinstance(left, str) and isinstance(right, str)):
            raise _Unknown("等次只能与等次比较")
        left, right = -names.index(left), -names.index(right)
    return {"=": left == right, "!=": left != right, ">=": left >= right, "<=": left <= right,
            ">": left > right, "<": left < right}[op]


def _scope_leaves(scheme: M.Scheme, kind: str, name: str) -> list[M.Node]:
    """The leaves 全部 一级指标 / 二级指标 / 指标 / 全部 NAME name (a case's inputs, a 性质's 全部 … 为 …)."""
    if kind == "all_in":
        return [leaf for r in scheme.roots for n in r.walk() if n.key == name for leaf in n.leaves()]
    wanted = {"all_level1": (M.INDICATOR,), "all_level2": (M.ITEM,), "all_items": (M.ITEM, M.INDICATOR)}[kind]
    return [leaf for leaf in scheme.leaves() if leaf.kind in wanted]


def _tier_of(value):
    """A tier result as reported: the tier name, or {"档次": …, "晋档": …}."""
    return value.get("档次", value.get("tier")) if isinstance(value, dict) else value


def evaluate(cond, score: dict, scheme: M.Scheme, evidence: dict, together: Together | None = None) -> bool:
    def ev(e):
        return evaluate_expr(e, score, scheme, together)

    def cv(c):
        if isinstance(c, A.Compare):
            return _compare(c.op, ev(c.left), ev(c.right), scheme)
        if isinstance(c, A.Vetoed):
            fired = dict(score["vetoes"]).get(c.name)
            if fired not in (True, False):
                raise _Unknown(f"否决“{c.name}”无法判定：{fired}")
            return fired
        if isinstance(c, A.Has):
            try:
                return c.name in evidence and R.truth(evidence[c.name])
            except R.Problem:
                raise _Unknown(c.name) from None
        if isinstance(c, A.AllAre):  # 全部 二级指标 为 一档: every leaf in the scope reported as that tier
            leaves = _scope_leaves(scheme, c.scope_kind, c.scope)
            return bool(leaves) and all(_tier_of(evidence.get(leaf.key)) == c.value for leaf in leaves)
        if isinstance(c, A.BoolOp):
            results = [cv(i) for i in c.items]
            return all(results) if c.op == "and" else any(results)
        if isinstance(c, A.Not):
            return not cv(c.item)
        raise _Unknown(type(c).__name__)

    return cv(cond)


# ---------------------------------------------------------------- properties
MIN_VALID = Fraction(9, 10)


@attrs.frozen
class Report:
    findings: list[Finding]
    generated: int
    valid: int
    seed: int
    why_invalid: list[tuple[str, int]]  # the commonest problems of the units that could not be scored

    @property
    def exit_code(self) -> int:
        if any(f.status == FAILED for f in self.findings):
            return 1
        return 2 if any(f.status == UNKNOWN for f in self.findings) else 0


def cache_dir() -> Path:
    """Where hypothesis keeps its examples: the user's cache folder, never the current directory."""
    return cache_path("hypothesis")


def _interval(e, scheme: M.Scheme, b: B.Bounds) -> B.Interval | None:
    """The static interval of a 性质's expression; None when the bounds cannot say."""
    if isinstance(e, A.Num):
        v = Fraction(e.value)
        return (v, v)
    if isinstance(e, A.Ref):
        found = [t[e.name] for t in b.formulas.values() if e.name in t]
        if found:
            return B.hull(*found)
        return b.of(e.name)
    if isinstance(e, A.ItemRef):
        return b.nodes.get(e.id)
    if isinstance(e, A.AttrRef):
        try:
            v = _lowering(scheme).attr_value(e)
        except Refused:
            return None
        return (Fraction(v), Fraction(v)) if v is not None else None
    if isinstance(e, A.BinOp):
        left, right = _interval(e.left, scheme, b), _interval(e.right, scheme, b)
        if left is None or right is None:
            return None
        return {"+": B.add, "-": B.sub, "*": B.mul, "/": B.div}[e.op](left, right)
    if isinstance(e, A.Neg):
        inner = _interval(e.operand, scheme, b)
        return None if inner is None else B.neg(inner)
    return None


def proved(cond, scheme: M.Scheme, b: B.Bounds) -> bool:
    """Whether the bounds prove a 性质's conclusion for every valid result."""
    if isinstance(cond, A.BoolOp) and cond.op == "and":
        return all(proved(c, scheme, b) for c in cond.items)
    if isinstance(cond, A.BoolOp) and cond.op in ("or", "any"):
        return any(proved(c, scheme, b) for c in cond.items)
    if not isinstance(cond, A.Compare):
        return False
    left, right = _interval(cond.left, scheme, b), _interval(cond.right, scheme, b)
    if left is None or right is None:
        return False
    op = cond.op
    if op in ("<=", "<"):
        left, right, op = right, left, {"<=": ">=", "<": ">"}[op]
    if op in (">=", ">"):
        lo, hi = left[0], right[1]
        return lo is not None and hi is not None and (lo >= hi if op == ">=" else lo > hi)
    return False


def _invariant_checks(scheme: M.Scheme, b: B.Bounds) -> tuple[list[tuple[str, Callable]], list[Finding]]:
    checks: list[tuple[str, Callable]] = []
    proofs: list[Finding] = []
    for inv in scheme.invariants:
        name = f"性质 {inv.name.text}"
        try:
            if proved(inv.conclusion, scheme, b):
                proofs.append(Finding(name, PROVED, "由各节点、公式的取值范围可知结论总成立，无需抽样"))
                continue
        except (ZeroDivisionError, R.Problem):
            pass

        pairs = reads_other(inv)

        def check(score: dict, values: dict, units: tuple[dict, ...], inv=inv, pairs=pairs):
            """"premise" (never applied), "held", Unknown(why), or why it failed."""
            others = [u for u in units if u is not score] if pairs else [None]
            held = False
            for other in others:
                together = Together(units, other)
                try:
                    if inv.premise is not None and not evaluate(inv.premise, score, scheme, values, together):
                        continue
                    if not evaluate(inv.conclusion, score, scheme, values, together):
                        pair = f"，与 {other['unit']}（总分 {R.show(other['total'])}）相比" if other else ""
                        return f"结论不成立（总分 {R.show(score['total'])}{pair}）"
                except _Unknown as why:
                    return Unknown(f"无法计算（{why}）")
                except R.Problem as p:
                    return Unknown(f"无法计算（{p.message}）")
                held = True
            return "held" if held else "premise"
        checks.append((name, check))
    caps = caps_check(scheme)
    return ([caps] if caps is not None else []) + checks, proofs


def reads_other(inv: A.Invariant) -> bool:
    """Whether a 性质 reads 其他单位.X: it is then checked over every pair of units scored together."""
    return any(isinstance(e, A.AttrRef) and e.name == OTHER_UNIT
               for c in (inv.premise, inv.conclusion) if c is not None for e in A.walk(c))


def needs_population(scheme: M.Scheme) -> bool:
    """Whether some 性质 reads other units (其他单位, 名次, 均值 …): verify then scores populations."""
    return any(reads_other(inv) or any(
        (isinstance(e, A.Call) and e.func in _CROSS) or (isinstance(e, A.Ref) and e.name == RANK)
        for c in (inv.premise, inv.conclusion) if c is not None for e in A.walk(c))
        for inv in scheme.invariants)


def valid_results(program: ir.Program) -> st.SearchStrategy:
    """A strategy for one unit's complete, valid results."""
    return populations(space(program), 1, 1).map(lambda pop: pop[0])


class _Broken(Exception):
    pass


def verify(scheme: M.Scheme, program: ir.Program, examples: int = 200, seed: int | None = None,
           progress: Callable[[int, int], None] | None = None) -> Report:
    """Corners first, then random populations (hypothesis); every property named, with its status.
    Hypothesis keeps what it writes (its example database, its caches) in the user's cache folder.
    `progress(done, planned)` is called after each population examined: `planned` counts the corners
    and `examples`; a counterexample's shrinking and the search after it may go past it."""
    previous = getattr(hyp_config, "__hypothesis_home_directory", None)
    hyp_config.set_hypothesis_home_dir(cache_dir())
    try:
        return _verify(scheme, program, examples, seed, progress)
    finally:
        hyp_config.set_hypothesis_home_dir(previous)


def _verify(scheme: M.Scheme, program: ir.Program, examples: int, seed: int | None,
            progress: Callable[[int, int], None] | None) -> Report:
    chosen = seed if seed is not None else random.SystemRandom().randrange(2 ** 32)
    b = B.analyse(program)
    sp = space(program)
    invariants, proofs = _invariant_checks(scheme, b)
    excepted = {f"性质 {inv.name.text}": inv.exception for inv in scheme.invariants if inv.exception is not None}
    run = Run(program, sp, b, invariants)
    static_nodes = all(B.within(b.nodes[k], b.declared[k]) for k in b.nodes)
    stages = bool(program.stages) or needs_population(scheme)  # units scored together
    # 1. corners: all best, all worst, each value alone at its extreme (facts yes and no)
    partners = []
    for named, classes in kinds(sp):
        for cls in classes:
            name = named or "单位1"
            for best in (True, False):
                for yes in (True, False):
                    partners.append((name, cls, best, yes))
    alone = [(n, c, best, yes) for n, c, best, yes in partners if not yes][:4]  # the first kinds, best and worst
    planned = len(partners) + examples + sum(len(dim.ladders or (None,)) for name, cls, _best, _yes in alone
                                             for dim in sp.dims_for(name, cls))
    done = 0

    def examined(f: Failure | None) -> Failure | None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, planned)
        return f

    for name, cls, best, yes in partners:
        base = corner_unit(sp, name, cls, best, yes)
        pop = _shared_as(base, _others(sp, name) if stages else [], sp)
        _note(run, examined(run.examine(pop, [0] * 6, every_ladder=True)))
    for name, cls, best, yes in alone:
        for dim in sp.dims_for(name, cls):
            unit = corner_unit(sp, name, cls, best, yes, alone=dim)
            pop = _shared_as(unit, _others(sp, name) if stages else [], sp)
            for lad in dim.ladders or (None,):
                _note(run, examined(run.examine(pop, [0] * 6, only=lad) if lad is not None
                                    else run.examine(pop, [0] * 6)))
    # 2. random populations: hypothesis searches, and shrinks what it finds
    strategy = populations(sp, 2, 30) if stages else populations(sp, 1, 1)
    database = None if seed is not None else DirectoryBasedExampleDatabase(str(cache_dir()))
    digest = hashlib.sha256((program.source + program.title + str(examples)).encode()).digest()
    for attempt in range(len(run.names()) + 1):
        config = settings(max_examples=examples, deadline=None, database=database, derandomize=False,
                          suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                          report_multiple_bugs=False)

        @config
        @given(strategy, st.lists(st.integers(0, 2 ** 16), min_size=6, max_size=6))
        def probe(pop, probes):
            f = examined(run.examine(pop, probes))
            if f is not None:
                raise _Broken(f)

        probe.hypothesis.inner_test._hypothesis_internal_add_digest = digest  # type: ignore[attr-defined]
        try:
            hyp_seed(chosen + attempt)(probe)()
        except _Broken as broken:
            _note(run, broken.args[0])
            continue
        break
    run.finish()
    findings = [Finding(NODE, PROVED, "由静态取值范围可知，各节点总在其声明的范围内")] if static_nodes else []
    for name in run.names():
        if name == NODE and static_nodes:
            continue
        if name in run.failed:
            f = run.failed[name]
            findings.append(Finding(name, FAILED, f.detail, f.example))
        elif name in run.unknown:
            findings.append(Finding(name, UNKNOWN, run.unknown[name]))
        elif run.held.get(name, 0) == 0:
            findings.append(Finding(name, UNKNOWN, "前提从未成立（没有一个有效的结果用到它），未能检验"))
        else:
            findings.append(Finding(name, PASS, f"检验 {run.held[name]} 次"))
    findings += proofs
    findings = [_excepted(f, excepted[f.property]) if f.property in excepted else f for f in findings]
    if run.generated and Fraction(run.valid, run.generated) < MIN_VALID:
        commonest = sorted(run.why_invalid.items(), key=lambda kv: -kv[1])[:3]
        why = "；".join(f"{k}（{n} 次）" for k, n in commonest)
        findings.insert(0, Finding("生成的结果有效", UNKNOWN,
                                   f"只有 {run.valid}/{run.generated} 个单位能评分（不足 90%）：{why}"))
        findings = [f if f.status != PASS else attrs.evolve(f, status=UNKNOWN, detail="有效单位不足，不能据此判断通过")
                    for f in findings]
    return Report(findings, run.generated, run.valid, chosen,
                  sorted(run.why_invalid.items(), key=lambda kv: -kv[1])[:5])


def _excepted(f: Finding, why: str) -> Finding:
    """A 性质 its author marked 例外: a counterexample is expected (exit 0, shown); none found is said."""
    if f.status == FAILED:
        return attrs.evolve(f, status=EXCEPTED, detail=f"不成立，方案已注明例外：{why}。{f.detail}")
    if f.status in (PASS, PROVED):
        return attrs.evolve(f, detail=f"{f.detail}（方案注明了例外“{why}”，但它成立：这条例外可以删去）")
    return f


def _shared_as(first: UnitResults, others: list[UnitResults], sp: Space) -> list[UnitResults]:
    """A corner population: the partners give the 全体 inputs as the first unit does (one value for all)."""
    keys = {d.key for d in sp.dims if d.shared}
    same = []
    for u in others:
        values = {k: v for k, v in u.values.items() if k not in keys}
        values.update({k: first.values[k] for k in keys if k in first.values})
        same.append(attrs.evolve(u, values=values))
    return [first] + same


def _others(sp: Space, name: str) -> list[UnitResults]:
    """Two partner units (one at every best, one at every worst) for a scheme whose units are scored together."""
    out: list[UnitResults] = []
    for i, (named, classes) in enumerate(kinds(sp)):
        if named == name:
            continue
        cls = classes[0]
        for best in (True, False):
            n = named or f"单位{len(out) + 2}"
            if any(u.name == n for u in out):
                continue
            out.append(corner_unit(sp, n, cls, best, False))
        if len(out) >= 2:
            break
    return out


def _note(run: Run, f: Failure | None) -> None:
    if f is not None and f.prop not in run.failed:
        run.failed[f.prop] = f


# ---------------------------------------------------------------- cases
def _entry_values(scheme: M.Scheme, entries) -> dict:
    """Case or population entries → results values: shorthands (全部 …) first, then specific entries."""
    values: dict = {}

    def plain(kind: str, value):
        """A case value as a results file gives it (a map: per-level counts, fields, parts, entries)."""
        if kind == "amount":
            return str(value.value)
        if kind == "list":
            return [str(n.value) for n in value]
        if kind == "map":
            return {key: plain(*inner) for key, inner in value}
        return value

    ordered = sorted(entries, key=lambda e: not e.target_kind.startswith("all"))  # the later entry wins
    for entry in ordered:
        value = plain(entry.value_kind, entry.value)
        if entry.target_kind.startswith("all"):
            for leaf in _scope_leaves(scheme, entry.target_kind, entry.target):
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


def _node_line(name: str, score: dict) -> dict | None:
    stack = list(score["tree"])
    while stack:
        line = stack.pop()
        if line["key"] == name:
            return line
        stack += line["children"]
    for line in score["inputs"] + score["groups"]:
        if line["key"] == name:
            return line
    return None


def _named(e) -> str | None:
    if isinstance(e, A.Ref):
        return e.name
    if isinstance(e, A.ItemRef):
        return e.id
    return None


def _refs(e) -> list[str]:
    """The names an expression reads, in order."""
    out: list[str] = []
    stack = [e]
    while stack:
        x = stack.pop(0)
        name = _named(x)
        if name is not None:
            out.append(name)
        elif isinstance(x, A.BinOp):
            stack[:0] = [x.left, x.right]
        elif isinstance(x, A.Neg):
            stack.insert(0, x.operand)
        elif isinstance(x, A.Call):
            stack[:0] = list(x.args)
    return out


def _differs(expect, score: dict, scheme: M.Scheme, unit: str) -> list[str]:
    """Per node that differs: the expected value, the actual one and the rule that produced it; for a
    formula, its value and the values of what it reads (each with its rule)."""
    cond = expect.cond
    if not isinstance(cond, A.Compare):
        return []
    name = _named(cond.left)
    if name is None:
        return []
    try:
        value = evaluate_expr(cond.right, score, scheme)
        expected = value if isinstance(value, str) else R.show(value)
    except (_Unknown, R.Problem):
        expected = "?"
    if name in (GRADE, RANK) and name not in score["formulas"]:
        actual = score.get("grade" if name == GRADE else "rank")
        return [f"{unit} · {name}：期望 {cond.op} {expected}，实际 {actual if actual is not None else '没有'}"]
    line = _node_line(name, score)
    if line is not None:
        return [f"{unit} · {name}：期望 {cond.op} {expected}，实际 {R.show(line['points'])}（{line['rule'] or '—'}）"]
    if name in score["formulas"]:
        out = [f"{unit} · 得分 {name}：期望 {cond.op} {expected}，实际 {R.show(score['formulas'][name])}"]
        formula = scheme.formulas.get(name)
        for c in scheme.classes.values():
            if c.name == score.get("class"):
                formula = next((f for f in c.formulas if f.name == name), formula)
        for ref in _refs(formula.expr) if formula is not None else []:
            sub = _node_line(ref, score)
            if sub is not None:
                out.append(f"    {ref} = {R.show(sub['points'])}（{sub['rule'] or '—'}）")
            elif ref in score["formulas"]:
                out.append(f"    {ref} = {R.show(score['formulas'][ref])}（得分公式）")
        return out
    return []


def run_cases(scheme: M.Scheme, program: ir.Program) -> list[Finding]:
    """Each 用例: score its unit (or its population together), then check every 期望; a failing
    expectation names, per unit, the node that differs with its rule."""
    findings = []
    for case in scheme.cases:
        title = f"用例 {case.title}"
        units = _case_units(scheme, case)
        if isinstance(units, str):
            findings.append(Finding(title, FAILED, units))
            continue
        scores = {s["unit"]: s for s in Interpreter(program).score_all(units)}
        file = [("用例的结果", [as_json(u) for u in units])]
        bad = [u for u in units if scores[u.name]["problems"]]
        if bad:
            detail = "；".join(f"{u.name}：{p['message']}" for u in bad for p in scores[u.name]["problems"][:3])
            findings.append(Finding(title, FAILED, f"结果有问题：{detail}", file))
            continue
        failed = []
        for expect in case.expects:
            name = expect.unit or units[0].name
            if name not in scores:
                failed.append(f"第 {expect.span.line} 行：总体中没有单位“{name}”")
                continue
            score = scores[name]
            together = Together(tuple(scores.values()))
            try:
                values = next(u for u in units if u.name == name).values
                if not evaluate(expect.cond, score, scheme, values, together):
                    lines = _differs(expect, score, scheme, name)
                    failed.append(f"第 {expect.span.line} 行的期望不成立（{name} 总分 {R.show(score['total'])}）"
                                  + "".join("\n  " + x for x in lines))
            except _Unknown as why:
                failed.append(f"第 {expect.span.line} 行的期望无法计算（{why}）")
        findings.append(Finding(title, FAILED if failed else PASS, "；".join(failed), file if failed else None))
    return findings
