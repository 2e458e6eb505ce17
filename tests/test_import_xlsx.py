"""`kaoping import 考评表.xlsx -o draft.scheme` (compiler/import_xlsx.py) on workbooks built here in the
layout of the published tables: a two-row header, merged category and level-1 cells, continuation rows,
小计/合计 rows, several owners in one cell."""

from __future__ import annotations

import re

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kaoping.cli import main
from kaoping.compiler.import_xlsx import read_workbook
from kaoping.dsl.load import check_path

openpyxl = pytest.importorskip("openpyxl")
ROOT = Path(__file__).resolve().parent.parent
SHEET = "考评表"
# columns of the table as the seeds print it
HEAD_TOP = {"A": "项目", "B": "目标内容", "G": "完成时限", "H": "责任分解", "K": "备注"}
HEAD = {"B": "序号", "C": "文件依据", "D": "一级指标", "E": "二级指标", "F": "权重", "H": "分管领导", "I": "责任单位",
        "J": "责任人"}
ROWS = [  # row 4 on: 项目, 序号, 文件依据, 一级指标, 二级指标, 权重, 完成时限, 分管领导, 责任单位, 责任人, 备注
    ["职能工作目标（10分）\n重点工作目标", "1-1-1", "泉政办〔2019〕9号\n泉委发〔2019〕2号", "续建某路（4分）",
     "完成路基土石方。", 2, "12月", "张三", "市高指、某公司", "李四，王五", None],
    [None, "1-1-2", None, None, "持续开展品质工程创建。", 2.0, "12月", None, "市高指、某公司", "李四，王五", "省级媒体"],
    [None, "1-2-1", None, "推进某项工作（6分）", "甲", 3.5, "7月份", "赵六", "办公室", "钱七", None],
    [None, "1-2-2", None, None, "乙", "2.5", "12月底前", "赵六", "规划科\n审批科", "孙八", None],
    [None, "小计", None, None, None, 10, None, None, None, None, None],
    ["行政能力目标（2分）", "4-1", None, "扎实开展机关党的建设。", None, 1, None, "张三", "机关支部", "李四", None],
    [None, "4-2", None, "做好生活垃圾分类工作。", None, 1, "2020-12-31", "张三", "办公室", "李四", None],
    [None, "合 计", None, None, None, 12, None, None, None, None, None],
]
MERGED = ["A1:K1", "A2:A3", "B2:F2", "G2:G3", "H2:J2", "K2:K3", "A4:A8", "C4:C5", "D4:D5", "H4:H5", "A9:A10",
          "B8:E8", "B11:E11"]

DRAFT = '''方案 "2020年度某局绩效管理目标考评表" 年度 2020 {
  文号 "某局〔2020〕1号"
  类别 职能工作目标 满分 10 {
    类别 重点工作目标 {
      指标 1-1 "续建某路（4分）" 分值 4 时限 12月 分管 "张三" 责任 "市高指" "某公司" 责任人 "李四" "王五" 依据 "泉政办〔2019〕9号" "泉委发〔2019〕2号" {
        1-1-1 "完成路基土石方。" 权重 2
        1-1-2 "持续开展品质工程创建。" 权重 2 备注 "省级媒体"
      }
      指标 1-2 "推进某项工作（6分）" 分值 6 分管 "赵六" {
        1-2-1 "甲" 权重 3.5 时限 7月份 责任 "办公室" 责任人 "钱七"
        1-2-2 "乙" 权重 2.5 时限 12月底前 责任 "规划科" "审批科" 责任人 "孙八"
      }
    }
  }
  类别 行政能力目标 满分 2 {
    4-1 "扎实开展机关党的建设。" 权重 1 分管 "张三" 责任 "机关支部" 责任人 "李四"
    4-2 "做好生活垃圾分类工作。" 权重 1 时限 2020-12-31 分管 "张三" 责任 "办公室" 责任人 "李四"
  }
}
'''


