"""kaoping export: the 考评表 workbook re-read with openpyxl and held cell by cell against the model
(ids, texts, weights, deadlines, owners, merged ranges, formulas), and recalculated by LibreOffice."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import SCHEMES
from kaoping.cli import main
from kaoping.compiler.export_xlsx import ExportError, excel_number, export
from kaoping.dsl.load import check_path
from kaoping.dsl.model import CATEGORY
from office_tools import NO_SOFFICE, SOFFICE, cell_of, evaluate, exact, get_column_letter, recalculated_csv

SEEDS = sorted(SCHEMES.glob("*.scheme"))
NAMES = ("序号", "文件依据", "一级指标", "二级指标", "权重", "完成时限", "分管领导", "责任单位", "责任人", "备注")


def _scheme(path):
    checked = check_path(path)
    assert checked.ok
    return checked.scheme


def _depth(node):
    return 1 + max((_depth(c) for c in node.children if c.kind == CATEGORY), default=0)


class Sheet:
    """The exported sheet with its columns found from the header row (not from the exporter's code)."""

    def __init__(self, path):
        self.wb = openpyxl.load_workbook(path)
        self.ws = self.wb["考评表"]
        header = [low or high for high, low in zip((c.value for c in self.ws[3]), (c.value for c in self.ws[4]))]
        self.depth = next(i for i, v in enumerate(header) if v == "序号")
        self.col = {name: get_column_letter(header.index(name) + 1) for name in NAMES}
        self.merged = list(self.ws.merged_cells.ranges)

    def value(self, name, row):
        return self.ws[f"{self.col[name]}{row}"].value

    def span(self, ref):
        """The merged range holding a cell, as (min_row, max_row, min_col, max_col); the cell alone otherwise."""
        cell = self.ws[ref]
        for rng in self.merged:
            if cell.coordinate in rng:
                return rng.min_row, rng.max_row, rng.min_col, rng.max_col
        return cell.row, cell.row, cell.column, cell.column


def _text(values):
    return "\n".join(values or ()) or None


def _blocks(scheme):
    return list(scheme.roots) + list(scheme.unit_blocks)


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_every_cell_holds_against_the_model(path, tmp_path):
    scheme = _scheme(path)
    out = tmp_path / "考评表.xlsx"
    export(scheme, out)
    sheet = Sheet(out)
    ws = sheet.ws
    assert sheet.depth == max(_depth(n) for n in _blocks(scheme))
    assert scheme.title in ws["A1"].value
    assert ws.merged_cells.ranges and any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)
    if scheme.meta.get("docno"):
        assert scheme.meta["docno"] in ws["A2"].value
    assert [c.value for c in ws[3]][0] == "项目" and ws.print_title_rows == "$3:$4"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4

    # every leaf in the model's order, one row each, every cell as the model has it
    serial_rows = {}
    for row in range(5, ws.max_row + 1):
        serial = sheet.value("序号", row)
        if serial is not None and not str(serial).endswith(("小计", "合计")):
            assert serial not in serial_rows, f"{serial} twice"
            serial_rows[serial] = row
    rows_in_order = []
    for block in _blocks(scheme):
        for leaf in block.leaves():
            serial = leaf.fields.get("printed_id") or leaf.key
            row = serial_rows[serial]
            rows_in_order.append(row)
            assert exact(sheet.value("权重", row)) == leaf.points
            if leaf.points is not None:  # read back exactly as the model holds it
                assert Decimal(repr(float(excel_number(leaf.points)))) == leaf.points
            deadline = leaf.fields.get("deadline")
            assert sheet.value("完成时限", row) == (deadline.text if deadline else None)
            for name, field in (("分管领导", "leader"), ("责任单位", "owner"), ("责任人", "person")):
                assert sheet.value(name, row) == _text(leaf.fields.get(field)), (serial, name)
            basis_ref = f"{sheet.col['文件依据']}{row}"
            top = sheet.span(basis_ref)
            assert ws.cell(top[0], top[2]).value == _text(leaf.fields.get("basis")), serial
            if leaf.fields.get("remark"):
                assert leaf.fields["remark"] in sheet.value("备注", row)
            if leaf.kind == "item":
                assert sheet.value("二级指标", row) == leaf.text
            else:
                assert sheet.value("一级指标", row) == leaf.text and sheet.value("二级指标", row) is None
    assert rows_in_order == sorted(rows_in_order)

    # level-1 indicators with items: the text with its points, merged down exactly its item rows
    for block in _blocks(scheme):
        for node in block.walk():
            if node.kind != "indicator" or not node.children:
                continue
            rows = [serial_rows[c.fields.get("printed_id") or c.key] for c in node.children]
            first, last, _, _ = sheet.span(f"{sheet.col['一级指标']}{rows[0]}")
            assert (first, last) == (rows[0], rows[-1]) if len(rows) > 1 else first == rows[0]
            text = sheet.value("一级指标", rows[0])
            assert text.startswith(node.text or "")
            points = f"{node.points.normalize():f}分"
            assert text.endswith((f"（{points}）", f"({points})")), text

    # categories: their 项目 cell spans their rows down to their 小计 row, which is a SUM formula
    # equal to the model's points (or, where the scheme records that its listed rows fall short,
    # the listed sum with the declared points written beside it)
    def category(node, level):
        leaves = node.leaves()
        if not leaves:
            return
        first_row = min(serial_rows[x.fields.get("printed_id") or x.key] for x in leaves)
        first, last, min_col, max_col = sheet.span(f"{get_column_letter(level + 1)}{first_row}")
        assert ws.cell(first, min_col).value == (node.text or node.key if node.declared is None else
                                                 node.text or f"{node.key}（{node.declared.normalize():f}分）")
        assert min_col == level + 1
        assert sheet.value("序号", last) == f"{node.key} 小计"
        formula = sheet.value("权重", last)
        assert isinstance(formula, str) and formula.startswith("=SUM("), formula
        got = evaluate(ws, f"{sheet.col['权重']}{last}")
        listed = sum((x.points or 0 for x in leaves if "not_summed" not in x.flags), Decimal(0))
        assert got == listed
        if node.points is not None and got != node.points:
            assert f"方案规定 {node.points.normalize():f} 分" in sheet.value("备注", last)
        for child in node.children:
            if child.kind == CATEGORY:
                category(child, level + 1)

    for block in _blocks(scheme):
        category(block, 0)

    totals = [r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "合计"]
    if scheme.roots:
        (row,) = totals
        got = evaluate(ws, f"{sheet.col['权重']}{row}")
        assert str(sheet.value("权重", row)).startswith("=SUM(")
        if got != scheme.total():
            assert f"方案合计 {scheme.total().normalize():f} 分" in sheet.value("备注", row)
        else:
            assert path.stem in ("quanzhou-transport-2019", "quanzhou-sasac-2020", "quanzhou-sasac-2024")
    else:
        assert totals == []


