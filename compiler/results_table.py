"""Results as tables (CSV, and each worksheet of an Excel workbook), in one of two layouts told apart
by the header row:

long — columns 单位,类别,编号,值 (unit,class,key,value), optional 晋档: one value per row;
wide — columns 单位,[类别], then one column per key (编号 or name): one unit per row; a column
“1-1-1.晋档” gives that item's promotion. Empty cells are values not given. Panel marks: "90;88;92".

Every cell is either read as written or refused at its place: a cell with no header, a class that
differs from the unit's class on an earlier row, a unit or key given twice, an over-long cell or
number. A cell may also arrive already refused (a `Refused` from the Excel reader: a formula without
a cached value, an error value, a merged range, a date); it is reported here, at its place.
"""

from __future__ import annotations

import csv
import io

import attrs

from .unit_results import ReadProblem, UnitResults, errors, number_problem, shared, text_problem

MAX_CELL_CHARS = 131_072  # the csv module's default field limit; longer cells are refused, located

COLUMNS = {"单位": "unit", "unit": "unit", "类别": "class", "单位类别": "class", "class": "class",
           "编号": "key", "项目": "key", "key": "key", "值": "value", "value": "value", "晋档": "promote",
           "promote": "promote"}


@attrs.frozen
class Refused:
    """A cell that cannot be handed on as a value: its code and Chinese message."""

    code: str
    message: str


def read_csv(text: str, name: str = "<csv>") -> tuple[list[UnitResults], list[ReadProblem]]:
    """CSV text (any of LF, CRLF or CR-only line ends); places are file:line (the line a row starts on)."""
    rows, lines = [], []
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, len(text) + 1))  # an over-long cell is refused below, located
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        start = 1
        for row in reader:
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:  # e.g. a NUL byte; the rows before it are still read
        return [], [ReadProblem("V0002", f"CSV 格式错误：{err}", f"{name}:{reader.line_num}")]
    finally:
        csv.field_size_limit(old_limit)
    table = Table()
    places = [f"{name}:{line}" for line in lines]  # one string per row, shared by the row's cells
    if not table.add(rows, lambda r, c: places[r], "CSV"):
        table.problems.append(ReadProblem("V0002", "CSV 表缺少“单位”列（应为 单位,类别,编号,值，或 单位,类别,各编号…）",
                                          f"{name}:{lines[0] if lines else 1}"))
    return table.finish(f"{name}:1")


def _strip(cell):
    return cell.strip() if isinstance(cell, str) else cell


def _empty(cell) -> bool:
    return cell is None or cell == ""


