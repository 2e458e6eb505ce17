"""The fast path of scoring: the support the specialised code of one scheme (fastgen.py) runs on.
Standard library only; copied into every generated module after the runtime, like it.

Every line of a breakdown is a pure function of what it reads: a leaf's line of its own result, a
sum's line of its children's total, an input's line of its value. The fast path asks the runtime
(the reference) for each such line once and keeps it (`Lines`), so a unit costs a few dictionary
look-ups and Decimal additions. The arithmetic between them runs in `decimal` under EXACT, where any
result that would be rounded raises: a unit the fast path cannot score exactly (a third, a missing
result, an unknown key, a problem of any kind) is scored by the runtime instead, so nothing changes
meaning. Results are converted to Fractions at the boundary.
"""

import decimal
from decimal import Decimal
from fractions import Fraction

from .runtime import (MISSING, Env, group_line, input_line, leaf_line, line, num, open_line, rescaled, round_to,
                      sum_close)

EXACT = decimal.Context(prec=400, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                        traps=[decimal.Inexact, decimal.Rounded, decimal.DivisionByZero, decimal.InvalidOperation,
                               decimal.Overflow, decimal.Underflow, decimal.Subnormal, decimal.Clamped])
LINES_LIMIT = 100_000  # records kept, all tables together (bounded: results may hold any text or number)


class Fallback(Exception):
    """The fast path cannot score this unit exactly: the runtime does."""


def dec(value):
    """A Fraction as the Decimal equal to it; Fallback when its decimal does not terminate."""
    top, den = value.numerator, value.denominator
    if den == 1:
        return Decimal(top)
    rest = den
    while rest % 2 == 0:
        rest //= 2
    while rest % 5 == 0:
        rest //= 5
    if rest != 1:
        raise Fallback
    return EXACT.divide(Decimal(top), Decimal(den))  # exact: EXACT raises rather than round


class Lines(dict):
    """What a node's line reads → [its points as a Decimal, its line (the runtime's), its text, its JSON,
    the value a formula reads]; each made once by `make(node, key)`, which raises when it cannot be."""

    __slots__ = ("node", "make", "decimals")

    def __init__(self, node, make):
        super().__init__()
        self.node = node
        self.make = make
        self.decimals = {}  # a number read from JSON, by its text: 1 and 1.000… equal, but may read otherwise

    kept = [0]  # records kept by every table: one budget (LINES_LIMIT), beyond which a line is made anew

    def __missing__(self, key):
        if key.__class__ is Decimal:
            text = str(key)
            record = self.decimals.get(text)
            if record is None:
                record = self.make(self.node, key)
                if self.kept[0] < LINES_LIMIT:
                    self.kept[0] += 1
                    self.decimals[text] = record
            return record
        record = self.make(self.node, key)
        if (key.__class__ is str or key is MISSING) and self.kept[0] < LINES_LIMIT:
            self.kept[0] += 1
            self[key] = record
        return record


def _record(out, ref_value):
    return [dec(out["points"]), out, None, None, dec(ref_value)]


def _own(line_of, scaled=True):
    """make(node, raw) for a node whose line reads its own result only (raw, or MISSING): the
    runtime's line, given a unit that reports that result alone. `scaled`: a formula reads its points
    under 计分 百分制 (not a group's)."""
    def maker(prog, *args):
        def make(node, raw):
            if raw.__class__ is not str and raw.__class__ is not Decimal and raw is not MISSING:
                raise Fallback  # a bool, a list, a dict …: the runtime reads it
            pr = []
            values = {} if raw is MISSING else {getattr(node, "key", None) or node.name: raw}
            out = line_of(node, Env(prog, None, values, None, {}, {}, {}, {}), pr, *args)
            if pr:
                raise Fallback
            return _record(out, rescaled(out["points"], out["full"], prog.rescale) if scaled else out["points"])
        return make
    return maker


leaf_record = _own(leaf_line)
open_record = _own(open_line)
input_record = _own(lambda i, env, pr, needed: input_line(i, env.values, pr, needed))
group_record = _own(group_line, scaled=False)


def points_of(index):
    """A table of one field of another table's records (the totals path reads points only)."""
    def make(lines, key):
        return lines[key][index]
    return make


def sum_record(prog):
    def make(node, total):
        """`total`: the text of the Decimal total of the summed children."""
        out = line(node.key, node.kind, node.label, node.source, node.full)
        out["children"] = (None,) * len(node.children)  # the children's lines are the children's records
        sum_close(node, out, Fraction(total))
        return _record(out, rescaled(out["points"], out["full"], prog.rescale))
    return make


def rounding(places, mode):
    """A formula's or the total's 精度, by the runtime's round_to (of the value's text)."""
    def make(_node, value):
        return dec(round_to(Fraction(value), places, mode))
    return make


def value_of(_name, raw):
    """A value of the unit's results a formula reads (取 the number, a percentage allowed)."""
    if raw.__class__ is not str and raw.__class__ is not Decimal:
        raise Fallback
    return dec(num(raw, percent=True))


def run(fn, values):
    """fn(values) under EXACT; None when the fast path cannot score the unit."""
    try:
        with decimal.localcontext(EXACT):
            return fn(values)
    except Exception:  # noqa: BLE001 (any failure at all: the runtime scores the unit and says why)
        return None


class Fast:
    """The specialised functions of one scheme: by unit class, (totals, breakdown, the tree's shape)."""

    def __init__(self, prog, views, unit_trees):
        self.prog, self.views, self.unit_trees = prog, views, unit_trees

    def _fn(self, unit, which):
        if unit.get("clashes") or unit.get("name") in self.unit_trees:
            return None
        view = self.views.get(unit.get("class"))
        return view[which] if view is not None else None

    def total(self, unit):
        """The unit's total as a Fraction, or None: the runtime must score it."""
        fn = self._fn(unit, 0)
        if fn is None:
            return None
        out = run(fn, unit.get("values") or {})
        return None if out is None else Fraction(out)

    def score(self, unit, total_name):
        """score_unit's dict for the unit, from the records (each line copied), or None."""
        lines = self.lines(unit)
        if lines is None:
            return None
        total, formulas, records, inputs, groups, shape = lines

        def copy(out):
            return dict(out, children=[copy(c) for c in out["children"]])

        def tree(i):
            out = dict(records[i][1])
            out["children"] = [tree(k) for k in shape[i][2]]
            return out

        return {"unit": unit.get("name"), "class": unit.get("class"), "total": Fraction(total),
                "total_name": total_name, "formulas": {name: Fraction(v) for name, v in formulas},
                "tree": [tree(i) for i, node in enumerate(shape) if node[0] == 1],
                "inputs": [copy(r[1]) for r in inputs], "groups": [copy(r[1]) for r in groups],
                "vetoes": [], "problems": []}

    def lines(self, unit):
        """(total, ((formula, value), …), node records in order, input records, group records, the
        tree's shape) or None: the runtime must score the unit."""
        fn = self._fn(unit, 1)
        out = None if fn is None else run(fn, unit.get("values") or {})
        return None if out is None else out + (self.views[unit.get("class")][2],)
