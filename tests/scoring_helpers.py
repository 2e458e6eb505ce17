"""Score a scheme two ways: the reference interpreter, and the module `kaoping compile` writes."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from kaoping.compiler.emit import compile_program
from kaoping.compiler.interpret import Interpreter
from kaoping.compiler.results import UnitResults

_counter = itertools.count()


def load_module(source: str, folder: Path):
    name = f"kaoping_generated_{next(_counter)}"
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def unit(name="甲", values=None, cls=None) -> UnitResults:
    values = values or {}
    return UnitResults(name, cls, dict(values), {k: f"values[{k!r}]" for k in values}, f"unit {name}")


def as_dict(u: UnitResults) -> dict:
    return {"name": u.name, "class": u.unit_class, "values": u.values, "places": u.places, "place": u.place}


class Both:
    """Scores with the interpreter and the compiled module, asserting they agree."""

    def __init__(self, checked, folder: Path):
        """`checked`: the CheckResult of a scheme that checks clean."""
        assert checked.ok, [d.message for d in checked.errors]
        self.scheme, self.program = checked.scheme, checked.program
        self.interp = Interpreter(self.program)
        self.module = load_module(compile_program(self.program, "t.scheme"), folder)

    @classmethod
    def of_text(cls, text: str, folder: Path) -> "Both":
        """A scheme given as text, which must check without errors."""
        from conftest import check

        return cls(check(text), folder)

    def score(self, u: UnitResults) -> dict:
        a = self.interp.score(u)
        b = self.module.score(as_dict(u))
        assert a == b, "interpreter and compiled module disagree"
        assert self.module.total(as_dict(u)) == a["total"]
        return a

    def rank(self, units):
        a = self.interp.score_all(units)
        b = self.module.rank([as_dict(u) for u in units])
        assert [(s["unit"], s["rank"], s["grade"]) for s in a] == [(e["unit"], e["rank"], e["grade"]) for e in b]
        compiled = self.module.score_all([as_dict(u) for u in units])
        assert [{k: s[k] for k in c} for s, c in zip(a, compiled)] == compiled  # the same breakdowns
        return a


def D(text: str) -> Fraction:
    return Fraction(Decimal(text))