class Table:
    """Units collected from one or more tables (a CSV file, or every sheet of a workbook)."""

    def __init__(self):
        self.order: list[str] = []
        self.data: dict = {}
        self.problems: list[ReadProblem] = []
        self.wide_rows: dict = {}  # unit → place of its row in a wide table (a unit has one row there)
        self.column: dict[str, int] = {}
        self.good: set[str] = set()  # cell texts already read without a problem: each is checked once

    def problem(self, code, message, place):
        self.problems.append(ReadProblem(code, message, place))

    def add(self, rows: list[list], place_of, what: str) -> bool:
        """Read one table; False (nothing read) when its first non-empty row has no 单位 column."""
        rows = [[_strip(c) for c in row] for row in rows]
        first = next((i for i, row in enumerate(rows) if any(not _empty(c) for c in row)), None)
        if first is None:
            return True  # empty: no units here (finish() says so when no table has any)
        header = [c if isinstance(c, str) else "" for c in rows[first]]
        roles = [COLUMNS.get(h) for h in header]
        if "unit" not in roles:
            return False
        for c, cell in enumerate(rows[first]):
            if isinstance(cell, Refused):
                self.problem(cell.code, cell.message, place_of(first, c))
        long = "key" in roles and "value" in roles
        self.header_problems(header, roles, long, first, place_of)
        self.column = {}  # a column's name → its first position (the header is not scanned for each cell)
        for c, h in enumerate(header):
            self.column.setdefault(h, c)
        for r in range(first + 1, len(rows)):
            row = rows[r]
            if all(_empty(c) for c in row):
                continue
            self.row(row, r, header, roles, long, place_of)
        return True

    def header_problems(self, header, roles, long, r, place_of):
        seen = {}
        for c, h in enumerate(header):
            if not h:
                continue
            if h in seen:
                self.problem("V0003", f"列名“{h}”出现了两次（第一次在 {place_of(r, seen[h])}）", place_of(r, c))
            seen.setdefault(h, c)
            why = text_problem(h, name=True)
            if why:
                self.problem("V0022", why, place_of(r, c))
            if not long and not roles[c] and h.endswith(".晋档") and h[:-3] not in header:
                self.problem("V0014", f"“{h}”一列没有对应的“{h[:-3]}”列", place_of(r, c))

    def row(self, row, r, header, roles, long, place_of):
        cells = {}
        for c, cell in enumerate(row):
            if _empty(cell):
                continue
            if c >= len(header) or not header[c]:
                self.problem("V0014", "这一格没有列名（表头中这一列是空的），请补上列名或删去这一格", place_of(r, c))
                continue
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                self.problem("V0012", f"这一格有 {len(cell)} 个字符，超过 {MAX_CELL_CHARS} 个", place_of(r, c))
                cell = row[c] = Refused("", "")  # reported: refused below without a second problem
            if roles[c]:
                cells[roles[c]] = (c, cell)
        unit = self.name_cell(cells.get("unit"), r, place_of, "这一行缺少单位")
        if unit is None:
            return
        cls = self.name_cell(cells.get("class"), r, place_of, "")
        if unit not in self.data:
            self.order.append(unit)
            self.data[unit] = {"class": cls, "class_place": place_of(r, cells["class"][0]) if cls else None,
                               "values": {}, "places": {}, "refused": {}, "place": place_of(r, cells["unit"][0])}
        elif not long and unit in self.wide_rows:
            self.problem("V0003", f"单位“{unit}”有两行（第一行在 {self.wide_rows[unit]}），每个单位只写一行",
                         place_of(r, cells["unit"][0]))
            return
        entry = self.data[unit]
        if cls is not None:
            if entry["class"] is None:
                entry["class"], entry["class_place"] = cls, place_of(r, cells["class"][0])
            elif entry["class"] != cls:
                self.problem("V0015", f"单位“{unit}”的类别是“{cls}”，与 {entry['class_place']} 的“{entry['class']}”不一致",
                             place_of(r, cells["class"][0]))
        if long:
            key = self.name_cell(cells.get("key"), r, place_of, "这一行缺少编号", column=roles.index("key"))
            if key is None:
                return
            c, value = cells.get("value", (roles.index("value"), ""))
            promote = cells.get("promote", (None, ""))[1]
            self.put(unit, key, value, place_of(r, c), promote, place_of)
            return
        self.wide_rows[unit] = place_of(r, cells["unit"][0])
        for c, key in enumerate(header):
            if roles[c] or not key or key.endswith(".晋档") or c >= len(row):
                continue
            promote_col = f"{key}.晋档"
            pc = self.column.get(promote_col)
            promote = row[pc] if pc is not None and pc < len(row) else ""
            if _empty(row[c]):
                if not _empty(promote):
                    self.problem("V0002", f"填了“{promote_col}”却没有填“{key}”的档次", place_of(r, pc))
                continue
            self.put(unit, key, row[c], place_of(r, c), promote, place_of)

    def name_cell(self, found, r, place_of, missing: str, column: int = 0) -> str | None:
        """A unit, class or key cell as text; None (with a problem when `missing` says so) otherwise."""
        if found is None:
            if missing:
                self.problem("V0002", missing, place_of(r, column))
            return None
        c, cell = found
        if isinstance(cell, Refused):
            if cell.code:
                self.problem(cell.code, cell.message, place_of(r, c))
            return None
        text = cell if isinstance(cell, str) else str(cell)
        why = text_problem(text, name=True)
        if why:
            self.problem("V0022", why, place_of(r, c))
            return None
        return text

    def put(self, unit, key, value, where, promote, place_of):
        entry = self.data[unit]
        if key in entry["values"] or key in entry["refused"]:
            first = entry["places"].get(key) or entry["refused"][key]
            self.problem("V0003", f"{unit} 的 {key} 填写了两次（第一次在 {first}）", where)
            return
        parsed = self.value(value, where)
        if parsed is not None and not _empty(promote):
            promoted = self.value(promote, where)
            parsed = None if promoted is None else {"档次": parsed, "晋档": promoted}
        if parsed is None:
            entry["refused"][key] = where
            return
        entry["values"][key] = shared(parsed)
        entry["places"][key] = where

    def value(self, cell, where):
        """The value of a cell as handed on, or None when it is refused (its problem reported)."""
        if isinstance(cell, Refused):
            if cell.code:
                self.problem(cell.code, cell.message, where)
            return None
        if not isinstance(cell, str):
            return cell  # a bool from Excel
        if cell in self.good:
            return cell
        listed = ";" in cell or "；" in cell
        parts = [v.strip() for v in cell.replace("；", ";").split(";") if v.strip()] if listed else [cell]
        for part in parts:
            why = text_problem(part) or number_problem(part)
            if why:
                self.problem("V0022" if text_problem(part) else "V0012", why, where)
                return None
        if listed:
            return parts
        if cell.lower() in ("true", "false"):
            return cell.lower() == "true"
        if len(self.good) < 100_000:
            self.good.add(cell)
        return cell

    def finish(self, file_place: str) -> tuple[list[UnitResults], list[ReadProblem]]:
        units = [UnitResults(u, d["class"], d["values"], d["places"], d["place"], d["refused"])
                 for u, d in ((u, self.data[u]) for u in self.order)]
        if not units and not errors(self.problems):
            self.problem("V0021", "表中没有单位（只有表头或什么都没有）", file_place)
        return units, self.problems
