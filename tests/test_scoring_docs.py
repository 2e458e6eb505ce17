"""docs/scoring.md: its example scheme, JSON and CSV results run, and give the totals the text states."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from conftest import ROOT
from kaoping.compiler.results import read_csv, read_json
from kaoping.compiler.scoring import score_units
from kaoping.dsl.load import check_text

DOC = (ROOT / "docs" / "scoring.md").read_text(encoding="utf-8")


def block(lang: str) -> str:
    return re.search(rf"```{lang}\n(.*?)```", DOC, re.S).group(1)


def test_json_and_csv_examples_score_as_the_text_says():
    checked = check_text(block("scheme"), "scoring.md")
    assert checked.ok, [d.message for d in checked.errors]
    json_units, p1 = read_json(block("json"), "scoring.md")
    csv_units, p2 = read_csv(block("csv"), "scoring.md")
    assert p1 == [] and p2 == []
    by_json = {s["unit"]: s for s in score_units(checked.program, json_units)}
    by_csv = {s["unit"]: s for s in score_units(checked.program, csv_units)}
    assert {u: s["total"] for u, s in by_json.items()} == {u: s["total"] for u, s in by_csv.items()}
    # the text: 甲局 8.05 = 2.55 + 3 + 2.5; 乙局 10, graded 良好 because of 一票否优
    assert by_json["甲局"]["total"] == Fraction(Decimal("8.05")) == Fraction(Decimal("2.55")) + 3 + Fraction(5, 2)
    assert (by_json["乙局"]["total"], by_json["乙局"]["grade"]) == (10, "良好")
    assert by_json["甲局"]["grade"] == "良好"  # 8.05 ≥ 8


def test_csv_problems_are_located_by_line():
    units, problems = read_csv("单位,编号,值\n甲,1-1,1\n甲,1-1,2\n,1-2,3\n", "r.csv")
    assert [(p.code, p.place) for p in problems] == [("V0003", "r.csv:3"), ("V0002", "r.csv:4")]
    assert units[0].places["1-1"] == "r.csv:2"


def test_json_syntax_error_is_located():
    units, problems = read_json('{"units": [\n  {"name": "甲", "values": {"1-1": 1,}}\n]}', "r.json")
    assert units == [] and problems[0].code == "V0002" and problems[0].place.startswith("r.json:2:")


def test_json_numbers_are_exact_decimals_never_floats():
    units, _ = read_json('{"name": "甲", "values": {"1-1": 0.1}}')
    assert units[0].values["1-1"] == Decimal("0.1")


def test_malformed_json_units_are_problems():
    units, problems = read_json('{"units": [{"name": 5, "values": {}}, {"name": "乙", "class": {"a": 1}}, 3]}', "r")
    assert [(p.code, p.place) for p in problems] == [
        ("V0002", "r:units[0]"), ("V0002", "r:units[1].class"), ("V0002", "r:units[2]")]
    assert [u.unit_class for u in units] == [None, None]


def test_the_wide_table_example_scores_like_the_json_example():
    checked = check_text(block("scheme"), "scoring.md")
    wide = re.search(r"```text\n(单位,类别,1-1-1.*?)```", DOC, re.S).group(1)
    wide_units, problems = read_csv(wide, "scoring.md")
    json_units, _ = read_json(block("json"), "scoring.md")
    assert problems == []
    totals = lambda units: {s["unit"]: (s["total"], s["grade"]) for s in score_units(checked.program, units)}  # noqa
    assert totals(wide_units) == totals(json_units)


def test_every_results_problem_code_is_documented():
    emitted = set()
    for path in (ROOT / "compiler").glob("*.py"):
        emitted |= set(re.findall(r'"(V0\d{3})"', path.read_text(encoding="utf-8")))
    documented = set(re.findall(r"\| `(V0\d{3})` \|", DOC))
    assert emitted and emitted == documented


def _table(name: str) -> list[list[str]]:
    """The rows of the markdown table after <!-- table: name -->, cells without their backquotes."""
    text = DOC.split(f"<!-- table: {name} -->", 1)[1].strip().split("\n\n", 1)[0]
    rows = [[c.strip().strip("`") for c in line.strip("|").split("|")] for line in text.splitlines()]
    return rows[2:]


def test_the_attribute_table_is_what_the_lowering_does():
    import typing

    from kaoping.dsl import ast as A
    from kaoping.dsl import lower as L
    from kaoping.dsl.resolve import APPLIES, ATTR_WORDS

    places = ("category", "indicator+", "indicator", "input", "group", "entry", "formula", "rule")
    effect = {"score": "计分", "check": "检查", "text": "文字"}

    def expected(key, place):
        if key not in APPLIES[place.rstrip("+")]:
            return "—"
        if place in ("category", "indicator+") and key in L.LEAF_ONLY:
            return "E0503"
        return effect[L.attribute_effect(key)]

    rows = {row[0]: row[1:] for row in _table("attributes")}
    assert set(rows) == {ATTR_WORDS[k] for k in typing.get_args(A.AttrKey)}
    for key in typing.get_args(A.AttrKey):
        assert rows[ATTR_WORDS[key]] == [expected(key, p) for p in places], key


def test_the_clause_table_is_what_the_lowering_accepts():
    from kaoping.dsl import lower as L

    rows = {re.search(r"（(\w+)）", row[0]).group(1): row[1] for row in _table("clauses")}
    assert set(rows) == set(L.KIND_CLAUSES)
    for family, clauses in L.KIND_CLAUSES.items():
        written = set(rows[family].replace("`", "").split("、")) - {"—"}
        assert written == {L.clause_word(c) for c in clauses}, family
