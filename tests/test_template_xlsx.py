"""kaoping template: a results workbook to fill, read back by kaoping score; planted mistakes are each
located at their cell and the units concerned get no total; a correct filling scores to totals
computed by hand."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import SCHEMES
from kaoping.cli import main
from kaoping.compiler.template_columns import plan
from kaoping.compiler.template_xlsx import read_unit_list, write_template
from kaoping.dsl.load import check_path

TRANSPORT = SCHEMES / "quanzhou-transport-2019.scheme"
SEEDS = sorted(SCHEMES.glob("*.scheme"))


def _make(tmp_path, scheme=TRANSPORT, units=("甲局", "乙局", "丙局", "丁局")):
    (tmp_path / "units.txt").write_text("\n".join(units) + "\n\n", encoding="utf-8")
    out = tmp_path / "填报表.xlsx"
    result = CliRunner().invoke(main, ["template", str(scheme), "-o", str(out), "--units", str(tmp_path / "units.txt")])
    assert result.exit_code == 0, result.output
    return out


def _score(path, scheme=TRANSPORT):
    result = CliRunner().invoke(main, ["score", str(scheme), str(path)])  # output: stdout and stderr
    return result.exit_code, result.output


class Filled:
    """The 填报 sheet with its columns by header, to fill like a person would (numbers as numbers)."""

    def __init__(self, path):
        self.path = path
        self.wb = openpyxl.load_workbook(path)
        self.ws = self.wb["填报"]
        self.col = {c.value: c.column_letter for c in self.ws[1]}
        self.row = {self.ws[f"A{r}"].value: r for r in range(2, self.ws.max_row + 1) if self.ws[f"A{r}"].value}

    def ref(self, unit, key):
        return f"{self.col[key]}{self.row[unit]}"

    def put(self, unit, key, value):
        self.ws[self.ref(unit, key)] = value

    def fill_all(self, unit, tier="一档"):
        for key, letter in self.col.items():
            if key not in ("单位", "类别") and not key.endswith(".晋档") and key[0].isdigit():
                self.ws[f"{letter}{self.row[unit]}"] = tier

    def save(self, name="filled.xlsx"):
        out = self.path.with_name(name)
        self.wb.save(out)
        return out


def test_layout_validation_and_protection(tmp_path):
    path = _make(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["填报"]
    assert wb.sheetnames == ["填报", "说明"]
    program = check_path(TRANSPORT).program
    headers = [c.value for c in ws[1]]
    assert headers == ["单位"] + [c.key for c in plan(program).columns]
    assert headers[1:4] == ["1-1-1", "1-1-1.晋档", "1-1-2"] and "8-4.晋档" in headers and "公众评议" in headers
    assert [ws[f"A{r}"].value for r in range(2, 6)] == ["甲局", "乙局", "丙局", "丁局"]
    assert ws.protection.sheet and not ws.protection.password and wb["说明"].protection.sheet
    assert ws["A1"].protection.locked and ws["A2"].protection.locked  # header and prefilled names
    assert not ws["B2"].protection.locked and not ws[f"{ws.cell(1, len(headers)).column_letter}5"].protection.locked
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_cell[str(rng)] = dv
    col = {c.value: c.column_letter for c in ws[1]}
    tiers = by_cell[f"{col['1-1-1']}2:{col['1-1-1']}5"]
    assert tiers.type == "list" and tiers.formula1 == '"一档,二档,三档"'
    promote = by_cell[f"{col['8-4.晋档']}2:{col['8-4.晋档']}5"]
    assert (promote.type, promote.operator, promote.formula1, promote.formula2) == ("whole", "between", "0", "1")
    public = by_cell[f"{col['公众评议']}2:{col['公众评议']}5"]
    assert (public.type, public.formula1, public.formula2) == ("decimal", "0", "100")
    bonus = by_cell[f"{col['正向激励加分']}2:{col['正向激励加分']}5"]
    assert (bonus.operator, bonus.formula1) == ("greaterThanOrEqual", "0")
    notes = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "每个单位填一行" in notes and "预填单位" in notes and "丁局" in notes


def test_yes_no_classes_and_unit_bounds(tmp_path):
    """Dashiqiao: a class drop-down, each unit's own 满分 for its 任务指标, external scores."""
    path = tmp_path / "t.xlsx"
    checked = check_path(SCHEMES / "dashiqiao-2017.scheme")
    units = [("市政府办", "市直部门"), ("市环保局", "市直部门")]
    write_template(checked.program, checked.scheme.title, path, units)
    ws = openpyxl.load_workbook(path)["填报"]
    col = {c.value: c.column_letter for c in ws[1]}
    assert ws["B2"].value == "市直部门" and "考评成绩" in col and "结果得分" in col
    bounds = {str(r): (dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    assert bounds[f"{col['任务指标']}2"] == ("0", "75") and f"{col['任务指标']}3" not in bounds
    assert ws[f"{col['任务指标']}3"].protection.locked  # 市环保局 lists its 27 tasks: they are filled instead
    assert bounds[f"{col['1']}3"] == ("0", "20") and not ws[f"{col['1']}3"].protection.locked
    assert ws[f"{col['1']}2"].protection.locked  # 市政府办 has no task 1
    assert bounds["B2:B3"] == ('"市直部门,镇区,垂直管理单位"', None)


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_every_seed_gets_a_template_its_scoring_reads(path, tmp_path):
    out = tmp_path / "t.xlsx"
    checked = check_path(path)
    write_template(checked.program, checked.scheme.title, out, [("甲", None)])
    code, output = _score(out, path)
    assert "Traceback" not in output
    assert "缺少" in output and "填报!" in output  # nothing filled: each missing value located at its unit's row


def test_correctly_filled_template_scores_to_hand_computed_totals(tmp_path):
    sheet = Filled(_make(tmp_path, units=("甲局", "乙局")))
    sheet.fill_all("甲局")
    sheet.put("甲局", "8-4", "二档")
    sheet.put("甲局", "8-4.晋档", 1)  # promoted back to 一档: nothing lost
    sheet.put("甲局", "公众评议", 88.5)
    sheet.put("甲局", "正向激励加分", 2)
    sheet.put("甲局", "察访核验扣分", 0.5)
    sheet.fill_all("乙局")
    sheet.put("乙局", "1-1-1", "二档")  # 2 × 90% = 1.8: loses 0.2
    sheet.put("乙局", "4-3", "三档")  # 1 × 80% = 0.8: loses 0.2
    sheet.put("乙局", "公众评议", 80)
    code, output = _score(sheet.save())
    assert code == 0, output
    # 甲局: 100 × 70% + 88.5 × 30% + 2 − 0.5 = 70 + 26.55 + 1.5 = 98.05
    # 乙局: (100 − 0.4) × 70% + 80 × 30% = 69.72 + 24 = 93.72
    assert "总分 98.05" in output and "总分 93.72" in output
    assert "第 1 名  甲局  98.05" in output and "第 2 名  乙局  93.72" in output


def _planted(tmp_path, formula: bool):
    sheet = Filled(_make(tmp_path))
    for unit in ("甲局", "乙局", "丙局"):
        sheet.fill_all(unit)
        sheet.put(unit, "公众评议", 90)
    places = {}
    sheet.put("乙局", "1-1-1", "四档")  # a tier that does not exist
    places["V0105"] = sheet.ref("乙局", "1-1-1")
    sheet.put("乙局", "公众评议", 120)  # over its 满分 100
    places["V0107"] = sheet.ref("乙局", "公众评议")
    sheet.put("丙局", "公众评议", "良好")  # text in a number cell
    places["V0103"] = sheet.ref("丙局", "公众评议")
    unknown = sheet.ws.max_column + 1  # an unknown column
    sheet.ws.cell(1, unknown, "9-9")
    sheet.ws.cell(sheet.row["丙局"], unknown, 1)
    places["V0102"] = f"{sheet.ws.cell(1, unknown).column_letter}{sheet.row['丙局']}"
    for c in range(1, sheet.ws.max_column + 1):  # 丁局's row left out
        sheet.ws.cell(sheet.row["丁局"], c).value = None
    if formula:
        sheet.put("丙局", "正向激励加分", "=1+1")  # written by a program: no cached value
        places["V0016"] = sheet.ref("丙局", "正向激励加分")
    return sheet.save(), places


def test_planted_mistakes_are_each_located_and_no_total_is_shown(tmp_path):
    path, places = _planted(tmp_path, formula=True)
    code, output = _score(path)
    assert code == 1 and "Traceback" not in output
    for code_, ref in places.items():
        assert f"填报!{ref}: [{code_}]" in output or f"[{code_}] {path}!填报!{ref}" in output, (code_, ref, output)
    assert "[V0011]" in output and "丁局" in output and "说明!B" in output
    assert "总分" not in output and "排名" not in output


def test_scoring_mistakes_leave_only_the_clean_unit_with_a_total(tmp_path):
    path, places = _planted(tmp_path, formula=False)
    code, output = _score(path)
    assert code == 1 and "Traceback" not in output
    for code_, ref in places.items():
        assert f"[{code_}] {path}!填报!{ref}" in output, (code_, ref)
    assert "总分 97" in output  # 甲局: 100 × 70% + 90 × 30%
    assert output.count("未计算总分") == 2  # 乙局 and 丙局
    assert "第 1 名  甲局  97" in output and "结果有问题、未排名：乙局、丙局" in output


def test_unit_list_problems_and_unwritable_output(tmp_path):
    names, problems = read_unit_list("甲局\n\n乙局\n甲局\n丙\x07局\n")
    assert names == ["甲局", "乙局"] and len(problems) == 2 and problems[0].startswith("第 4 行")
    runner = CliRunner()
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = runner.invoke(main, ["template", str(TRANSPORT), "-o", str(blocked / "t.xlsx")])
    assert result.exit_code == 1 and "无法写入" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["template", str(TRANSPORT), "-o", str(tmp_path / "t.xlsx"), "--units", str(tmp_path / "无.txt")])
    assert result.exit_code == 1 and "无法读取单位名单" in result.output
    (tmp_path / "gbk.txt").write_bytes("甲局\n".encode("gbk"))
    result = runner.invoke(main, ["template", str(TRANSPORT), "-o", str(tmp_path / "t.xlsx"), "--units", str(tmp_path / "gbk.txt")])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_numbers_typed_in_the_template_read_back_exactly(tmp_path):
    sheet = Filled(_make(tmp_path, units=("甲局",)))
    sheet.fill_all("甲局")
    sheet.put("甲局", "公众评议", 88.15)
    sheet.put("甲局", "察访核验扣分", 0.1)
    from kaoping.compiler.results import read_results

    units, problems = read_results(sheet.save())
    assert units[0].values["公众评议"] == "88.15" and Decimal(units[0].values["察访核验扣分"]) == Decimal("0.1")


def test_the_shipped_filled_template_holds_the_json_sample():
    """schemes/results/quanzhou-transport-2019.xlsx (made by docs/make_samples.py, used by the README's
    main job) gives the same values, and so the same totals, as the JSON sample beside it."""
    from kaoping.compiler.results import read_results
    from kaoping.compiler.scoring import score_units

    program = check_path(TRANSPORT).program
    from_xlsx, problems = read_results(SCHEMES / "results" / "quanzhou-transport-2019.xlsx")
    from_json, _ = read_results(SCHEMES / "results" / "quanzhou-transport-2019.json")
    assert [p.code for p in problems] == ["V0020"]  # the 说明 sheet, skipped with a note

    def plain(value):  # JSON's 晋档 1 is the number a cell gives as "1"
        return {k: plain(v) for k, v in value.items()} if isinstance(value, dict) else str(value)

    assert [(u.name, plain(u.values)) for u in from_xlsx] == [(u.name, plain(u.values)) for u in from_json]
    totals = [s["total"] for s in score_units(program, from_xlsx)]
    assert totals == [s["total"] for s in score_units(program, from_json)] and None not in totals
