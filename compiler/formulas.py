"""Which formulas apply to a unit, and which one is its total."""

from __future__ import annotations

from kaoping.dsl import ast as A
from kaoping.dsl import model as M


def formula_view(s: M.Scheme, unit_class: str | None) -> dict:
    """The scheme's formulas with the unit class's own formulas of the same name replacing them."""
    view = dict(s.formulas)
    cls = s.classes.get(unit_class) if unit_class else None
    if cls is not None:
        view.update({f.name: f for f in cls.formulas})
    return view


def _refs(expr) -> set[str]:
    out, stack = set(), [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, A.Ref):
            out.add(e.name)
        elif isinstance(e, A.BinOp):
            stack += [e.left, e.right]
        elif isinstance(e, A.Neg):
            stack.append(e.operand)
        elif isinstance(e, A.Call):
            stack += list(e.args)
    return out


def final_formula(s: M.Scheme, view: dict) -> str | None:
    """The total: the ranking basis if declared, else the last formula no other formula uses."""
    if not view:
        return None
    if s.ranking is not None and s.ranking.basis.text in view:
        return s.ranking.basis.text
    used = set().union(*(_refs(f.expr) for f in view.values()))
    roots = [n for n in view if n not in used]
    return roots[-1] if roots else list(view)[-1]
