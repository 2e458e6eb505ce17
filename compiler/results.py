"""Results files (JSON, CSV) → one plain structure, with every problem located.

JSON: {"units": [{"name": "…", "class": "…", "values": {"1-1-1": "一档", "公众评议": "88.5", …}}]}
(a single unit object without "units" is accepted too). Numbers are read as exact decimals.
CSV: columns 单位,类别,编号,值 (or unit,class,key,value), optional 晋档 (promote); a list of
panel marks is written "90;88;92". Each problem says where it is: file:line (CSV) or the JSON path.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import attrs


@attrs.frozen
class UnitResults:
    name: str
    unit_class: str | None
    values: dict  # key → raw value (Decimal, str, bool, list, dict)
    places: dict  # key → where it was written ("file:line" or a JSON path)
    place: str  # where the unit starts


@attrs.frozen
class ReadProblem:
    code: str
    message: str
    place: str


_CSV_COLUMNS = {"单位": "unit", "unit": "unit", "类别": "class", "单位类别": "class", "class": "class",
                "编号": "key", "项目": "key", "key": "key", "值": "value", "value": "value", "晋档": "promote",
                "promote": "promote"}


def read_results(path: str | Path) -> tuple[list[UnitResults], list[ReadProblem]]:
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        return [], [ReadProblem("V0001", f"无法读取结果文件：{err.strerror or err}", name)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [ReadProblem("V0001", "结果文件不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8", name)]
    if path.suffix.lower() == ".csv":
        return read_csv(text, name)
    return read_json(text, name)


def read_json(text: str, name: str = "<json>") -> tuple[list[UnitResults], list[ReadProblem]]:
    try:
        doc = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as err:
        return [], [ReadProblem("V0002", f"JSON 格式错误：{err.msg}", f"{name}:{err.lineno}:{err.colno}")]
    units_doc = doc.get("units") if isinstance(doc, dict) and "units" in doc else [doc]
    if not isinstance(units_doc, list):
        return [], [ReadProblem("V0002", "“units”应为列表", f"{name}:units")]
    units, problems = [], []
    for i, u in enumerate(units_doc):
        where = f"{name}:units[{i}]"
        if not isinstance(u, dict) or not isinstance(u.get("values", {}), dict):
            problems.append(ReadProblem("V0002", "每个单位应为含 name 与 values 的对象", where))
            continue
        unit_name = u.get("name")
        if not isinstance(unit_name, str) or not unit_name:
            problems.append(ReadProblem("V0002", "单位缺少名称（name）", where))
            unit_name = f"（第 {i + 1} 个单位）"
        values = u.get("values", {})
        cls = u.get("class")
        if cls is not None and not isinstance(cls, str):
            problems.append(ReadProblem("V0002", "单位类别（class）应为文字", f"{where}.class"))
            cls = None
        units.append(UnitResults(unit_name, cls, dict(values),
                                 {k: f"{where}.values[{k!r}]" for k in values}, where))
    return units, problems


def read_csv(text: str, name: str = "<csv>") -> tuple[list[UnitResults], list[ReadProblem]]:
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        return [], [ReadProblem("V0002", "CSV 文件是空的", name)]
    header = [_CSV_COLUMNS.get(h.strip()) for h in rows[0]]
    missing = {"unit", "key", "value"} - set(header)
    if missing:
        return [], [ReadProblem("V0002", "CSV 缺少列：" + "、".join(sorted(missing)) + "（应为 单位,类别,编号,值）",
                                f"{name}:1")]
    order: list[str] = []
    data: dict = {}
    problems = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header) if h}
        unit, key, value = cells.get("unit", ""), cells.get("key", ""), cells.get("value", "")
        where = f"{name}:{line}"
        if not unit or not key:
            problems.append(ReadProblem("V0002", "这一行缺少单位或编号", where))
            continue
        if unit not in data:
            order.append(unit)
            data[unit] = {"class": cells.get("class") or None, "values": {}, "places": {}, "place": where}
        entry = data[unit]
        if key in entry["values"]:
            problems.append(ReadProblem("V0003", f"{unit} 的 {key} 填写了两次（第一次在 {entry['places'][key]}）", where))
            continue
        parsed: object = value
        if ";" in value or "；" in value:
            parsed = [v.strip() for v in value.replace("；", ";").split(";") if v.strip()]
        elif value.lower() in ("true", "false"):
            parsed = value.lower() == "true"
        if cells.get("promote"):
            parsed = {"档次": value, "晋档": cells["promote"]}
        entry["values"][key] = parsed
        entry["places"][key] = where
    units = [UnitResults(u, data[u]["class"], data[u]["values"], data[u]["places"], data[u]["place"]) for u in order]
    return units, problems
