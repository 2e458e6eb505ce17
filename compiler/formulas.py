"""Which formulas apply to a unit, and which one is its total."""

from __future__ import annotations

from kaoping.dsl import ast as A
from kaoping.dsl import model as M

from .runtime import condition_names


def formula_view(s: M.Scheme, unit_class: str | None) -> dict:
    """The scheme's formulas with the unit class's own formulas of the same name replacing them."""
    view = dict(s.formulas)
    cls = s.classes.get(unit_class) if unit_class else None
    if cls is not None:
        view.update({f.name: f for f in cls.formulas})
    return view


def final_formula(s: M.Scheme, view: dict) -> str | None:
    """The total: the ranking basis if declared, else the last formula no other formula uses."""
    if not view:
        return None
    if s.ranking is not None and s.ranking.basis.text in view:
        return s.ranking.basis.text
    used = set().union(*(A.refs(f.expr) for f in view.values()))
    roots = [n for n in view if n not in used]
    return roots[-1] if roots else list(view)[-1]


def evidence_names(s: M.Scheme) -> set[str]:
    """Names used with 有 (evidence, findings): allowed as results keys."""
    conds = [v.cond for v in s.vetoes] + [g.cond for g in s.gates] + [e.cond for e in s.exempts]
    conds += [c.value for m in s.methods.values() for c in m.method.clauses if c.kind == "gate"]
    names = {n.name for cond in conds for n in A.walk(cond) if isinstance(n, (A.Has, A.Ref))}
    for root in (*s.roots, *s.unit_blocks):
        for node in root.walk():
            for key in ("gate", "applies"):
                if node.extra.get(key):
                    names |= condition_names(node.extra[key])
    return names


def reachable(view: dict, total_name: str | None) -> list[str]:
    """The formulas the total depends on (itself included), in declaration order."""
    if total_name is None:
        return []
    seen, stack = set(), [total_name]
    while stack:
        name = stack.pop()
        if name in seen or name not in view:
            continue
        seen.add(name)
        stack += [r for r in A.refs(view[name].expr) if r in view]
    return [n for n in view if n in seen]


def needed_inputs(s: M.Scheme, view: dict, total_name: str | None) -> frozenset:
    """Inputs a unit must report: those its formulas use (every input when there are none)."""
    if not view:
        return frozenset(s.inputs)
    used = set()
    for name in reachable(view, total_name):
        used |= A.refs(view[name].expr)
    return frozenset(n for n in s.inputs if n in used)


CROSS_FUNCTIONS = ("均值", "最大", "最小", "名次")


def cross_call(call: A.Call) -> tuple[str, str | None]:
    """均值(X) / 均值(X, 类别) / 均值(X, 全部单位) → (X, the class or None for all units)."""
    name = call.args[0].name
    scope = call.args[1].name if len(call.args) == 2 else None
    return name, (None if scope == "全部单位" else scope)


def cross_specs(s: M.Scheme, leaf_plan) -> tuple[tuple[str, str, str | None], ...]:
    """Every (function, name, scope) aggregated over the units scored together: in formulas, and in
    leaf methods (比最优 over the leaf's own values, named "#id"; a 标准 such as 均值(x))."""
    formulas = list(s.formulas.values()) + [f for c in s.classes.values() for f in c.formulas]
    specs = {(n.func, *cross_call(n)) for f in formulas for n in A.walk(f.expr)
             if isinstance(n, A.Call) and n.func in CROSS_FUNCTIONS}
    for root in (*s.roots, *s.unit_blocks):
        for leaf in root.leaves():
            cross = leaf_plan(leaf).get("cross")
            if cross:
                specs.add((cross[0], cross[1] or "#" + leaf.key, cross[2]))
    return tuple(sorted(specs, key=lambda t: (t[0], t[1], t[2] or "")))
