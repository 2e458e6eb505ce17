"""The reference interpreter: scores one unit's results by walking the resolved model.

It is the definition the compiled module (emit.py) is tested against on random results
(tests/test_agreement.py). Leaves, categories, inputs and groups are explained by the shared
runtime (runtime.py); this module decides what to evaluate, in which order, with which data.
Semantics: docs/scoring.md.
"""

from __future__ import annotations

from fractions import Fraction

from kaoping.dsl import ast as A
from kaoping.dsl import model as M
from kaoping.dsl.methods import BUILTIN, plan_of

from . import runtime as R
from .formulas import cross_call, evidence_names, final_formula, formula_view, needed_inputs, reachable
from .results import UnitResults


def _place(p: M.Place) -> str:
    return f"{p.source}:{p.span.line}"


def _f(value) -> Fraction | None:
    return None if value is None else Fraction(value)


def leaf_bounds(node: M.Node):
    """[low, high] of a leaf's clamp: [0, 分值] unless 范围 / 可为负 / 可超分值."""
    low, high = R.ZERO, _f(node.points)
    if node.value_range is not None:
        low, high = _f(node.value_range[0]), _f(node.value_range[1])
    if "may_negative" in node.flags:
        low = None
    if "may_exceed" in node.flags:
        high = None
    check_direct = node.value_range is None and not ({"may_negative", "may_exceed"} & node.flags)
    return low, high, check_direct


def node_limit(node: M.Node) -> tuple[Fraction | None, str]:
    """What a sum node is clipped to: its declared 满分/分值 and its 上限, the smaller (never the
    sum of its children's weights, so that a child allowed to exceed its weight keeps the surplus)."""
    declared, cap = _f(node.declared), _f(node.cap)
    if cap is not None and (declared is None or cap < declared):
        return cap, "上限"
    return declared, "满分"


def leaf_plan(node: M.Node, plans: dict, named: dict) -> dict:
    if node.inline_method is not None:
        return plan_of(node.inline_method, named)
    return plans.get(node.method, R.DIRECT) if node.method else R.DIRECT


def precision_of(node: M.Node):
    p = node.fields.get("precision")
    return (p.places, p.mode) if p is not None else None


