"""Results files (JSON, CSV, Excel) → one plain structure, with every problem located.

JSON: {"units": [{"name": "…", "class": "…", "values": {"1-1-1": "一档", "公众评议": "88.5", …}}]}
(a single unit object without "units" is accepted too); see results_json. CSV and Excel (.xlsx): a
table, one value per row (单位,类别,编号,值) or one unit per row (单位,类别, then a column per key); see
results_table and results_xlsx. Each problem says where it is: file:line (CSV), file!Sheet!B3 (Excel)
or the JSON path. All problems of a file come in one pass; a value that cannot be handed on exactly
is refused at its place (never guessed), and the scoring core decides what the values mean.
"""

from __future__ import annotations

import os
from pathlib import Path

from kaoping.dsl.source import DecodeProblem, FileProblem, decode, read_file

from .results_json import read_json
from .results_table import read_csv
from .results_xlsx import read_xlsx
from .unit_results import NOTE, ReadProblem, UnitResults, errors

__all__ = ["UnitResults", "ReadProblem", "read_results", "read_json", "read_csv", "read_xlsx", "missing_units",
           "scheme_units", "unreported", "errors", "MAX_RESULTS_BYTES"]

MAX_RESULTS_BYTES = 512 * 1024 * 1024  # a results file; larger files are refused before they are read


def read_results(path: str | os.PathLike) -> tuple[list[UnitResults], list[ReadProblem]]:
    path = Path(path)
    name = str(path)
    try:
        data = read_file(path, MAX_RESULTS_BYTES)
    except FileProblem as p:
        return [], [ReadProblem("V0001", f"无法读取结果文件：{p.message}", name)]
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, data)
    try:
        text = decode(data, line_ends=False)
    except DecodeProblem as p:
        return [], [ReadProblem("V0001", f"结果文件{p.message.removeprefix('文件')}", f"{name}:{p.line}:{p.column}")]
    if path.suffix.lower() == ".csv":
        return read_csv(text, name)
    return read_json(text, name)


def missing_units(scheme_units, units: list[UnitResults]) -> list[ReadProblem]:
    """A note (V0011) for every unit the scheme names that the results lack. `scheme_units` is a
    mapping unit name → where the scheme names it (or an iterable of names)."""
    places = scheme_units if isinstance(scheme_units, dict) else dict.fromkeys(scheme_units, "")
    given = {u.name for u in units}
    return [ReadProblem("V0011", f"方案中有单位“{name}”，结果中却没有它（不会为它评分）", place, NOTE)
            for name, place in places.items() if name not in given]


def scheme_units(scheme) -> dict:
    """The units a scheme names in its 单位 blocks → where (file:line)."""
    out: dict[str, str] = {}
    for node in scheme.unit_blocks:
        out.setdefault(node.unit, f"{node.place.source}:{node.place.span.line}")
    for name in scheme.unit_block_classes:
        out.setdefault(name, scheme.source)
    return out


def unreported(scores: list[dict], units: list[UnitResults]) -> list[dict]:
    """The scoring core's problems (score_units) except those about a value the reader refused: its
    problem is already reported, at its place."""
    refused = {u.name: u.refused for u in units}
    return [p for s in scores for p in s["problems"] if not (p.get("key") and p["key"] in refused.get(s["unit"], {}))]
