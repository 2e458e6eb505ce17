"""Score several units with the reference interpreter, then rank and grade them."""

from __future__ import annotations

from kaoping.dsl import ir

from .interpret import Interpreter
from .results import UnitResults


def score_units(program: ir.Program, units: list[UnitResults]) -> list[dict]:
    return Interpreter(program).score_all(units)
