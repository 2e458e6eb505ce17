"""`kaoping import 考评表.xlsx`: an existing 考评表 workbook → a .scheme draft (an AST, printed by dsl/printer).

The table is read in the layout the published tables use: a header row with the columns 项目, 序号, 文件依据,
一级指标, 二级指标, 权重, 完成时限, 分管领导, 责任单位, 责任人, 备注 in any order (a two-row header, as printed,
is read too), category cells in 项目 merged down their rows ("职能工作目标（80分）", a second line for a
sub-category), ids like 1-1-1 in 序号, the level-1 points inside the 一级指标 text ("（4分）"), several owners
in one cell, and continuation rows where a merged or blank cell means "same as above". 小计/合计 rows are
checked against the rows above them and not imported.

Nothing is guessed silently: a number that is not exact (more than 10 decimals), a row without an id, a
duplicated id, weights that do not add up to the level-1 points or to a 小计 are each reported at their cell
(Sheet!F12) as a warning, and the draft is still written; a workbook that cannot be read or a header without
the columns needed is an error, and no draft is made. A table that adds up gives a draft that passes
`kaoping check`.
"""

from __future__ import annotations

import datetime
import io
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from kaoping.dsl import ast as A
from kaoping.dsl.deadlines import parse_deadline
from kaoping.dsl.parser import parse
from kaoping.dsl.printer import PrintError, print_scheme, same_tree
from kaoping.dsl.source import FileProblem, Source, Span, read_file
from kaoping.grammar import grammar_text

MAX_WORKBOOK_BYTES = 64 * 1024 * 1024
MAX_PLACES = 10  # decimals a weight may have; more means a float that is not the number meant
HEADER_ROWS = 40  # the header is looked for in the first rows of each sheet
NO_SPAN = Span(0, 0, 0, 0)

# column → its header as printed (and a few spellings tables use)
COLUMNS: dict[str, tuple[str, ...]] = {
    "category": ("项目",), "id": ("序号", "编号"), "basis": ("文件依据", "依据"), "level1": ("一级指标",),
    "level2": ("二级指标",), "weight": ("权重", "分值"), "deadline": ("完成时限", "时限"),
    "leader": ("分管领导", "分管"), "owner": ("责任单位",), "person": ("责任人",), "remark": ("备注",),
}
_HEADER_OF = {spelling: key for key, spellings in COLUMNS.items() for spelling in spellings}
REQUIRED = ("id", "weight")

_FULLWIDTH = str.maketrans("０１２３４５６７８９．－–—", "0123456789.---")
_ID = re.compile(r"[0-9]+(?:-[0-9]+)*")
_POINTS_IN_TEXT = re.compile(r"[（(]\s*([0-9０-９]+(?:[.．][0-9０-９]+)?)\s*分\s*[）)]")
_CATEGORY_POINTS = re.compile(r"^(.*?)[\s（(]*([0-9０-９]+(?:[.．][0-9０-９]+)?)\s*分\s*[）)]?\s*$", re.S)
_SEPARATORS = re.compile(r"[、，,；;\n]+")
_TOTAL = re.compile(r"(小计|合计)(?:[（(][^）)]*[）)])?[:：]?")
_DOCNO = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\d+号")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")


def _literal_deadline() -> re.Pattern:
    m = re.search(r"^DEADLINE(?:\.\d+)?:\s*/(.*)/\s*$", grammar_text(), re.M)
    return re.compile(m.group(1) if m else r"(?!)")


@attrs.frozen
class Problem:
    """One finding, located at a cell ("考评表!F12") or at the file."""

    code: str
    severity: str  # error / warning
    place: str
    message: str

    def line(self) -> str:
        return f"{self.place}: {'错误' if self.severity == 'error' else '警告'} [{self.code}] {self.message}"


@attrs.frozen
class Imported:
    scheme: A.Scheme | None  # None: no draft (the workbook could not be read)
    text: str | None  # the draft, printed
    problems: list[Problem]


