"""性质 that say what authors mean about grades, vetoes and populations (其他单位, 名次, 均值), 例外 on a
性质, and every shipped scheme verified: each statement is caught false where it is false, passes where
it holds, and is never 通过 where it could not be evaluated."""

from __future__ import annotations

import json
from fractions import Fraction
import re

import pytest
from click.testing import CliRunner

from conftest import SCHEMES, check
from kaoping.cli import main
from kaoping.dsl.load import check_path

BASE = """
方案 "单位之间" {
  类别 业务 满分 10 评分 三档 { 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }
  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% }
  得分 总分 = 业务
  排名 依据 总分
  等次 { 优秀 >= 9, 良好 >= 8, 一般 其余 }
  否决 一票否优 若 有 重大事故 则 VETO
  MORE
}
"""


def scheme(veto: str, more: str, base: str = BASE) -> str:
    return base.replace("VETO", veto).replace("MORE", more)
CAP = "等次 最高 良好"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _verify(tmp_path, text: str, *args: str):
    path = tmp_path / "p.scheme"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["verify", str(path), "--examples", "30", *args])


def _first_example(output: str) -> dict:
    return json.loads(output.split("results file）:\n", 1)[1].splitlines()[0].strip())


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_a_false_statement_over_pairs_of_units_is_caught_every_run(tmp_path, seed):
    # a better rank with a lower total is impossible, so claiming it always fails on the first pair
    # of units with different totals
    text = scheme(CAP, "性质 反了: 若 名次 < 其他单位.名次 则 总分 < 其他单位.总分")
    result = _verify(tmp_path, text, "--seed", seed)
    assert result.exit_code == 1, result.output
    assert "[不成立] 性质 反了" in result.output and "与 单位" in result.output
    units = _first_example(result.output)["units"]
    assert len(units) >= 2  # the counterexample is the whole population


def test_true_statements_over_pairs_grades_and_vetoes_pass(tmp_path):
    text = scheme(CAP, """
  性质 名次与总分一致: 若 名次 < 其他单位.名次 则 总分 >= 其他单位.总分
  性质 否决后不评优: 若 否决 一票否优 则 等次 <= 良好
  性质 优秀够线: 若 等次 = 优秀 则 总分 >= 9
  性质 第一名最高: 若 名次 = 1 则 总分 = 最大(总分)""")
    result = _verify(tmp_path, text, "--seed", "4")
    assert result.exit_code == 0, result.output
    for name in ("名次与总分一致", "否决后不评优", "优秀够线", "第一名最高"):
        assert f"[通过] 性质 {name}" in result.output


def test_a_veto_that_caps_nothing_breaks_the_grade_statement(tmp_path):
    # the planted defect: the veto caps at 优秀 (the best grade), so a vetoed 10-point unit is still 优秀
    text = scheme("等次 最高 优秀", "性质 否决后不评优: 若 否决 一票否优 则 等次 != 优秀")
    result = _verify(tmp_path, text, "--seed", "1")
    assert result.exit_code == 1
    assert "[不成立] 性质 否决后不评优" in result.output
    vetoed = [u for u in _first_example(result.output)["units"] if u["values"].get("重大事故") == "是"]
    assert vetoed


def test_a_statement_that_cannot_be_evaluated_is_not_a_pass(tmp_path):
    # 重复数 compares texts of the scheme; a 性质 cannot read it on a scored unit
    text = scheme(CAP, "性质 读不出: 总分 >= 重复数(业务, 业务)")
    result = _verify(tmp_path, text, "--seed", "1")
    assert result.exit_code == 2, result.output
    assert "[无法验证] 性质 读不出" in result.output and "无法计算" in result.output


def test_an_exception_shows_the_counterexample_and_exits_0(tmp_path):
    text = scheme(CAP, '性质 过严: 总分 >= 9.5 例外 "原文如此"')
    result = _verify(tmp_path, text, "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "[已注明例外] 性质 过严：不成立，方案已注明例外：原文如此" in result.output
    assert "反例" in result.output
    # the same 性质 that holds: the exception is said to be removable, never silently kept
    held = _verify(tmp_path, scheme(CAP, '性质 宽: 总分 <= 10 例外 "原文如此"'), "--seed", "1")
    assert held.exit_code == 0 and "这条例外可以删去" in held.output


def test_cases_expect_grade_rank_and_veto(tmp_path):
    text = scheme(CAP, """
  总体 "甲乙" {
    单位 "甲" { 全部 指标: 一档 }
    单位 "乙" { 全部 指标: 一档, 1-2: 二档, 重大事故: 是 }
  }
  用例 "对" 总体 "甲乙" {
    期望 单位 "甲" 名次 = 1
    期望 单位 "乙" 否决 一票否优
    期望 单位 "乙" 等次 = 良好
    期望 单位 "甲" 等次 > 良好
  }
  用例 "错" 总体 "甲乙" { 期望 单位 "乙" 等次 = 优秀 }
  用例 "错的否决" 总体 "甲乙" { 期望 单位 "甲" 否决 一票否优 }""")
    path = tmp_path / "p.scheme"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(path)])
    # 乙: 6 + 4 × 90% = 9.6 ≥ 9 is 优秀 by the table, capped to 良好 by the veto; 甲: 10, first
    assert "[通过] 用例 对" in result.output, result.output
    assert "[不通过] 用例 错" in result.output and "[不通过] 用例 错的否决" in result.output
    assert result.exit_code == 1


