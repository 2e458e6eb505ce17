"""Results files (JSON, CSV) → one plain structure, with every problem located.

JSON: {"units": [{"name": "…", "class": "…", "values": {"1-1-1": "一档", "公众评议": "88.5", …}}]}
(a single unit object without "units" is accepted too). Numbers are read as exact decimals.
CSV and Excel (.xlsx): a table, one value per row (单位,类别,编号,值) or one unit per row (单位,类别, then a
column per key); see read_rows. Each problem says where it is: file:line (CSV), file!Sheet!B3 (Excel)
or the JSON path.
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
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
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
    rows = list(csv.reader(io.StringIO(text)))
    return read_rows(rows, lambda r, c: f"{name}:{r + 1}", "CSV")


def read_xlsx(path: str | Path) -> tuple[list[UnitResults], list[ReadProblem]]:
    """The first worksheet of an Excel workbook, in either layout (see read_rows); places are
    file!Sheet!B3. Number cells are read as the shortest decimal that gives back Excel's value
    (what Excel shows); a number typed as text is read exactly."""
    try:
        import openpyxl
    except ImportError:
        return [], [ReadProblem("V0001", "读取 xlsx 需要 openpyxl：pip install \"kaoping[xlsx]\"", str(path))]
    from openpyxl.utils import get_column_letter

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged or foreign file
        return [], [ReadProblem("V0001", f"无法读取 Excel 文件：{err}", str(path))]
    sheet = book.worksheets[0]
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return read_rows(rows, lambda r, c: f"{path}!{sheet.title}!{get_column_letter(c + 1)}{r + 1}", "Excel")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f") if value == value else ""
    return str(value)


def read_rows(rows: list[list[str]], place_of, what: str) -> tuple[list[UnitResults], list[ReadProblem]]:
    """A table of results, in one of two layouts told apart by the header row:

    long — columns 单位,类别,编号,值 (unit,class,key,value), optional 晋档: one value per row;
    wide — columns 单位,[类别], then one column per key (编号 or name): one unit per row; a column
    “1-1-1.晋档” gives that item's promotion. Empty cells are values not given. Panel marks: "90;88;92".
    """
    rows = [[c.strip() for c in row] for row in rows]
    if not rows or not any(rows[0]):
        return [], [ReadProblem("V0002", f"{what} 表是空的", place_of(0, 0))]
    header = rows[0]
    roles = [_CSV_COLUMNS.get(h) for h in header]
    if "unit" not in roles:
        return [], [ReadProblem("V0002", f"{what} 表缺少“单位”列（应为 单位,类别,编号,值，或 单位,类别,各编号…）",
                                place_of(0, 0))]
    long = "key" in roles and "value" in roles
    order: list[str] = []
    data: dict = {}
    problems = []

    def put(unit, key, value, where, promote=""):
        entry = data[unit]
        if key in entry["values"]:
            problems.append(ReadProblem("V0003", f"{unit} 的 {key} 填写了两次（第一次在 {entry['places'][key]}）", where))
            return
        parsed: object = value
        if ";" in value or "；" in value:
            parsed = [v.strip() for v in value.replace("；", ";").split(";") if v.strip()]
        elif value.lower() in ("true", "false"):
            parsed = value.lower() == "true"
        if promote:
            parsed = {"档次": value, "晋档": promote}
        entry["values"][key] = parsed
        entry["places"][key] = where

    for r, row in enumerate(rows[1:], start=1):
        if not any(row):
            continue
        cells = {role: (row[i] if i < len(row) else "") for i, role in enumerate(roles) if role}
        unit = cells.get("unit", "")
        if not unit:
            problems.append(ReadProblem("V0002", "这一行缺少单位", place_of(r, 0)))
            continue
        if unit not in data:
            order.append(unit)
            data[unit] = {"class": cells.get("class") or None, "values": {}, "places": {}, "place": place_of(r, 0)}
        if long:
            key_col = roles.index("key")
            if not cells.get("key"):
                problems.append(ReadProblem("V0002", "这一行缺少编号", place_of(r, key_col)))
                continue
            put(unit, cells["key"], cells.get("value", ""), place_of(r, roles.index("value")), cells.get("promote", ""))
            continue
        for c, key in enumerate(header):
            if roles[c] or not key or key.endswith(".晋档") or c >= len(row) or not row[c]:
                continue
            promote_col = f"{key}.晋档"
            promote = row[header.index(promote_col)] if promote_col in header and header.index(promote_col) < len(row) \
                else ""
            put(unit, key, row[c], place_of(r, c), promote)
    units = [UnitResults(u, data[u]["class"], data[u]["values"], data[u]["places"], data[u]["place"]) for u in order]
    return units, problems
