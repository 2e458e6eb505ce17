"""Score several units with the reference interpreter, then rank and grade them."""

from __future__ import annotations

from kaoping.dsl import model as M

from . import runtime as R
from .interpret import Interpreter
from .ranking import ranking_spec
from .results import UnitResults


def score_units(scheme: M.Scheme, units: list[UnitResults]) -> list[dict]:
    interp = Interpreter(scheme)
    scores = R.batch(interp.score, units)
    entries = [{"unit": s["unit"], "class": s["class"], "total": s["total"], "evidence": u.values}
               for s, u in zip(scores, units)]
    R.rank_units(entries, ranking_spec(scheme))
    for s, e in zip(scores, entries):
        s["rank"], s["grade"], s["group"] = e.get("rank"), e.get("grade"), e.get("group")
        s["grade_notes"] = e.get("grade_notes", [])
    return scores