def test_names_a_statement_reads_are_checked():
    no_grades = BASE.replace("  等次 { 优秀 >= 9, 良好 >= 8, 一般 其余 }\n", "")
    result = check(scheme("不评 优秀", "性质 x: 若 否决 无此否决 则 等次 = 优秀 且 其他单位.无此项 > 0", no_grades))
    found = {(d.code, d.message) for d in result.diagnostics}
    assert ("E0204", "未定义的否决“无此否决”") in found
    assert ("E0204", "未定义的名称“等次”") in found
    assert ("E0204", "未定义的名称“无此项”") in found
    refused = check(scheme(CAP, "类别 乙类 满分 1 { 2-1 \"丙\" 权重 1 门槛 否决 一票否优 }"))
    assert any(d.code == "E0503" for d in refused.diagnostics)


def test_a_scheme_replaces_its_templates_statement_by_name():
    model = check_path(SCHEMES / "quanzhou-sasac-2024.scheme").scheme
    bounded = [inv for inv in model.invariants if inv.name.text == "总分有界"]
    assert len(bounded) == 1 and bounded[0].exception is not None
    twice = check(scheme(CAP, "性质 甲: 总分 >= 0\n  性质 甲: 总分 <= 10"))
    assert [d.code for d in twice.diagnostics if d.severity.value == "error"] == ["E0203"]


SHIPPED = sorted(p.name for p in SCHEMES.glob("*.scheme"))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scheme_verifies(name):
    # ≥ 90% of the generated units are valid (else 无法验证, exit 2) and nothing fails (exit 1)
    result = CliRunner().invoke(main, ["verify", str(SCHEMES / name), "--examples", "10", "--seed", "7"])
    assert result.exit_code == 0, result.output
    generated, valid = map(int, re.match(r"生成 (\d+) 个单位，其中 (\d+) 个有效", result.output).groups())
    assert valid * 10 >= generated * 9, result.output


def test_an_open_category_is_held_to_its_cap_and_counts_as():
    # 动态工作目标 上限 10 计分 5 lists no items (2024): a unit reports its score, at most 5
    from kaoping.compiler.interpret import Interpreter
    from kaoping.compiler.properties import caps_check
    from kaoping.compiler.results import UnitResults

    checked = check_path(SCHEMES / "quanzhou-sasac-2024.scheme")
    values = {"重点工作目标": "50", "常规工作目标": "20", "全面从严治党": "5", "依法履职": "5", "机关效能": "5",
              "精神文明建设成效": "1", "平安建设成效": "1", "公众评议": "90", "领导评价": "80",
              "目标考核占比": "70%", "领导评价占比": "10%", "公众评议占比": "20%", "正向激励加分": "0", "察访核验扣分": "0"}
    scored = Interpreter(checked.program).score_all([
        UnitResults("甲", None, {**values, "动态工作目标": "100"}, {}, "甲"),
        UnitResults("乙", None, {**values, "动态工作目标": "5"}, {}, "乙")])
    assert [p["code"] for p in scored[0]["problems"]] == ["V0107"]
    # 乙: 职能工作目标 = min(50 + 20 + 5, 80) = 75; 行政能力目标 = 15; 目标考评得分 = 75 + 15 + 1 + 1 = 92;
    # 总分 = 92 × 70% + 80 × 10% + 90 × 20% = 64.4 + 8 + 18 = 90.4
    assert scored[1]["problems"] == [] and scored[1]["total"] == Fraction("90.4")
    # the built-in property reads 上限/计分 from the scheme as written: 100 points would break it
    name, prop = caps_check(checked.scheme)
    line = {"key": "动态工作目标", "points": Fraction(100), "children": []}
    assert prop({"tree": [line]}, {}, ()) == "动态工作目标 得 100 分，超过 计分 5"
