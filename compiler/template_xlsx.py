"""`kaoping template`: a results workbook to fill, one unit per row, that `kaoping score` reads back.

Sheet 填报: the header row results_table reads (单位, 类别, one column per key, "KEY.晋档"), drop-down
lists for tiers, 是/否 and unit classes, numeric validation from the declared 满分/分值 and ranges,
input cells unlocked and the rest protected (sheet protection without a password). Sheet 说明: how to
fill it, in Chinese, every column explained, and the units the workbook was made for: a unit whose
row is missing when the workbook is read back is pointed out there (prefilled_units).
"""

from __future__ import annotations

import io
import warnings
from fractions import Fraction
from pathlib import Path

from wcwidth import wcswidth

from kaoping.dsl import ir
from kaoping.dsl.source import visible

from . import runtime as R
from .template_columns import Column, Plan, plan

SHEET, HELP = "填报", "说明"
UNITS_MARK = "预填单位"
BLANK_ROWS = 50  # rows to fill when no unit is named


class TemplateError(Exception):
    """A workbook that cannot be written (a Chinese message)."""


def _bound(x: Fraction | None) -> str | None:
    """A validation bound as an exact decimal, or None (no bound) when its decimal does not end."""
    if x is None:
        return None
    text = R.show(x)
    return None if text.startswith("≈") else text


def _validation(column: Column, low: Fraction | None, high: Fraction | None):
    from openpyxl.worksheet.datavalidation import DataValidation

    if column.kind in ("tier", "yes_no"):
        listed = ",".join(column.choices)
        if any(ch in choice or visible(choice) != choice for choice in column.choices for ch in '",') or len(listed) > 250:
            return None  # not expressible as an inline list: the scoring core still refuses a wrong tier
        dv = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
        dv.error = "请从下拉列表中选择：" + "、".join(column.choices)  # plain text: checked just above
    elif column.kind in ("number", "whole"):
        kind = "whole" if column.kind == "whole" else "decimal"
        lo, hi = _bound(low), _bound(high)
        if lo is not None and hi is not None:
            dv = DataValidation(type=kind, operator="between", formula1=lo, formula2=hi, allow_blank=True)
            dv.error = f"请填写 {lo}～{hi} 之间的{'整数' if kind == 'whole' else '数'}"
        elif lo is not None:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=lo, allow_blank=True)
            dv.error = f"请填写不小于 {lo} 的{'整数' if kind == 'whole' else '数'}"
        elif hi is not None:
            dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=hi, allow_blank=True)
            dv.error = f"请填写不大于 {hi} 的数"
        else:
            return None  # any number (or a percentage): no spreadsheet rule to add
    else:
        return None
    dv.errorTitle = "填写有误"
    dv.showErrorMessage = True
    dv.prompt = visible(column.hint)[:250]
    dv.promptTitle = visible(column.key)[:32]
    dv.showInputMessage = True
    return dv


def write_template(program: ir.Program, title: str, path: str | Path, units: list[tuple[str, str | None]]) -> Plan:
    """Write the workbook; `units` (name, class) are prefilled, one row each (none: blank rows)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    p = plan(program)
    headers = ["单位"] + (["类别"] if p.classes else []) + [c.key for c in p.columns]
    first_key = len(headers) - len(p.columns)
    rows = len(units) if units else BLANK_ROWS
    last_row = rows + 1
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    headers = [visible(h) for h in headers]  # a worksheet cannot hold control characters
    ws.append(headers)
    bold, shaded = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for c, name in enumerate(headers, start=1):
        cell = ws.cell(1, c)
        cell.font, cell.fill, cell.alignment = bold, shaded, Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = max(8, min(30, wcswidth(name) + 3))
    for i, column in enumerate(p.columns):
        ws.cell(1, first_key + i + 1).comment = Comment(visible(f"{column.label[:200]}\n{column.hint}", newline=True), "kaoping")
    ws.column_dimensions["A"].width = max([16] + [min(40, wcswidth(n) + 2) for n, _ in units])
    unlocked = Protection(locked=False)
    for r in range(2, last_row + 1):
        for c in range(1, len(headers) + 1):
            if not (units and c == 1):  # a prefilled unit name is part of the structure
                ws.cell(r, c).protection = unlocked
    for r, (name, cls) in enumerate(units, start=2):
        ws.cell(r, 1, name)
        if cls and p.classes:
            ws.cell(r, 2, cls)
    for c in range(1, first_key + 1):
        for r in range(2, last_row + 1):
            ws.cell(r, c).number_format = "@"  # names stay text
    if p.classes:
        _add(ws, _validation(Column("类别", "单位类别", "tier", "选择单位类别", p.classes), None, None),
             [f"B2:B{last_row}"])
    for i, column in enumerate(p.columns):
        letter = get_column_letter(first_key + i + 1)
        own = {u: (lo, hi) for u, lo, hi in column.by_unit}
        groups: dict[tuple, list[int]] = {}
        for r in range(2, last_row + 1):
            unit = units[r - 2][0] if units else ""
            if own and unit in p.block_units and unit not in own:  # its own block has no such key
                ws.cell(r, first_key + i + 1).protection = Protection(locked=True)
                ws.cell(r, first_key + i + 1).fill = PatternFill("solid", fgColor="D9D9D9")
                continue
            bounds = own.get(unit, (column.low, column.high))
            groups.setdefault(bounds, []).append(r)
        for (lo, hi), rows_here in groups.items():
            _add(ws, _validation(column, lo, hi), _ranges(letter, rows_here))
    ws.freeze_panes = "B2"
    _protect(ws)
    _help_sheet(wb.create_sheet(HELP), title, headers, p, units)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except OSError as err:
        raise TemplateError(f"无法写入：{err.strerror or err}") from err
    return p


def _ranges(letter: str, rows: list[int]) -> list[str]:
    """Rows (ascending) as ranges of one column: [2, 3, 4, 7] → C2:C4, C7."""
    out, start = [], rows[0]
    for prev, row in zip(rows, rows[1:] + [0]):
        if row != prev + 1:
            out.append(f"{letter}{start}" if start == prev else f"{letter}{start}:{letter}{prev}")
            start = row
    return out


def _add(ws, dv, ranges: list[str]) -> None:
    if dv is not None:
        ws.add_data_validation(dv)
        for cells in ranges:
            dv.add(cells)


def _protect(ws) -> None:
    """Protected without a password; people may still resize columns and rows."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


