"""The built-in properties of `kaoping verify`, named in Chinese: each is a check that a scheme is
sane whatever its author declared. They are tried on scored populations (one unit, or 2–30 units
scored together when the scheme has cross-unit values); `Run` keeps, per property, how often its
premise held and the first counterexample.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import attrs

from kaoping.dsl import bounds as B
from kaoping.dsl import ir
from kaoping.dsl import model as M

from . import runtime as R
from .interpret import unit_dict
from .results import UnitResults
from .verify_inputs import BONUS, Ladder, Space, as_json

NODE = "每个节点的得分在其声明的范围内"
BONUS_CAP = "加分组的加分不超过上限"
BONUS_USED = "加分组的加分计入总分"
DEDUCT_USED = "扣分组的扣分计入总分"
VETO = "被否决的单位等次不高于否决所限"

Example = list[tuple[str, list[dict]]]  # (label, the units of a results file)


@attrs.frozen
class Unknown:
    """A 性质 that could not be evaluated on a unit: never 通过, never 不成立."""

    why: str


@attrs.define
class Failure:
    prop: str
    detail: str
    example: Example


def _lines(score_: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    stack = list(score_["tree"])
    while stack:
        line = stack.pop()
        out.setdefault(line["key"], line)
        stack += line["children"]
    return out


def _show(v: Any) -> str:
    if isinstance(v, Fraction):
        return R.show(v)
    return str(v)


class Run:
    """The state of one verify run over many populations."""

    def __init__(self, prog: ir.Program, sp: Space, bounds: B.Bounds, invariants: list[tuple[str, Callable]]):
        self.prog, self.sp, self.bounds = prog, sp, bounds
        # (name, f(score, values, the scores of the units scored with it) → "premise" / "held" / Unknown / detail)
        self.invariants = invariants
        self.held: dict[str, int] = {}
        self.failed: dict[str, Failure] = {}
        self.unknown: dict[str, str] = {}  # a 性质 that could not be evaluated: the first unit and why
        self.generated = 0
        self.valid = 0
        self.why_invalid: dict[str, int] = {}
        self.moved: set[str] = set()  # groups seen changing the total
        self.unmoved: dict[str, Failure] = {}
        self.memo: dict = {}  # the lines of pure leaves, kept across the populations of the run (score_many)
        names = [g[0] for g in prog.ranking.grades]
        self.grade_names = names
        declared: dict[str | None, dict[str, B.Interval]] = {None: {}}
        for n in ir.walk_nodes(prog.tree):
            declared[None].setdefault(n.key, B.declared_range(n))
        for unit, nodes in prog.unit_trees:
            table = dict(declared[None])
            for n in ir.walk_nodes(nodes):
                table.setdefault(n.key, B.declared_range(n))
            declared[unit] = table
        self.declared = declared

    # ------------------------------------------------------------ the names a run reports
    def names(self) -> list[str]:
        out = [NODE]
        out += sorted({lad.prop for lad in self.sp.ladders}, key=_ORDER.index)
        if any(not g.deduct and g.cap is not None for g in self.prog.groups):
            out.append(BONUS_CAP)
        if any(not g.deduct for g in self.prog.groups):
            out.append(BONUS_USED)
        if any(g.deduct for g in self.prog.groups):
            out.append(DEDUCT_USED)
        if self.prog.ranking.vetoes and self.grade_names:
            out.append(VETO)
        return out + [name for name, _f in self.invariants]

    def _hold(self, prop: str) -> None:
        self.held[prop] = self.held.get(prop, 0) + 1

    # ------------------------------------------------------------ one population
    def score(self, units: list[UnitResults]) -> list[dict]:
        return R.score_many(self.prog, [unit_dict(u) for u in units], self.memo)

    def examine(self, pop: list[UnitResults], probes: list[int], count: bool = True,
                every_ladder: bool = False, only: Ladder | None = None) -> Failure | None:
        """Check every property not yet failed on one population; the first that fails now."""
        scores = self.score(pop)
        if count:
            self.generated += len(pop)
            for s in scores:
                if s["problems"]:
                    p = s["problems"][0]
                    key = f"[{p['code']}] {p['message']}"[:90]
                    self.why_invalid[key] = self.why_invalid.get(key, 0) + 1
                else:
                    self.valid += 1
        found: Failure | None = None

        def fail(f: Failure) -> None:
            nonlocal found
            if found is None and f.prop not in self.failed:
                found = f

        good = [i for i, s in enumerate(scores) if not s["problems"]]
        file = [("反例", [as_json(u) for u in pop])]
        together = tuple(scores[i] for i in good)
        for i in good:
            s, u = scores[i], pop[i]
            self._hold(NODE)
            table = self.declared.get(u.name, self.declared[None])
            for key, line in _lines(s).items():
                low, high = table.get(key, (None, None))
                if (low is not None and line["points"] < low) or (high is not None and line["points"] > high):
                    fail(Failure(NODE, f"{u.name}：{key} 得 {_show(line['points'])} 分，超出 {B.show((low, high))}",
                                 file))
            for name, check in self.invariants:
                if name in self.failed:
                    continue
                result = check(s, u.values, together)
                if result == "premise":
                    continue
                if isinstance(result, Unknown):
                    self.unknown.setdefault(name, f"{u.name}：{result.why}")
                    continue
                self._hold(name)
                if result != "held":
                    fail(Failure(name, f"{u.name}：{result}", file))
            if self.grade_names and s.get("grade") is not None:
                self._veto(u, s, fail, file)
        if good:
            focus = good[probes[0] % len(good)] if probes else good[0]
            ladders = self.sp.ladders
            if only is not None:
                todo = [only]
            elif every_ladder:
                todo = list(ladders)
            elif ladders:
                todo = [ladders[p % len(ladders)] for p in probes[1:3]]
            else:
                todo = []
            for k, lad in enumerate(todo):
                if lad.prop in self.failed:
                    continue
                # the corners climb a ladder rung by rung (every neighbouring pair: a defect between two
                # middle rungs is found every run); a random population tries one pair
                steps = range(len(lad.rungs) - 1) if only is not None else \
                    [(probes[3 + k % 3] if len(probes) > 5 else k) % (len(lad.rungs) - 1)]
                for j in steps:
                    f = self._ladder(pop, scores, focus, lad, j)
                    if f is not None:
                        fail(f)
                        break
            self._groups(pop, scores, focus, fail)
        return found

    def _veto(self, u: UnitResults, s: dict, fail: Callable, file: Example) -> None:
        names = self.grade_names
        for veto, (vname, fired) in zip(self.prog.ranking.vetoes, s.get("vetoes", ())):
            if fired is not True:
                continue
            self._hold(VETO)
            allowed = names.index(veto.grade) + (1 if veto.exclude else 0) if veto.grade in names else 0
            allowed = min(max(allowed, 1), len(names) - 1)
            if s["grade"] in names and names.index(s["grade"]) < allowed:
                why = ("（否决所限的等次就是最高等次，或不在等次表中，否决不起作用）"
                       if (veto.grade not in names or names.index(veto.grade) + veto.exclude == 0) else "")
                fail(Failure(VETO, f"{u.name} 被否决“{vname}”，仍评为 {s['grade']}{why}", file))

    def _ladder(self, pop: list[UnitResults], scores: list[dict], focus: int, lad: Ladder, j: int) -> Failure | None:
        unit = pop[focus]
        if lad.key not in {d.key for d in self.sp.dims_for(unit.name, unit.unit_class)}:
            return None
        worse = attrs.evolve(unit, values=lad.put(unit.values, lad.rungs[j]))
        better = attrs.evolve(unit, values=lad.put(unit.values, lad.rungs[j + 1]))
        pop_w = pop[:focus] + [worse] + pop[focus + 1:]
        pop_b = pop[:focus] + [better] + pop[focus + 1:]
        sw, sb = self.score(pop_w), self.score(pop_b)
        a, b = sw[focus], sb[focus]
        if a["problems"] or b["problems"]:
            return None
        self._hold(lad.prop)
        where = lad.key + (f".{lad.sub}" if lad.sub else "")
        change = f"{unit.name} 的 {where} 由 {_show(lad.rungs[j])} 改为 {_show(lad.rungs[j + 1])}（更好）"
        drops = []
        if lad.leaf is not None:
            pa, pb = _lines(a).get(lad.leaf), _lines(b).get(lad.leaf)
            if pa is not None and pb is not None and pb["points"] < pa["points"]:
                drops.append(f"{lad.leaf} 由 {_show(pa['points'])} 降为 {_show(pb['points'])}")
        if a["total"] is not None and b["total"] is not None and b["total"] < a["total"]:
            drops.append(f"总分由 {_show(a['total'])} 降为 {_show(b['total'])}")
        if len(pop) > 1 and a.get("rank") is not None and b.get("rank") is not None and b["rank"] > a["rank"]:
            drops.append(f"名次由第 {a['rank']} 名降为第 {b['rank']} 名")
        if not drops:
            return None
        return Failure(lad.prop, change + "后，" + "，".join(drops),
                       [("较差的结果", [as_json(u) for u in pop_w]), ("较好的结果", [as_json(u) for u in pop_b])])

    def _groups(self, pop: list[UnitResults], scores: list[dict], focus: int, fail: Callable) -> None:
        unit = pop[focus]
        dims = {d.key: d for d in self.sp.dims_for(unit.name, unit.unit_class)}
        for g in self.prog.groups:
            dim = dims.get(g.name)
            if dim is None:
                continue
            used = DEDUCT_USED if g.deduct else BONUS_USED
            full_value = dim.worst if g.deduct else dim.best
            with_g = attrs.evolve(unit, values={**unit.values, g.name: full_value})
            without = attrs.evolve(unit, values={k: v for k, v in unit.values.items() if k != g.name})
            pop_g = pop[:focus] + [with_g] + pop[focus + 1:]
            pop_0 = pop[:focus] + [without] + pop[focus + 1:]
            sg, s0 = self.score(pop_g)[focus], self.score(pop_0)[focus]
            if sg["total"] is None or s0["total"] is None:
                continue
            points = next((line["points"] for line in sg["groups"] if line["key"] == g.name), Fraction(0))
            if points == 0:
                continue
            delta = sg["total"] - s0["total"]
            example = [("不填该组", [as_json(u) for u in pop_0]), ("填满该组", [as_json(u) for u in pop_g])]
            if delta != 0:
                self.moved.add(g.name)
            elif g.name not in self.unmoved:
                self.unmoved[g.name] = Failure(
                    used, f"{g.name} 得 {_show(points)} 分，总分仍是 {_show(sg['total'])}，与不填该组时相同"
                          f"（公式没有用到它，或被其他上限剪去）", example)
            if not g.deduct and g.cap is not None:
                self._hold(BONUS_CAP)
                if delta > g.cap:
                    fail(Failure(BONUS_CAP, f"{g.name}（上限 {_show(g.cap)}）使总分由 {_show(s0['total'])} 升为 "
                                            f"{_show(sg['total'])}，多加了 {_show(delta)} 分", example))

    def finish(self) -> None:
        """Decide the properties that need every example: a group that never moved the total."""
        for g in self.prog.groups:
            used = DEDUCT_USED if g.deduct else BONUS_USED
            if g.name in self.moved:
                self._hold(used)
            elif g.name in self.unmoved and used not in self.failed:
                self.failed[used] = self.unmoved[g.name]


CAPS = "类别得分不超过其上限和计分"


def caps_check(scheme: M.Scheme) -> tuple[str, Callable] | None:
    """The rule a template writes as 上限/计分 on a category (动态工作目标 上限 10 计分 5), read from the
    scheme as written — not from the lowered scheme, so a lowering that drops one of them is caught."""
    caps: dict[str, tuple[Fraction, str]] = {}
    for root in list(scheme.roots) + list(scheme.unit_blocks):
        for n in root.walk():
            said = [(Fraction(v), f"{word} {R.show(Fraction(v))}")
                    for v, word in ((n.cap, "上限"), (n.counts_as, "计分")) if v is not None]
            if n.kind == M.CATEGORY and said:
                caps[n.key] = min(said)
    if not caps:
        return None

    def check(score: dict, _values: dict, _units: tuple) -> str:
        lines = _lines(score)
        for key, (bound, word) in caps.items():
            line = lines.get(key)
            if line is not None and line["points"] > bound:
                return f"{key} 得 {_show(line['points'])} 分，超过 {word}"
        return "held" if caps.keys() & lines.keys() else "premise"

    return CAPS, check


_ORDER = ["提高一档不会降低得分", "名次靠前不会降低得分", "完成值提高不会降低得分", "扣分次数增多不会提高得分",
          "加分次数增多不会降低得分", BONUS, "扣分组扣分增多不会提高总分"]
