"""Results as tables: CSV and Excel, one value per row or one unit per row, every problem located."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
from click.testing import CliRunner

from conftest import SCHEMES
from kaoping.cli import main
from kaoping.compiler.results import read_csv, read_results

WIDE = "单位,类别,1-1-1,1-1-1.晋档,公众评议,4-1\n甲局,,二档,1,88.5,90;80;85\n乙局,,一档,,90,\n"


def test_wide_csv_one_unit_per_row():
    units, problems = read_csv(WIDE, "r.csv")
    assert problems == []
    a, b = units
    assert a.values == {"1-1-1": {"档次": "二档", "晋档": "1"}, "公众评议": "88.5", "4-1": ["90", "80", "85"]}
    assert b.values == {"1-1-1": "一档", "公众评议": "90"}  # an empty cell is a value not given
    assert a.places["公众评议"] == "r.csv:2"


def test_excel_workbook_in_both_layouts(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "结果"
    sheet.append(["单位", "类别", "1-1-1", "公众评议", "察访核验扣分"])
    sheet.append(["甲局", None, "一档", 88.5, 0.1])  # numbers as Excel stores them (binary floats)
    sheet.append(["乙局", None, "三档", "90", None])
    wide = tmp_path / "wide.xlsx"
    book.save(wide)
    units, problems = read_results(wide)
    assert problems == []
    # 0.1 is read as the decimal Excel shows, never as 0.1000000000000000055…
    assert units[0].values == {"1-1-1": "一档", "公众评议": "88.5", "察访核验扣分": "0.1"}
    assert Decimal(units[0].values["察访核验扣分"]) == Decimal("0.1")
    assert units[1].places["1-1-1"] == f"{wide}!结果!C3"

    book = openpyxl.Workbook()
    book.active.append(["单位", "编号", "值"])
    book.active.append(["甲局", "1-1-1", "一档"])
    book.active.append(["甲局", "1-1-1", "二档"])
    long = tmp_path / "long.xlsx"
    book.save(long)
    units, problems = read_results(long)
    assert [(p.code, p.place) for p in problems] == [("V0003", f"{long}!Sheet!C3")]


def test_score_reads_an_excel_file_and_locates_its_problems(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    leaves = [f"1-{i}-{j}" for i, j in [(1, 1), (1, 2)]]
    sheet.append(["单位"] + leaves)
    sheet.append(["甲局", "一档", "五档"])
    path = tmp_path / "r.xlsx"
    book.save(path)
    result = CliRunner().invoke(main, ["score", str(SCHEMES / "quanzhou-transport-2019.scheme"), str(path)])
    assert result.exit_code == 1
    assert f"{path}!Sheet!C2" in result.output and "五档" in result.output


def test_a_damaged_workbook_is_a_message(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    units, problems = read_results(path)
    assert units == [] and problems[0].code == "V0001"