class Interpreter:
    def __init__(self, scheme: M.Scheme):
        self.s = scheme
        self.named = {n: m.method for n, m in scheme.methods.items()}
        self.plans = {**BUILTIN, **{n: plan_of(m, self.named) for n, m in self.named.items()}}
        self.evidence = evidence_names(scheme)

    def score(self, unit: UnitResults, cross: dict | None = None) -> dict:
        """One unit's total and breakdown. `cross` holds the cross-unit aggregates (均值, 名次 …) of the
        units scored together (compiler/scoring.py); without it a formula using one is a problem."""
        s, values = self.s, unit.values
        problems, roots, tree, points, view, inputs, groups = self.prepare(unit, cross)
        formulas, total, total_name = self.formulas(view, values, problems, points, inputs, groups, cross)
        if total_name is None:
            total = sum((t["points"] for t, r in zip(tree, roots) if "not_summed" not in r.flags), R.ZERO)
        if total is not None and s.precision is not None:
            total = R.round_to(total, s.precision.places, s.precision.mode)
        known = {n.key for r in roots for n in r.walk()} | set(s.inputs) | set(s.groups) | set(view)
        for key in values:
            if key not in known and key not in self.evidence:
                problems.append({"code": "V0102", "message": f"方案中没有“{key}”（未知的编号或名称）", "key": key})
        for p in problems:
            p["place"] = unit.places.get(p["key"], unit.place) if p["key"] else unit.place
        return {"unit": unit.name, "class": unit.unit_class, "total": None if problems else total,
                "total_name": total_name, "formulas": formulas, "tree": tree, "inputs": list(inputs.values()),
                "groups": list(groups.values()), "problems": problems}

    def prepare(self, unit: UnitResults, cross: dict | None = None):
        """Everything before the formulas: the tree, the inputs and the groups of one unit."""
        s, values = self.s, unit.values
        problems: list[dict] = []
        if s.classes and unit.unit_class not in s.classes:
            problems.append({"code": "V0105", "message": f"单位类别“{unit.unit_class}”未在方案中定义"
                             f"（可用：{'、'.join(s.classes)}）", "key": None})
        roots = list(s.roots) + [u for u in s.unit_blocks if u.unit == unit.name]
        points: dict[str, tuple] = {}  # category name or leaf id → (points, full)
        tree = [self.node(r, values, problems, points, cross) for r in roots]
        view = formula_view(s, unit.unit_class)
        needed = needed_inputs(s, view, final_formula(s, view))
        inputs = {n: R.input_line(values, problems, n, i.label, _place(i.place), _f(i.full),
                                  i.optional or n not in needed, _f(i.default)) for n, i in s.inputs.items()}
        groups = {}
        for n, g in s.groups.items():
            entries = {e.name: (e.label, _place(e.place), _f(e.cap), e.method) for e in g.entries}
            groups[n] = R.group_line(values, problems, n, g.label, _place(g.place), g.kind, _f(g.cap),
                                     g.may_negative, entries, self.plans)
        return problems, roots, tree, points, view, inputs, groups

    def stage_one(self, unit: UnitResults, names) -> dict:
        """The values cross-unit functions aggregate (名次(总分) needs every unit's 总分): None where a
        unit's results cannot give one."""
        problems, _roots, _tree, points, view, inputs, groups = self.prepare(unit)
        value_of = self.evaluator(view, unit.values, points, inputs, groups, None)[0]
        unused = set(view) - set(reachable(view, final_formula(self.s, view)))  # not this class's formulas
        leaves = {"#" + n.key: n for r in (*self.s.roots, *self.s.unit_blocks) for n in r.leaves()}
        out = {}
        for name in names:
            try:
                if name in leaves:  # a leaf's own reported value (比最优)
                    out[name] = R.leaf_value(unit.values, leaves[name].key, leaves[name].extra)
                else:
                    out[name] = None if name in unused or name.startswith("#") else value_of(name)
            except R.Problem:
                out[name] = None
        return out

    def node(self, node: M.Node, values, problems, points, cross=None) -> dict:
        if node.kind == M.CATEGORY and node.extra:  # 适用 / 门槛 on a category decide before its children
            out = R.line(node.key, node.kind, node.text, _place(node.place), _f(node.points))
            if R.condition_line(out, values, problems, node.extra, _f(node.points)) is not None:
                points[node.key] = (out["points"], out["full"])
                return out
        if node.kind == M.CATEGORY and not node.leaves() and (node.key in values or not node.children):
            out = R.open_line(values, problems, node.key, node.kind, node.text, _place(node.place),
                              _f(node.points))
        elif node.is_leaf:
            low, high, check_direct = leaf_bounds(node)
            out = R.leaf_line(values, problems, node.key, node.kind, node.text, _place(node.place),
                              leaf_plan(node, self.plans, self.named), _f(node.points), low, high, check_direct,
                              _f(node.default), node.extra, cross)
        else:
            children = [self.node(c, values, problems, points, cross) for c in node.children]
            summed = ["not_summed" not in c.flags for c in node.children]
            out = R.sum_line(node.key, node.kind, node.text, _place(node.place), children, summed, _f(node.points),
                             *node_limit(node), _f(node.counts_as) if node.kind == M.CATEGORY else None,
                             precision_of(node))
        points[node.key] = (out["points"], out["full"])
        return out

    def evaluator(self, view, values, points, inputs, groups, cross):
        """(value of a name, value of a formula) for one unit; formulas are computed once each."""
        rescale = self.s.rescale
        done: dict[str, Fraction] = {}

        def name_value(name):
            if name in view:
                return formula(name)
            if name in inputs:
                return R.rescaled((inputs[name]["points"], inputs[name]["full"]), rescale)
            if name in groups:
                return groups[name]["points"]
            if name in points:
                return R.rescaled(points[name], rescale)
            raise R.Problem("V0201", f"公式用到的“{name}”没有值")

        def ev(e):
            if isinstance(e, A.Num):
                return Fraction(e.value)
            if isinstance(e, A.Ref):
                return name_value(e.name)
            if isinstance(e, A.BinOp):
                return R.arith(e.op, ev(e.left), ev(e.right))
            if isinstance(e, A.Neg):
                return -ev(e.operand)
            if isinstance(e, A.AttrRef):
                return attr_value(self.s, e, points)
            if isinstance(e, A.ItemRef):
                if e.id not in points:
                    raise R.Problem("V0201", f"公式用到的指标 {e.id} 没有得分")
                return R.rescaled(points[e.id], rescale)
            if isinstance(e, A.Call) and e.func in ("较大", "较小"):
                args = [ev(a) for a in e.args]
                return max(args) if e.func == "较大" else min(args)
            name, scope = cross_call(e)
            own = name_value(name) if e.func == "名次" else None
            return R.cross_value(cross, e.func, name, scope, own)

        def formula(name):
            if name not in done:
                f = view[name]
                if isinstance(f.expr, A.External):
                    if name not in values:
                        raise R.Problem("V0101", f"缺少外部得分 {name}（{f.expr.text}）")
                    value = R.num(values[name])
                else:
                    value = ev(f.expr)
                if f.precision is not None:
                    value = R.round_to(value, f.precision.places, f.precision.mode)
                done[name] = value
            return done[name]

        return name_value, formula, done

    def formulas(self, view, values, problems, points, inputs, groups, cross):
        """Every formula the total needs, in declaration order; the first failure stops them."""
        _value, formula, done = self.evaluator(view, values, points, inputs, groups, cross)
        total_name = final_formula(self.s, view)
        for name in reachable(view, total_name):
            try:
                formula(name)
            except R.Problem as p:
                problems.append({"code": p.code, "message": f"得分 {name}：{p.message}", "key": None})
                return done, None, total_name
        return done, (done.get(total_name) if total_name else None), total_name


def attr_value(s: M.Scheme, e: A.AttrRef, points: dict) -> Fraction:
    """正向激励加分.上限, 公众评议.满分, 职能工作目标.满分: fixed by the scheme."""
    if e.name in s.groups and e.attr == "上限" and s.groups[e.name].cap is not None:
        return Fraction(s.groups[e.name].cap)
    if e.name in s.inputs and e.attr == "满分" and s.inputs[e.name].full is not None:
        return Fraction(s.inputs[e.name].full)
    if e.name in points and e.attr in ("满分", "分值") and points[e.name][1] is not None:
        return points[e.name][1]
    raise R.Problem("V0201", f"“{e.name}.{e.attr}”没有值")