INSTRUCTIONS = (
    "1. 在“填报”工作表中，每个单位填一行。第一行是列名，请不要修改、增删或移动列（工作表已保护，没有密码）。",
    "2. 档次、是/否、单位类别请从下拉列表中选择；数值格子只接受规定范围内的数。把鼠标停在列名上可以看到该列的指标和填法。",
    "3. 空格子表示“未填”：除方案声明“可缺”或有默认值的项目外，未填是一个问题，不会按 0 计。",
    "4. 请直接填写数值或文字，不要写公式，不要合并单元格；百分比可以写成 85%。",
    "5. 填好后保存，用 kaoping score 方案文件 本工作簿.xlsx 评分；有问题时会指出所在的格子（如 填报!C7），改正后重新评分。",
)


def _help_sheet(ws, title: str, headers: list[str], p: Plan, units: list[tuple[str, str | None]]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.append([visible(f"{title}：考评结果填报说明")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for line in INSTRUCTIONS:
        ws.append([line])
    ws.append([])
    ws.append(["列", "列名", "内容", "填写"])
    for c in range(1, 5):
        ws.cell(ws.max_row, c).font = Font(bold=True)
    described = {c.key: c for c in p.columns}
    for i, name in enumerate(headers, start=1):
        column = described.get(name)
        what = column.label if column else ("单位名称" if name == "单位" else "单位类别")
        how = column.hint if column else ("与方案中的单位名称一致" if name == "单位" else "从下拉列表选择：" + "、".join(p.classes))
        ws.append([get_column_letter(i), name, visible(what, newline=True), visible(how, newline=True)])
    if p.json_only:
        ws.append([])
        ws.append(["以下结果须分项填报，本表无法填写，请用 JSON 结果文件（见 docs/scoring.md）："])
        for key, why in p.json_only:
            ws.append(["", visible(key), visible(why)])
    if units:
        ws.append([])
        ws.append([UNITS_MARK, f"本工作簿为以下 {len(units)} 个单位制作；评分时会指出缺少的单位"])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for i, (name, _) in enumerate(units, start=1):
            ws.append([i, name])
    for letter, width in zip("ABCD", (8, 16, 60, 60)):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=cell.column > 2, vertical="top")
    _protect(ws)


def prefilled_units(path: str | Path, data: bytes) -> dict[str, str]:
    """The units a template was made for → where the 说明 sheet names them ({} for other workbooks)."""
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not readable: the results reader reports it
        return {}
    if HELP not in wb.sheetnames:
        return {}
    out: dict[str, str] = {}
    listing = False
    for r, row in enumerate(wb[HELP].iter_rows(max_col=2, values_only=True), start=1):
        first, second = (list(row) + [None, None])[:2]
        if first == UNITS_MARK:
            listing = True
        elif listing and isinstance(first, int) and isinstance(second, str) and second.strip():
            out.setdefault(second.strip(), f"{path}!{HELP}!B{r}")
        elif listing:
            break
    return out


def missing_rows(made_for: dict[str, str], units, already: dict) -> list:
    """A note (V0011) for each unit the template was made for whose row is missing (at the 说明 cell
    naming it); units in `already` (named by the scheme, noted there) are left to that note."""
    from .unit_results import NOTE, ReadProblem

    given = {u.name for u in units}
    return [ReadProblem("V0011", f"填报表是为单位“{name}”制作的，结果中却没有它这一行（不会为它评分）", place, NOTE)
            for name, place in made_for.items() if name not in given and name not in already]


def read_unit_list(text: str) -> tuple[list[str], list[str]]:
    """Unit names, one a line (blank lines skipped) → (names, problems in Chinese, each with its line)."""
    from .unit_results import text_problem

    names: list[str] = []
    problems: list[str] = []
    first: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        name = raw.strip()
        if not name:
            continue
        why = text_problem(name, name=True)
        if why:
            problems.append(f"第 {number} 行：{why}")
        elif name in first:
            problems.append(f"第 {number} 行：单位“{name}”重复（第一次在第 {first[name]} 行）")
        else:
            first[name] = number
            names.append(name)
    return names, problems


__all__ = ["write_template", "prefilled_units", "missing_rows", "read_unit_list", "TemplateError"]
