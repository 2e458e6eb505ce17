"""Excel workbooks (.xlsx, needs openpyxl): every worksheet, in either table layout (results_table).

The workbook is loaded twice, once for the formulas and once for the values Excel last computed, so
that a formula nobody computed is refused at its cell instead of being read as empty. Number cells
are floats in the file: each is read as the shortest decimal that gives back the same float
(`Decimal(repr(x))`, what Excel shows: 0.1 is 0.1, never 0.1000000000000000055…); a cell formatted
as a percentage is handed on as the text "90%" so that the scoring core can tell a percentage from
points. Places are file!Sheet!C7.
"""

from __future__ import annotations

import datetime
import io
import warnings
from decimal import Decimal

from .results_table import Refused, Table
from .unit_results import NOTE, ReadProblem, UnitResults

_NOT_COMPUTED = Refused("V0016", "公式没有计算结果，请在 Excel/WPS 中打开并保存")


def read_xlsx(path, data: bytes) -> tuple[list[UnitResults], list[ReadProblem]]:
    name = str(path)
    try:
        import openpyxl
        from openpyxl.utils import get_column_letter
    except ImportError:
        return [], [ReadProblem("V0001", "读取 xlsx 需要 openpyxl：pip install \"kaoping[xlsx]\"", name)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
            formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
            values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged or foreign file
        return [], [ReadProblem("V0001", f"无法读取 Excel 文件（{type(err).__name__}: {err}）"[:300], name)]
    table = Table()
    for f_sheet, v_sheet in zip(formulas.worksheets, values.worksheets):
        title = v_sheet.title

        def place_of(r, c, title=title):
            return f"{name}!{title}!{get_column_letter(c + 1)}{r + 1}"

        merged = _merged_over_rows(v_sheet)
        rows = [[_cell(v, f, merged) for v, f in zip(v_row, f_row)]
                for v_row, f_row in zip(v_sheet.iter_rows(), f_sheet.iter_rows())]
        if not table.add(rows, place_of, "Excel"):
            table.problems.append(ReadProblem(
                "V0020", f"工作表“{title}”的第一行没有“单位”列，不是结果表，已跳过（结果表的第一行应为 单位,类别,…）",
                f"{name}!{title}!A1", NOTE))
        elif not any(any(c not in (None, "") for c in row) for row in rows):
            table.problems.append(ReadProblem("V0020", f"工作表“{title}”是空的，已跳过", f"{name}!{title}!A1", NOTE))
    for chart in values.chartsheets:
        table.problems.append(ReadProblem("V0020", f"“{chart.title}”是图表，不是结果表，已跳过", f"{name}!{chart.title}", NOTE))
    return table.finish(name)


def _merged_over_rows(sheet) -> dict:
    """(row, column) of the top-left cell of every merged range that spans more than one row → refusal."""
    out = {}
    for rng in sheet.merged_cells.ranges:
        if rng.max_row > rng.min_row:
            out[(rng.min_row, rng.min_col)] = Refused(
                "V0018", f"合并单元格 {rng.coord} 跨越 {rng.max_row - rng.min_row + 1} 行，不能只算给第一行；"
                         "请取消合并，在每一行填写各自的值")
    return out


def _cell(v, f, merged: dict):
    """The value a table reader gets for one cell: text, a bool, "" for empty, or a Refused."""
    if (v.row, v.column) in merged and v.value not in (None, ""):
        return merged[(v.row, v.column)]
    if f.data_type == "f" and v.value is None:
        return _NOT_COMPUTED
    value = v.value
    if v.data_type == "e":
        return Refused("V0017", f"格子是 Excel 错误值 {value}，请改正公式或数据")
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return Refused("V0019", "格子是日期或时间，考评结果应为数值或文字；如确是文字，请把格子设为“文本”格式后重新输入")
    if isinstance(value, (int, float)):
        number = Decimal(repr(value))  # the shortest decimal that gives back the float (what Excel shows)
        if "%" in (v.number_format or ""):
            return format((number * 100).normalize(), "f") + "%"
        return format(number, "f")
    return str(value)
