"""The readers on arbitrary content: they never raise, and whatever they read without problems reads
the same when written canonically as JSON and read again (no value read two ways)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.compiler.results import read_csv, read_json

SCALARS = (st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.text(max_size=8)
           | st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(["1e999", "NaN", "", "90%"]))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)
UNIT = st.fixed_dictionaries({"name": st.text(max_size=4) | st.none() | st.integers()},
                             optional={"class": st.text(max_size=3) | st.none(),
                                       "values": st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=4)})


def dump(value) -> str:
    """JSON text for values that hold Decimals: each written as its exact literal."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v) for v in value) + "]"
    return json.dumps(value)


def canonical(units) -> str:
    return dump({"units": [{"name": u.name, **({"class": u.unit_class} if u.unit_class else {}), "values": u.values}
                           for u in units]})


def same_reading(units):
    again, problems = read_json(canonical(units), "again")
    assert problems == []
    assert [(u.name, u.unit_class, u.values) for u in again] == [(u.name, u.unit_class, u.values) for u in units]
    assert all(type(a) is type(b) for u, w in zip(units, again) for a, b in zip(u.values.values(), w.values.values()))


@settings(max_examples=300, deadline=None)
@given(st.lists(UNIT, max_size=3) | st.text(max_size=40))
def test_json_never_raises_and_reads_one_way(doc):
    text = doc if isinstance(doc, str) else dump({"units": doc})
    units, problems = read_json(text, "r.json")
    assert all(p.code.startswith("V0") and p.place.startswith("r.json") for p in problems)
    if not problems:
        same_reading(units)


CELLS = st.text(max_size=6) | st.sampled_from(["单位", "类别", "编号", "值", "1-1", "1-1.晋档", "true", "90;80", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELLS, max_size=5), max_size=5), st.sampled_from(["\n", "\r\n", "\r"]))
def test_csv_never_raises_and_reads_one_way(rows, end):
    out = io.StringIO()
    csv.writer(out, lineterminator=end).writerows(rows)
    for text in (out.getvalue(), "单位,1-1\n" + out.getvalue()):
        units, problems = read_csv(text, "r.csv")
        assert all(p.code.startswith("V0") and p.place.startswith("r.csv:") for p in problems)
        if not problems:
            same_reading(units)


XLSX_CELLS = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.sampled_from(
    ["单位", "类别", "1-1", "1-1.晋档", "一档", "是", "90%", "=1+1", "", " ", "1-2"])
    | st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=5)  # what a workbook can hold
    | st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False).map(str))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(XLSX_CELLS, min_size=1, max_size=4), max_size=4), st.booleans())
def test_xlsx_never_raises_and_reads_one_way(tmp_path_factory, rows, with_header):
    import openpyxl

    from kaoping.compiler.results_xlsx import read_xlsx

    book = openpyxl.Workbook()
    sheet = book.active
    for row in ([["单位", "1-1", "1-2"]] if with_header else []) + rows:
        sheet.append(row)
    path = tmp_path_factory.mktemp("xlsx") / "r.xlsx"
    book.save(path)
    units, problems = read_xlsx(path, path.read_bytes())
    assert all(p.code.startswith("V0") and p.place.startswith(str(path)) for p in problems)
    if not [p for p in problems if p.severity == "error"]:
        same_reading(units)