class _Refused(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _clean(value: Any) -> str:
    """A cell's text with the spaces of printed tables taken out of headers and labels."""
    return re.sub(r"[\s\u3000]+", "", str(value)) if value is not None else ""


def _text(value: Any) -> str | None:
    """A cell's text as written (lines kept, outer spaces trimmed); None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip(" \t\n\u3000")
    return text or None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.translate(_FULLWIDTH))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class _Sheet:
    """One worksheet as a grid: merged cells read as their top-left value."""

    def __init__(self, ws, formulas):
        self.ws, self.title = ws, ws.title
        self.merged: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    self.merged[(row, col)] = (rng.min_row, rng.min_col)
        self.formulas = formulas
        self.max_row, self.max_col = ws.max_row or 0, ws.max_column or 0

    def value(self, row: int, col: int) -> Any:
        r, c = self.merged.get((row, col), (row, col))
        return self.ws.cell(row=r, column=c).value

    def is_formula(self, row: int, col: int) -> bool:
        if self.formulas is None:
            return False
        r, c = self.merged.get((row, col), (row, col))
        value = self.formulas.cell(row=r, column=c).value
        return isinstance(value, str) and value.startswith("=")

    def place(self, row: int, col: int | None = None) -> str:
        from openpyxl.utils import get_column_letter

        return f"{self.title}!{get_column_letter(col or 1)}{row}" if col else f"{self.title}!{row}:{row}"


def _header(sheet: _Sheet) -> tuple[int, dict[str, int]] | None:
    """The last header row and the column of each known header, or None when the sheet has none."""
    for row in range(1, min(sheet.max_row, HEADER_ROWS) + 1):
        names = {_HEADER_OF[_clean(sheet.value(row, c))]: c for c in range(1, sheet.max_col + 1)
                 if _clean(sheet.value(row, c)) in _HEADER_OF}
        if "id" not in names:
            continue
        last = row
        for other in (row - 1, row + 1):  # a printed header is often two rows (项目 and 完成时限 above 序号)
            if other < 1:
                continue
            more = {_HEADER_OF[_clean(sheet.value(other, c))]: c for c in range(1, sheet.max_col + 1)
                    if _clean(sheet.value(other, c)) in _HEADER_OF}
            if other > row and len(more) < 2:
                continue
            for key, col in more.items():
                if key not in names and col not in names.values():
                    names[key] = col
                    last = max(last, other)
        return last, names
    return None


@attrs.define
class _Row:
    row: int
    id: str
    category: tuple[tuple[str, Decimal | None], ...]
    level1: str | None
    level2: str | None
    weight: Decimal | None
    fields: dict[str, Any]  # leader / owner / person / basis: tuples; deadline: A.Deadline; remark: str
    remark_extra: str | None = None


class _Reader:
    def __init__(self, sheet: _Sheet, header_row: int, cols: dict[str, int]):
        self.sheet, self.header_row, self.cols = sheet, header_row, cols
        self.problems: list[Problem] = []
        self.literal = _literal_deadline()

    def warn(self, code: str, message: str, row: int, key: str | None = None) -> None:
        col = self.cols.get(key) if key else None
        self.problems.append(Problem(code, "warning", self.sheet.place(row, col), message))

    def cell(self, row: int, key: str) -> Any:
        col = self.cols.get(key)
        return self.sheet.value(row, col) if col else None

    def number(self, row: int, key: str, what: str) -> Decimal | None:
        """An exact decimal from a cell: a number cell through repr (never a float's binary value), a text
        cell as written (full-width digits, a trailing 分); None, with a warning, when it is not one."""
        value = self.cell(row, key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.cols.get(key) and self.sheet.is_formula(row, self.cols[key]):
                self.warn("W0704", f"{what}是公式，但工作簿中没有保存计算结果；请在 Excel/WPS 中打开并保存后再导入", row, key)
            return None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, (int, float)):
            number = _decimal(repr(value))
        else:
            text = _text(value) or ""
            number = _decimal(text.rstrip("分").strip())
        if number is None:
            self.warn("W0704", f"{what}“{_text(value)}”不是数字，未导入", row, key)
            return None
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_PLACES:
            self.warn("W0704", f"{what} {value!r} 超过 {MAX_PLACES} 位小数（浮点误差？），未导入；请在表中改为准确的数", row, key)
            return None
        if number < 0:
            self.warn("W0704", f"{what} {number} 是负数，未导入", row, key)
            return None
        return number

    def people(self, row: int, key: str) -> tuple[str, ...]:
        text = _text(self.cell(row, key))
        if text is None:
            return ()
        return tuple(p.strip(" \t\u3000") for p in _SEPARATORS.split(text) if p.strip(" \t\u3000"))

    def deadline(self, row: int) -> tuple[A.Deadline | None, str | None]:
        value = self.cell(row, "deadline")
        if isinstance(value, (datetime.datetime, datetime.date)):
            return A.Deadline(f"{value.year}-{value.month:02d}-{value.day:02d}", False), None
        text = _text(value)
        if text is None:
            return None, None
        text = text.translate(_FULLWIDTH) if re.fullmatch(r"[0-9０-９年月日份底前上中下旬内\-－]+", text) else text
        if isinstance(parse_deadline(text), str):
            self.warn("W0708", f"完成时限“{text}”不是可识别的时限，已写入备注", row, "deadline")
            return None, f"完成时限：{text}"
        return A.Deadline(text, not self.literal.fullmatch(text)), None

    def category(self, row: int, current: tuple) -> tuple:
        text = _text(self.cell(row, "category"))
        if text is None:
            return current
        levels: list[tuple[str, Decimal | None]] = []
        for part in text.split("\n"):
            part = part.strip(" \t\u3000")
            if not part:
                continue
            m = _CATEGORY_POINTS.match(part)
            name, points = (m.group(1).strip(" \t\u3000（("), _decimal(m.group(2))) if m else (part, None)
            if not name and levels and levels[-1][1] is None:  # "80分" on a line of its own
                levels[-1] = (levels[-1][0], points)
            elif name:
                levels.append((re.sub(r"\s+", "", name), points))
        return tuple(levels) or current

    def rows(self) -> list[_Row]:
        out: list[_Row] = []
        category: tuple = ()
        totals: list[tuple[str, int, Decimal | None, int]] = []  # (kind, row, value, index in out)
        for row in range(self.header_row + 1, self.sheet.max_row + 1):
            cells = [self.sheet.value(row, c) for c in range(1, self.sheet.max_col + 1)]
            if all(_text(v) is None for v in cells):
                continue
            cleaned = {_clean(v) for v in cells}
            if len(cleaned & set(_HEADER_OF)) >= 2:  # the header repeated on a new page
                continue
            label = next((_clean(self.cell(row, k)) for k in ("id", "basis", "level1", "level2")
                          if _TOTAL.fullmatch(_clean(self.cell(row, k)))), None)
            if label is not None:
                kind = "小计" if label.startswith("小计") else "合计"
                totals.append((kind, row, self.number(row, "weight", kind), len(out)))
                continue
            category = self.category(row, category)
            raw_id = _text(self.cell(row, "id"))
            ident = re.sub(r"\s+", "", raw_id.translate(_FULLWIDTH)) if raw_id else ""
            if not _ID.fullmatch(ident):
                what = f"序号“{raw_id}”不是 1-1-1 这样的编号" if raw_id else "这一行没有序号"
                self.warn("W0705", f"{what}，这一行未导入", row, "id")
                continue
            deadline, moved = self.deadline(row)
            fields: dict[str, Any] = {"leader": self.people(row, "leader"), "owner": self.people(row, "owner"),
                                      "person": self.people(row, "person")}
            basis = _text(self.cell(row, "basis"))
            fields["basis"] = tuple(b.strip() for b in basis.split("\n") if b.strip()) if basis else ()
            fields["deadline"] = deadline
            remark = _text(self.cell(row, "remark"))
            if moved:
                remark = f"{remark}；{moved}" if remark else moved
            remark, fields["assessor"] = _assessor(remark)
            fields["remark"] = remark
            out.append(_Row(row, ident, category, _text(self.cell(row, "level1")), _text(self.cell(row, "level2")),
                            self.number(row, "weight", "权重"), fields))
        self.check_totals(out, totals)
        return out

    def check_totals(self, rows: list[_Row], totals: list[tuple[str, int, Decimal | None, int]]) -> None:
        """小计 sums the rows since the last 小计 or 合计, 合计 those since the last 合计; a total with no row
        since the last one sums the whole table."""
        since = {"小计": 0, "合计": 0}
        for kind, row, value, index in totals:
            start = since[kind]
            if start == index:
                start = 0
            if value is not None:
                total = sum((r.weight for r in rows[start:index] if r.weight is not None), Decimal(0))
                if total != value:
                    first, last = (rows[start].id, rows[index - 1].id) if index > start else ("", "")
                    span = f"（{first} 至 {last}）" if first else ""
                    self.warn("W0702", f"{kind} {value} 与上方各行{span}的权重之和 {total} 不符", row, "weight")
            since["小计"] = index
            if kind == "合计":
                since["合计"] = index


def _attr(key: str, value: Any) -> A.Attr:
    return A.Attr(key, value, NO_SPAN)  # type: ignore[arg-type]  # the key is one of A.AttrKey


def _name(text: str) -> A.Name:
    return A.Name(text.replace("」", "』"), NO_SPAN)


_INHERITED = ("deadline", "leader", "owner", "person", "assessor", "basis")  # once on the level-1 row when all agree
_ASSESSOR = "考评主体："


def _assessor(remark: str | None) -> tuple[str | None, tuple[str, ...]]:
    """A 备注 line "考评主体：甲、乙" (as `kaoping export` writes 主体) → the 主体 attribute."""
    if not remark:
        return remark, ()
    lines = remark.split("\n")
    found = [line for line in lines if line.startswith(_ASSESSOR)]
    if not found:
        return remark, ()
    rest = "\n".join(line for line in lines if not line.startswith(_ASSESSOR)) or None
    return rest, tuple(p for p in re.split(r"[、，,]", found[0][len(_ASSESSOR):]) if p.strip())


def _field_attrs(fields: dict[str, Any], keys: tuple[str, ...]) -> list[A.Attr]:
    out = []
    for key in keys:
        value = fields.get(key)
        if value:
            out.append(_attr(key, value))
    return out


class _Builder:
    """Rows → categories, indicators and items, with the sums checked."""

    def __init__(self, reader: _Reader):
        self.reader = reader
        self.seen: dict[str, int] = {}

    def build(self, rows: list[_Row]) -> list[A.Category]:
        # rows grouped by category path, then by level-1 id, each in order of first appearance
        tree: dict[tuple, dict[str, list[_Row]]] = {}
        points: dict[tuple, tuple[Decimal | None, int]] = {}
        for r in rows:
            if r.id in self.seen:
                self.reader.warn("W0706", f"序号 {r.id} 与第 {self.seen[r.id]} 行重复，这一行未导入", r.row, "id")
                continue
            self.seen[r.id] = r.row
            path = r.category or (("考评指标", None),)
            for depth in range(1, len(path) + 1):
                key = tuple(name for name, _ in path[:depth])
                declared = path[depth - 1][1]
                if key not in points or (points[key][0] is None and declared is not None):
                    points[key] = (declared, r.row)
                elif declared is not None and points[key][0] != declared:
                    self.reader.warn("W0707", f"类别“{key[-1]}”标注 {declared} 分，与第 {points[key][1]} 行标注的 "
                                     f"{points[key][0]} 分不同，按后者", r.row, "category")
                tree.setdefault(key, {})
            parts = r.id.split("-")
            level1 = "-".join(parts[:2]) if len(parts) == 3 else r.id
            tree[tuple(name for name, _ in path)].setdefault(level1, []).append(r)
        return self.categories(tree, points)

    def categories(self, tree: dict[tuple, dict[str, list[_Row]]], points: dict) -> list[A.Category]:
        made: dict[tuple, list] = {key: [] for key in tree}
        for key in sorted(tree, key=len, reverse=True):  # the deepest first, so each parent gets its children
            children = [self.indicator(level1, rows) for level1, rows in tree[key].items()] + made[key]
            declared, row = points[key]
            attrs_ = [_attr("full", declared)] if declared is not None else []
            node = A.Category(_name(key[-1]), None, tuple(attrs_), tuple(children), NO_SPAN, NO_SPAN)
            if declared is not None:
                total = sum((_points(c) or Decimal(0) for c in children), Decimal(0))
                if total != declared:
                    self.reader.warn("W0703", f"类别“{key[-1]}”标注 {declared} 分，其下合计 {total} 分", row, "category")
            if len(key) > 1:
                made[key[:-1]].append(node)
            made[key] = [node]
        order = list(tree)  # categories in order of first appearance; subcategories after the parent's indicators
        return [made[key][0] for key in order if len(key) == 1]

    def indicator(self, level1: str, rows: list[_Row]) -> A.Indicator | A.Item:
        first = rows[0]
        text = first.level1
        for r in rows[1:]:
            if r.level1 is not None and r.level1 != text:
                if text is None:
                    text = r.level1
                else:
                    self.reader.warn("W0707", f"{level1} 各行的一级指标文字不同，按第 {first.row} 行", r.row, "level1")
        m = list(_POINTS_IN_TEXT.finditer(text or ""))
        declared = _decimal(m[-1].group(1)) if m else None
        if len(rows) == 1 and first.id == level1 and (first.level1 is None or first.level2 is None):
            text = first.level1 or first.level2
            # a level-1 row without level 2: 4-1 "…" 权重 1 (or 指标 9 "…" 分值 1 for a one-number id)
            attrs_ = _field_attrs(first.fields, _INHERITED)
            weight = first.weight if first.weight is not None else declared
            if weight is not None:
                attrs_.insert(0, _attr("weight" if "-" in level1 else "points", weight))
            attrs_ += _field_attrs(first.fields, ("remark",))
            if "-" in level1:
                return A.Item(level1, text, tuple(attrs_), NO_SPAN, NO_SPAN)
            return A.Indicator(level1, text, tuple(attrs_), None, NO_SPAN, NO_SPAN)
        shared = [k for k in _INHERITED if all(r.fields.get(k) == first.fields.get(k) for r in rows)]
        items = []
        for r in rows:
            ident, printed = r.id, None
            if ident == level1:  # one row that holds both levels (1-14 with a 二级指标 text)
                ident, printed = f"{level1}-1", level1
            attrs_ = [_attr("weight", r.weight)] if r.weight is not None else []
            attrs_ += _field_attrs(r.fields, tuple(k for k in _INHERITED if k not in shared))
            attrs_ += _field_attrs(r.fields, ("remark",))
            if printed is not None:
                attrs_.append(_attr("printed_id", printed))
            items.append(A.Item(ident, r.level2, tuple(attrs_), NO_SPAN, NO_SPAN))
        attrs_ = ([_attr("points", declared)] if declared is not None else []) + _field_attrs(first.fields, tuple(shared))
        total = sum((r.weight for r in rows if r.weight is not None), Decimal(0))
        if declared is not None and total != declared:
            self.reader.warn("W0701", f"一级指标 {level1} 标注 {declared} 分，其下二级指标权重合计 {total} 分",
                             first.row, "level1")
        if not any(r.level1 for r in rows):
            self.reader.warn("W0705", f"一级指标 {level1} 没有文字（一级指标栏为空）", first.row, "level1")
        return A.Indicator(level1, text, tuple(attrs_), tuple(items), NO_SPAN, NO_SPAN)


def _points(node: Any) -> Decimal | None:
    for a in node.attrs:
        if a.key in ("full", "points", "weight"):
            return a.value
    if isinstance(node, A.Indicator) and node.items:
        return sum((_points(i) or Decimal(0) for i in node.items), Decimal(0))
    if isinstance(node, A.Category):
        return sum((_points(c) or Decimal(0) for c in node.children), Decimal(0))
    return None


def _title(sheet: _Sheet, header_row: int, fallback: str) -> tuple[str, str | None]:
    """The table's title (and 文号) from the rows above the header, else the file's name."""
    above = [t for row in range(1, header_row) for c in range(1, sheet.max_col + 1)
             if (t := _text(sheet.ws.cell(row=row, column=c).value))]
    above = [t for t in above if _clean(t) not in _HEADER_OF and _clean(t) not in ("目标内容", "责任分解")]
    docno = next((m.group() for t in above for m in [_DOCNO.search(t)] if m), None)
    titles = [re.sub(r"[（(]\s*[）)]", "", _DOCNO.sub("", t)).strip(" \t\n\u3000：:") for t in above]
    title = next((t for t in titles if t), fallback)
    return " ".join(title.split()), docno


def read_workbook(path: str | os.PathLike) -> Imported:
    """Import one workbook: the AST, the draft's text and every problem found."""
    name = Path(path).name
    try:
        data = read_file(path, MAX_WORKBOOK_BYTES)
    except FileProblem as p:
        return Imported(None, None, [Problem("E0701", "error", name, f"无法读取工作簿：{p.message}")])
    try:
        from openpyxl import load_workbook
    except ImportError:
        return Imported(None, None, [Problem("E0701", "error", name, "读取 Excel 需要 openpyxl：pip install \"kaoping[xlsx]\"")])
    try:
        values = load_workbook(io.BytesIO(data), data_only=True, read_only=False)
        formulas = load_workbook(io.BytesIO(data), data_only=False, read_only=False)
    except Exception as err:  # openpyxl raises many kinds for a file that is not a workbook
        return Imported(None, None, [Problem("E0701", "error", name,
                                             f"不是可读取的 Excel 工作簿（.xlsx）：{type(err).__name__}")])
    found = None
    for ws in values.worksheets:
        sheet = _Sheet(ws, formulas[ws.title] if ws.title in formulas.sheetnames else None)
        header = _header(sheet)
        if header is not None:
            found = (sheet, header)
            break
    if found is None:
        return Imported(None, None, [Problem("E0702", "error", name,
                                             "找不到表头：没有一行含“序号”（考评表的表头是 项目、序号、文件依据、一级指标、"
                                             "二级指标、权重、完成时限、分管领导、责任单位、责任人、备注）")])
    sheet, (header_row, cols) = found
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in cols]
    if "level1" not in cols and "level2" not in cols:
        missing.append("一级指标 或 二级指标")
    if missing:
        return Imported(None, None, [Problem("E0702", "error", sheet.place(header_row),
                                             f"表头缺少必需的列：{'、'.join(missing)}")])
    reader = _Reader(sheet, header_row, cols)
    rows = reader.rows()
    body = _Builder(reader).build(rows)
    title, docno = _title(sheet, header_row, Path(path).stem)
    year_match = _YEAR.search(title)
    meta = (A.Meta("docno", docno, NO_SPAN),) if docno else ()
    tree = A.Scheme("scheme", title, int(year_match.group(1)) if year_match else None, None, None, meta,
                    tuple(body), NO_SPAN)
    for quote in (False, True):
        try:
            text = print_scheme(tree, quote_keywords=quote)
        except PrintError as err:
            return Imported(None, None, reader.problems + [Problem("E0703", "error", name, f"无法写出草稿：{err}")])
        again, _ = parse(Source(name, text))
        if again is not None and same_tree(again, tree):
            return Imported(tree, text, reader.problems)
    return Imported(None, None, reader.problems + [Problem("E0703", "error", name, "无法写出与表格一致的草稿（导入程序的缺陷）")])