def workbook(path: Path, rows=None, merged=None, head=None, title="2020年度某局绩效管理目标考评表（某局〔2020〕1号）"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = title
    for col, text in HEAD_TOP.items():
        ws[f"{col}2"] = text
    for col, text in (HEAD if head is None else head).items():
        ws[f"{col}3"] = text
    for i, values in enumerate(ROWS if rows is None else rows):
        for j, value in enumerate(values):
            if value is not None:
                ws.cell(row=4 + i, column=1 + j, value=value)
    for rng in MERGED if merged is None else merged:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def run(*args):
    result = CliRunner().invoke(main, list(map(str, args)))
    return result.exit_code, result.stdout, result.stderr


def test_import_builds_the_expected_draft(tmp_path):
    book = workbook(tmp_path / "考评表.xlsx")
    result = read_workbook(book)
    assert result.problems == []
    assert result.text == DRAFT
    code, _, err = run("import", book, "-o", tmp_path / "out" / "draft.scheme")
    assert code == 0, err
    assert (tmp_path / "out" / "draft.scheme").read_text(encoding="utf-8") == DRAFT
    checked = check_path(tmp_path / "out" / "draft.scheme")
    assert checked.ok and not [d for d in checked.diagnostics if d.severity.value == "warning"]
    assert "0 个错误" in err


def test_a_wrong_subtotal_is_located(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[4][5] = 9  # 小计 on row 8 says 9, the rows above sum to 10
    result = read_workbook(workbook(tmp_path / "t.xlsx", rows))
    assert [(p.code, p.place) for p in result.problems] == [("W0702", f"{SHEET}!F8")]
    assert "小计 9" in result.problems[0].message and "10" in result.problems[0].message
    assert result.text == DRAFT  # the draft is still written
    code, _, err = run("import", tmp_path / "t.xlsx", "-o", tmp_path / "d.scheme")
    assert code == 0 and f"{SHEET}!F8: 警告 [W0702]" in err


def test_weights_that_do_not_add_up_are_located(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][5] = 3  # 1-2 says 6 分, its items now sum to 5.5; the 小计 and 合计 no longer add up either
    result = read_workbook(workbook(tmp_path / "t.xlsx", rows))
    assert [(p.code, p.place) for p in result.problems] == [
        ("W0702", f"{SHEET}!F8"), ("W0702", f"{SHEET}!F11"), ("W0701", f"{SHEET}!D6")]
    path = tmp_path / "d.scheme"
    assert run("import", tmp_path / "t.xlsx", "-o", path)[0] == 0
    assert {d.code for d in check_path(path).errors} == {"E0301"}  # check says it too, at the line


def test_category_points_that_do_not_add_up_are_located(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[5][0] = "行政能力目标（3分）"
    result = read_workbook(workbook(tmp_path / "t.xlsx", rows))
    assert [(p.code, p.place) for p in result.problems] == [("W0703", f"{SHEET}!A9")]


def test_inexact_and_bad_numbers_are_not_imported(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][5] = 2 / 3  # 0.6666666666666666: a float, not an exact weight
    rows[1][5] = "两分"
    result = read_workbook(workbook(tmp_path / "t.xlsx", rows))
    codes = [(p.code, p.place) for p in result.problems]
    assert ("W0704", f"{SHEET}!F4") in codes and ("W0704", f"{SHEET}!F5") in codes
    assert "1-1-1 \"完成路基土石方。\"\n" in result.text  # no weight written: never a guessed number


def test_exact_decimals_from_number_cells(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][5], rows[3][5] = 3.15, 2.85
    result = read_workbook(workbook(tmp_path / "t.xlsx", rows))
    assert result.problems == []
    assert "权重 3.15" in result.text and "权重 2.85" in result.text
    items = result.scheme.body[0].children[0].children[1].items
    assert [a.value for i in items for a in i.attrs if a.key == "weight"] == [Decimal("3.15"), Decimal("2.85")]


def test_rows_without_ids_and_duplicates_are_reported(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[6][1] = "4-1"  # a duplicated id
    rows[6][6] = None
    rows.insert(7, [None, None, None, None, "一段说明文字", None, None, None, None, None, None])
    result = read_workbook(workbook(tmp_path / "t.xlsx", rows, merged=[m for m in MERGED if m != "B11:E11"]))
    codes = [(p.code, p.place) for p in result.problems]
    assert ("W0705", f"{SHEET}!B11") in codes and ("W0706", f"{SHEET}!B10") in codes


def test_unreadable_workbooks_and_missing_columns(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    code, _, err = run("import", bad, "-o", tmp_path / "d.scheme")
    assert code == 1 and "[E0701]" in err and "Traceback" not in err
    assert not (tmp_path / "d.scheme").exists()
    code, _, err = run("import", tmp_path / "missing.xlsx", "-o", tmp_path / "d.scheme")
    assert code == 1 and "[E0701]" in err
    head = {k: v for k, v in HEAD.items() if v != "权重"}
    code, _, err = run("import", workbook(tmp_path / "t.xlsx", head=head), "-o", tmp_path / "d.scheme")
    assert code == 1 and f"{SHEET}!3:3: 错误 [E0702]" in err and "权重" in err
    empty = openpyxl.Workbook()
    empty.save(tmp_path / "empty.xlsx")
    code, _, err = run("import", tmp_path / "empty.xlsx", "-o", tmp_path / "d.scheme")
    assert code == 1 and "[E0702]" in err


def test_unrecognised_deadline_goes_to_the_remark(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[5][6] = "视情况而定"
    result = read_workbook(workbook(tmp_path / "t.xlsx", rows))
    assert [(p.code, p.place) for p in result.problems] == [("W0708", f"{SHEET}!G9")]
    assert '备注 "完成时限：视情况而定"' in result.text


# ---------------------------------------------------------------- export, then import
def _tree(scheme) -> list:
    """The indicator tree a 考评表 shows (the scheme's and its units' sections): ids, texts and points of
    every indicator; of every leaf also its deadline, owners, basis and remark as it has them (a value
    set once on a level-1 indicator and the same value on each of its items are the same table)."""
    out = []
    for root in (*scheme.roots, *scheme.unit_blocks):
        for node in root.walk():
            if node.kind == "category":
                continue
            if not node.is_leaf:  # the table prints a level-1 text with its points: "…（4分）"
                text = re.sub(rf"[（(]{re.escape(str(node.points))}分[）)]$", "", node.text or "")
                out.append((node.key, text, node.points))
                continue
            f = node.fields
            deadline = f.get("deadline")
            out.append((node.key, node.text, node.points, deadline.text if deadline else None,
                        tuple(f.get("leader", ())), tuple(f.get("owner", ())), tuple(f.get("person", ())),
                        tuple(f.get("basis", ())), f.get("remark")))
    return out


SCHEMES = sorted((ROOT / "schemes").glob("*.scheme"))


@pytest.mark.parametrize("path", SCHEMES, ids=[p.name for p in SCHEMES])
def test_export_then_import_gives_the_same_tree(path, tmp_path):
    shutil.copytree(ROOT / "schemes", tmp_path / "schemes")
    book = tmp_path / "考评表.xlsx"
    code, _, err = run("export", tmp_path / "schemes" / path.name, "-o", book)
    assert code == 0, err
    draft = tmp_path / "draft.scheme"
    code, _, err = run("import", book, "-o", draft)
    assert code == 0, err
    assert _tree(check_path(draft).scheme) == _tree(check_path(tmp_path / "schemes" / path.name).scheme)


def test_columns_in_any_order_with_one_header_row(tmp_path):
    names = ["项目", "序号", "文件依据", "一级指标", "二级指标", "权重", "完成时限", "分管领导", "责任单位", "责任人", "备注"]
    order = [10, 5, 1, 0, 9, 3, 8, 4, 2, 7, 6]  # where each column of ROWS goes
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = "2020年度某局绩效管理目标考评表（某局〔2020〕1号）"
    for j, name in enumerate(names):
        ws.cell(row=2, column=1 + order[j], value=name.replace("领导", "\n领导"))
    for i, values in enumerate(ROWS):
        for j, value in enumerate(values):
            # merged cells of ROWS written out on every row instead ("same as above" by repetition)
            if value is None and (j in (2, 7) and i == 1 or j == 0 and i in (1, 2, 3, 6)):
                value = next(ROWS[k][j] for k in range(i - 1, -1, -1) if ROWS[k][j] is not None)
            if value is not None:
                ws.cell(row=3 + i, column=1 + order[j], value=value)
    wb.save(tmp_path / "t.xlsx")
    result = read_workbook(tmp_path / "t.xlsx")
    assert result.problems == []
    assert result.text == DRAFT