def test_the_totals_the_documents_print():
    """Hand-checked against the seeds: transport 69 + 11 = 80, + 20 = 100; commerce lists 40 of its 70."""
    from kaoping.compiler.table_layout import layout

    def subtotals(name):
        table = layout(_scheme(SCHEMES / f"{name}.scheme"))
        return {line.key: line.weight for line in table.lines if line.kind in ("subtotal", "total")}

    t = subtotals("quanzhou-transport-2019")
    assert (t["重点工作目标"], t["常规工作目标"], t["职能工作目标"], t["行政能力目标"], t["合计"]) == (69, 11, 80, 20, 100)
    c = subtotals("quanzhou-commerce-2025")
    assert (c["职能工作目标"], c["行政能力目标"], c["合计"]) == (40, 20, 70)
    s = subtotals("quanzhou-sasac-2024")  # only structure: the declared points, reported directly
    assert (s["职能工作目标"], s["行政能力目标"], s["合计"]) == (80, 20, 100)


def test_numbers_written_read_back_exactly(tmp_path):
    values = [Decimal(v) for v in ("0.1", "0.2", "1.5", "2", "69.0", "0.05", "12.345", "1E+1", "99999.99")]
    wb = openpyxl.Workbook()
    for i, v in enumerate(values, start=1):
        wb.active.cell(i, 1, excel_number(v))
    wb.save(tmp_path / "n.xlsx")
    back = openpyxl.load_workbook(tmp_path / "n.xlsx").active
    assert [exact(back.cell(i, 1).value) for i in range(1, len(values) + 1)] == values
    with pytest.raises(ExportError):
        excel_number(Decimal("0.12345678901234567890"))


def test_cli_export_and_unwritable_output(tmp_path):
    runner = CliRunner()
    out = tmp_path / "sub" / "考评表.xlsx"
    result = runner.invoke(main, ["export", str(SCHEMES / "quanzhou-transport-2019.scheme"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "合计 100 分" in result.output and out.exists()
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = runner.invoke(main, ["export", str(SCHEMES / "quanzhou-transport-2019.scheme"), "-o", str(blocked / "a.xlsx")])
    assert result.exit_code == 1 and "无法写入" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["export", str(tmp_path / "missing.scheme"), "-o", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output


@pytest.mark.skipif(SOFFICE is None, reason=NO_SOFFICE)
def test_libreoffice_recalculates_every_seed_without_an_error_cell(tmp_path):
    paths = []
    for path in SEEDS:
        out = tmp_path / f"{path.stem}.xlsx"
        export(_scheme(path), out)
        paths.append(out)
    tables = recalculated_csv(paths, tmp_path)
    for out, rows in tables.items():
        errors = [c for row in rows for c in row if c.startswith("#") or c.startswith("Err:")]
        assert errors == [], (out.name, errors[:5])
        ws = openpyxl.load_workbook(out)["考评表"]
        header = [c.value for c in ws[4]]
        weight = get_column_letter(header.index("权重") + 1)
        checked = 0
        for row in range(5, ws.max_row + 1):
            formula = ws[f"{weight}{row}"].value
            if isinstance(formula, str) and formula.startswith("="):
                assert Decimal(cell_of(rows, f"{weight}{row}")) == evaluate(ws, f"{weight}{row}"), (out.name, row)
                checked += 1
        assert checked > 0 or out.stem == "dashiqiao-2017"


def test_control_characters_are_escaped_not_a_traceback(tmp_scheme, tmp_path):
    """A worksheet cannot hold control characters: they are written as visible escapes."""
    path = tmp_scheme('方案 "控\x01制" {\n  类别 业务 满分 2 {\n    指标 1-1 "甲\x0b乙" 分值 2 { 1-1-1 "丙\x1b丁" 权重 2 }\n  }\n}\n')
    runner = CliRunner()
    for command in (["export", str(path), "-o", str(tmp_path / "a.xlsx")],
                    ["template", str(path), "-o", str(tmp_path / "b.xlsx")]):
        result = runner.invoke(main, command)
        assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["考评表"]
    assert ws["A1"].value.startswith("控\\x01制")
    texts = [c.value for row in ws.iter_rows(min_row=5) for c in row if isinstance(c.value, str)]
    assert "丙\\x1b丁" in texts and any(t.startswith("甲\\x0b乙") for t in texts)
