"""`kaoping export`: the 考评表 as an Excel workbook (openpyxl), printed the way the documents are.

The layout comes from table_layout (the model is the only input). 小计 and 合计 are live formulas,
=SUM(F5:F12,F14), over the 权重 cells; numbers are written so that they read back exactly (an
integer, or the float whose shortest decimal is the weight as written). The sheet is set for
printing: A4 landscape, one page wide, header rows repeated on every page, widths for Chinese text,
a title row with the title and 文号.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

from wcwidth import wcswidth

from kaoping.dsl.model import Scheme
from kaoping.dsl.source import visible

from .table_layout import COLUMNS, Line, Table, layout

FIRST_ROW = 5  # rows 1–2: title and 文号; rows 3–4: the two header rows
SHEET = "考评表"
WIDTHS = {"项目": 12, "序号": 8, "文件依据": 22, "一级指标": 28, "二级指标": 40, "权重": 6, "完成时限": 9,
          "分管领导": 9, "责任单位": 13, "责任人": 9, "备注": 18}
FONT = "宋体"
GROUPS = (("目标内容", "序号", "权重"), ("责任分解", "分管领导", "责任人"))  # the first header row's spans


class ExportError(Exception):
    """A workbook that cannot be written (a Chinese message)."""


def excel_number(value: Decimal) -> int | float:
    """The number to store for an exact decimal: an int, or a float whose shortest decimal is the value
    (what Excel shows and what the results readers read back). Anything else is refused, not rounded."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise ExportError(f"数值 {value} 不能在 Excel 中精确保存（超过 15 位有效数字）")
    return as_float


def sum_formula(table: Table, sums, column: str) -> str | int | float:
    """=SUM(F5:F12,F14,5) over line indexes (their rows) and constants; a constant alone stays a number."""
    rows = sorted(FIRST_ROW + part for part in sums if not isinstance(part, Decimal))
    constants = [part for part in sums if isinstance(part, Decimal)]
    if not rows:
        return excel_number(sum(constants, Decimal(0)))
    args, start = [], rows[0]
    for prev, row in zip(rows, rows[1:] + [None]):
        if row != prev + 1:
            args.append(f"{column}{start}" if start == prev else f"{column}{start}:{column}{prev}")
            start = row
    args += [format(c.normalize(), "f") for c in constants]
    return f"=SUM({','.join(args)})"


def _lines(text: str, width: int) -> int:
    """Lines a wrapped text needs in a column of this width (a Chinese character is two units)."""
    return sum(max(1, math.ceil(max(wcswidth(part), len(part)) / max(width - 1, 1))) for part in text.split("\n"))


def _heights(table: Table) -> list[float]:
    """Row heights (points) that show wrapped Chinese text: each row fits its own cells, and the rows
    under a merged cell share what that cell needs."""
    merged = {(s.first, s.first_col): s for s in table.spans if s.last > s.first}
    covered = {(r, s.first_col) for s in merged.values() for r in range(s.first, s.last + 1)}
    lines = []
    for i, line in enumerate(table.lines):
        need = 1
        for name, text in line.cells.items():
            if text and (i, table.column(name)) not in covered:
                need = max(need, _lines(text, WIDTHS[name]))
        lines.append(need)
    for (first, col), span in merged.items():
        if col < table.depth:
            continue  # category labels are short; they centre in their rows
        line = table.lines[first]
        name = table.headers[col]
        need = _lines(line.cells.get(name, ""), WIDTHS[name])
        rows = range(span.first, span.last + 1)
        short = need - sum(lines[r] for r in rows)
        for k, r in enumerate(rows):
            lines[r] += max(0, short) // len(rows) + (1 if k < max(0, short) % len(rows) else 0)
    return [min(409.0, 14.5 * n + 4) for n in lines]


def write_table(table: Table, path: str | Path) -> None:
    """Write the table to an .xlsx file; ExportError (a Chinese message) when it cannot be written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    headers = table.headers
    ncols = len(headers)
    letter = {name: get_column_letter(table.column(name) + 1) for name in COLUMNS}
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centre = Alignment(wrap_text=True, vertical="center", horizontal="center")
    bold = Font(name=FONT, bold=True)
    plain = Font(name=FONT)
    shaded = PatternFill("solid", fgColor="E7E6E6")
    last = get_column_letter(ncols)

    ws.append([visible(table.title, newline=True)])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name=FONT, bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.append([visible(table.subtitle, newline=True)])
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].font = plain
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center")

    first_header: list[str] = []
    for name in headers:
        group = next((g for g, a, b in GROUPS if COLUMNS.index(a) <= COLUMNS.index(name) <= COLUMNS.index(b)), None) \
            if name in COLUMNS else None
        first_header.append(group or name)
    ws.append(first_header)
    ws.append(list(headers))
    c = 0
    while c < ncols:  # equal neighbours in the first header row share one cell; alone, they span both rows
        end = c
        while end + 1 < ncols and first_header[end + 1] == first_header[c]:
            end += 1
        if first_header[c] in (g for g, _, _ in GROUPS):
            ws.merge_cells(start_row=3, start_column=c + 1, end_row=3, end_column=end + 1)
        else:
            ws.merge_cells(start_row=3, start_column=c + 1, end_row=4, end_column=end + 1)
        c = end + 1
    for row in (3, 4):
        for col in range(1, ncols + 1):
            cell = ws.cell(row, col)
            cell.font, cell.alignment, cell.border, cell.fill = bold, centre, border, shaded

    for i, line in enumerate(table.lines):
        _write_line(ws, table, line, FIRST_ROW + i, letter["权重"])
        for col in range(1, ncols + 1):
            cell = ws.cell(FIRST_ROW + i, col)
            cell.border = border
            cell.font = bold if line.kind in ("subtotal", "total", "unit") else plain
            name = headers[col - 1]
            cell.alignment = centre if name in ("项目", "序号", "权重", "完成时限") else wrap
    for i, height in enumerate(_heights(table)):
        ws.row_dimensions[FIRST_ROW + i].height = height
    for span in table.spans:
        ws.merge_cells(start_row=FIRST_ROW + span.first, start_column=span.first_col + 1,
                       end_row=FIRST_ROW + span.last, end_column=span.last_col + 1)

    for col, name in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS[name]
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.print_title_rows = "3:4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.print_area = f"A1:{last}{FIRST_ROW + len(table.lines) - 1}"
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except OSError as err:
        raise ExportError(f"无法写入：{err.strerror or err}") from err


def _write_line(ws, table: Table, line: Line, row: int, weight_letter: str) -> None:
    for level, label in line.project.items():  # control characters escaped: a worksheet cannot hold them
        ws.cell(row, level + 1, visible(label, newline=True))
    for name, text in line.cells.items():
        if text:
            ws.cell(row, table.column(name) + 1, visible(text, newline=True))
    cell = ws.cell(row, table.column("权重") + 1)
    if line.kind in ("subtotal", "total"):
        cell.value = sum_formula(table, line.sums, weight_letter)
    elif line.weight is not None:
        cell.value = excel_number(line.weight)


def export(scheme: Scheme, path: str | Path) -> Table:
    """Lay out and write the 考评表 of a checked scheme; returns the table written."""
    table = layout(scheme)
    write_table(table, path)
    return table
