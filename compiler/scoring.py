"""Score several units with the reference interpreter, then rank and grade them."""

from __future__ import annotations

from kaoping.dsl import model as M

from . import runtime as R
from .formulas import cross_specs
from .interpret import Interpreter, leaf_plan
from .ranking import ranking_spec
from .results import UnitResults


def score_units(scheme: M.Scheme, units: list[UnitResults]) -> list[dict]:
    interp = Interpreter(scheme)
    specs = cross_specs(scheme, lambda leaf: leaf_plan(leaf, interp.plans, interp.named))
    cross = None
    if specs:  # 均值/最大/最小/名次: first every unit's values, then the aggregates, then the scores
        names = sorted({name for _f, name, _s in specs})
        rows = R.batch(lambda u: (u.unit_class, interp.stage_one(u, names)), units)
        cross = R.cross_aggregates(rows, specs)
    scores = R.batch(lambda u: interp.score(u, cross), units)
    entries = [{"unit": s["unit"], "class": s["class"], "total": s["total"], "evidence": u.values}
               for s, u in zip(scores, units)]
    R.rank_units(entries, ranking_spec(scheme))
    for s, e in zip(scores, entries):
        s["rank"], s["grade"], s["group"] = e.get("rank"), e.get("grade"), e.get("group")
        s["grade_notes"] = e.get("grade_notes", [])
    return scores
