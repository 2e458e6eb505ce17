"""The reference interpreter: runs the scoring IR of a checked scheme through the runtime.

It is the definition the compiled module (emit.py) is tested against. What each construct means
is decided once, by the lowering (kaoping.dsl.lower); the runtime (runtime.py) executes it.
Semantics: docs/scoring.md.
"""

from __future__ import annotations

from typing import Iterator

from kaoping.dsl import ir

from . import runtime as R
from .results import UnitResults


def unit_dict(unit: UnitResults) -> dict:
    """A results unit in the form every back end takes (the compiled module's `unit`)."""
    return {"name": unit.name, "class": unit.unit_class, "values": unit.values, "places": unit.places,
            "place": unit.place}


class Interpreter:
    def __init__(self, program: ir.Program):
        self.program = program

    def score(self, unit: UnitResults, cross: dict | None = None) -> dict:
        """One unit's total and breakdown; `cross`: the aggregates of the units scored together."""
        return R.score_unit(self.program, unit_dict(unit), cross)

    def score_all(self, units: list[UnitResults]) -> list[dict]:
        """Units scored together: cross-unit stages, scores, ranks, grades and vetoes."""
        return R.score_many(self.program, [unit_dict(u) for u in units])

    def stream(self, units: list[UnitResults]) -> tuple[list[dict], Iterator[dict]]:
        """(summaries, full scores one at a time): see runtime.score_stream."""
        return R.score_stream(self.program, [unit_dict(u) for u in units])
