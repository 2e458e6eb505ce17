"""kaoping verify / test: properties hold on the seeds; a false invariant or case is caught with a
shrunk counterexample."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from click.testing import CliRunner

from conftest import SCHEMES, check
from kaoping.cli import main

SCHEME = """
方案 "性质" {
  类别 业务 满分 10 评分 三档 { 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }
  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% }
  输入 公众评议 满分 100
  得分 总分 = 业务×70% + 公众评议×30%
  性质 有界: 总分 <= 100
  性质 过严: 总分 >= 90
  用例 "全部一档、公众评议90分" {
    输入 { 全部 指标: 一档, 公众评议: 90 }
    期望 总分 = 34
  }
  用例 "算错的期望" {
    输入 { 全部 指标: 一档, 1-2: 三档, 公众评议: 100 }
    期望 总分 = 40
  }
}
"""


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_seed_properties_hold():
    result = CliRunner().invoke(main, ["verify", str(SCHEMES / "quanzhou-transport-2019.scheme"), "--examples", "10"])
    assert result.exit_code == 0, result.output
    assert "[已证明] 性质 总分有界" in result.output and "[通过] 提高一档不会降低得分" in result.output
    assert "个有效并已评分" in result.output


def test_progress_is_told_once_per_population_and_only_a_terminal_sees_a_bar():
    from kaoping.compiler.verify import verify
    from kaoping.dsl.load import check_path

    checked = check_path(str(SCHEMES / "quanzhou-transport-2019.scheme"))
    assert checked.ok
    calls = []
    report = verify(checked.scheme, checked.program, examples=15, seed=1, progress=lambda *a: calls.append(a))
    assert [done for done, _ in calls] == list(range(1, len(calls) + 1))
    planned = {p for _, p in calls}
    assert len(planned) == 1 and planned.pop() >= 15  # the corners and the 15 random populations
    assert len(calls) >= 15 and report.generated >= len(calls)  # every population has at least one unit
    # CliRunner's stderr is not a terminal: no bar, not even its label
    result = CliRunner().invoke(main, ["verify", str(SCHEMES / "quanzhou-transport-2019.scheme"),
                                       "--examples", "5", "--seed", "1"])
    assert result.exit_code == 0 and "verifying" not in result.output + result.stderr


def test_false_invariant_gives_a_counterexample(tmp_path):
    path = tmp_path / "p.scheme"
    path.write_text(SCHEME, encoding="utf-8")
    result = CliRunner().invoke(main, ["verify", str(path), "--examples", "20"])
    assert result.exit_code == 1
    # 总分 ≤ 10 × 70% + 100 × 30% = 37: the bounds prove 有界 without sampling
    assert "[已证明] 性质 有界" in result.output and "[不成立] 性质 过严" in result.output
    example = json.loads(result.output.split("results file）:\n", 1)[1].splitlines()[0])
    assert set(example["units"][0]["values"]) == {"1-1", "1-2", "公众评议"}


def test_cases_run_as_written(tmp_path):
    path = tmp_path / "p.scheme"
    path.write_text(SCHEME, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(path)])
    # case 1: 业务 10 × 70% + 90 × 30% = 7 + 27 = 34 → passes
    # case 2: 业务 6 + 4 × 80% = 9.2 → 9.2 × 70% + 100 × 30% = 6.44 + 30 = 36.44 ≠ 40 → fails
    assert "[通过] 用例 全部一档、公众评议90分" in result.output
    assert "[不通过] 用例 算错的期望" in result.output and "36.44" in result.output
    # the failing expectation names what the total reads, each with the rule that produced it
    assert "用例 · 得分 总分：期望 = 40，实际 36.44" in result.output and "业务 = 9.2（下级合计 9.2）" in result.output
    assert result.exit_code == 1


def test_population_cases_rank_units_together(tmp_path):
    path = tmp_path / "p.scheme"
    path.write_text("""
方案 "总体" {
  类别 业务 满分 10 { 1-1 "甲" 权重 10 }
  单位类别 窗口单位 {}
  得分 总分 = 业务 - (名次(业务, 窗口单位) - 1)
  总体 "三个单位" {
    单位 "甲" 属于 窗口单位 { 1-1: 8 }
    单位 "乙" 属于 窗口单位 { 1-1: 9 }
    单位 "丙" 属于 窗口单位 { }
  }
  用例 "名次扣分" 总体 "三个单位" {
    输入 { 1-1: 5 }
    期望 单位 "甲" 总分 = 7
    期望 单位 "乙" 总分 = 9
    期望 单位 "丙" 总分 = 3
  }
}
""", encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(path)])
    # 甲 8 is 2nd → 8 − 1 = 7; 乙 9 is 1st → 9; 丙 takes the case's 5, 3rd → 5 − 2 = 3
    assert result.exit_code == 0, result.output
    assert "[通过] 用例 名次扣分" in result.output


def test_sum_of_parts_with_step_rows():
    from conftest import check
    from kaoping.compiler.results import UnitResults
    from kaoping.compiler.scoring import score_units

    r = check("""
    方案 "合计" {
      类别 质量 满分 4 { 1-1 "报送质量" 权重 4 评分 报送质量 }
      评分法 报送质量 = 合计 { 逾期: 每次 扣 0.3, 错报: 每次 扣 0.6 } 扣完为止
    }
    """)
    assert r.ok, [d.message for d in r.errors]
    # 逾期 2 × 0.3 + 错报 1 × 0.6 = 1.2 → 4 − 1.2 = 2.8;  逾期 12 → 4 − 3.6 − 0.6 = −0.2 → 扣完为止: 0
    scores = score_units(r.program, [UnitResults("甲", None, {"1-1": {"逾期": "2", "错报": "1"}}, {}, "甲"),
                                    UnitResults("乙", None, {"1-1": {"逾期": "12", "错报": "1"}}, {}, "乙")])
    assert [s["total"] for s in scores] == [Fraction(14, 5), 0]


def test_a_case_can_expect_a_veto(tmp_path):
    path = tmp_path / "p.scheme"
    path.write_text("""
方案 "否决" {
  类别 质量 满分 4 { 1-1 "报送质量" 权重 4 }
  得分 总分 = 质量
  等次 { 优秀 >= 3, 合格 其余 }
  否决 一票否优 若 有 重大安全事故 则 等次 最高 合格
  用例 "满分但有事故" {
    输入 { 1-1: 4, 重大安全事故: 是 }
    期望 总分 = 4
    期望 否决 一票否优
  }
  用例 "满分无事故" {
    输入 { 1-1: 4 }
    期望 否决 一票否优
  }
}
""", encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(path)])
    # 4 points is 优秀 by the table; 一票否优 caps the first unit at 合格; the second is not vetoed
    assert "[通过] 用例 满分但有事故" in result.output
    assert "[不通过] 用例 满分无事故" in result.output and result.exit_code == 1


def test_cases_take_every_value_a_results_file_takes(tmp_path):
    # 1-1: 省级 3 (1 over the quota: +1.5), 市级 3 (1 short: −0.5) → 4 + 1.5 − 0.5 = 5 (可超分值)
    # 1-2: 3 ÷ 4 = 75% of 3 = 2.25;  1-3: 3 − 2 × 0.5 − 0 × 1 = 2;  宣传 = 9.25;  奖励: 2 × 1 = 2 → 11.25
    text = """
方案 "用例的形状" {
  类别 宣传 满分 10 {
    1-1 "信息" 权重 4 可超分值 评分 { 配额 { 省级 2, 市级 4 } 篇 不足 每篇 扣 0.5 此后 每篇 { 省级 加 1.5, 市级 加 0.25 } 最多 加 2 }
    1-2 "覆盖" 权重 3 输入项 { 已覆盖, 应覆盖 } 取值 已覆盖 / 应覆盖 评分 { 按比例 }
    1-3 "质量" 权重 3 评分 { 合计 { 逾期: 每次 扣 0.5, 错报: 每次 扣 1 } }
  }
  加分组 奖励 上限 3 { 表彰 评分 { 每次 加 1 } }
  得分 总分 = 宣传 + 奖励
  用例 "每种形状" {
    输入 { 1-1: { 省级: 3, 市级: 3 }, 1-2: { 已覆盖: 3, 应覆盖: 4 }, 1-3: { 逾期: 2, 错报: 0 }, 奖励: { 表彰: 2 } }
    期望 总分 = 11.25
  }
  用例 "算错的期望" {
    输入 { 1-1: { 省级: 3, 市级: 3 }, 1-2: { 已覆盖: 3, 应覆盖: 4 }, 1-3: { 逾期: 2, 错报: 0 }, 奖励: { 表彰: 2 } }
    期望 总分 = 12.25
  }
}
"""
    path = tmp_path / "case.scheme"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 1
    assert "[通过] 用例 每种形状" in result.output
    assert "期望 = 12.25，实际 11.25" in result.output and "宣传 = 9.25" in result.output


def test_a_property_over_every_item_of_a_scope(tmp_path):
    # 全部 指标 为 一档: 1-1 一档 6 + 1-2 一档 4 = 10, so 总分 >= 10 holds and 总分 >= 11 does not
    text = """
方案 "全优" {
  类别 a 满分 10 评分 三档 { 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }
  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% }
  得分 总分 = a
  性质 全优: 若 全部 指标 为 一档 则 总分 >= BOUND
}
"""
    path = tmp_path / "q.scheme"
    path.write_text(text.replace("BOUND", "10"), encoding="utf-8")
    held = CliRunner().invoke(main, ["verify", str(path), "--seed", "1", "--examples", "20"])
    assert held.exit_code == 0 and "[通过] 性质 全优" in held.output
    path.write_text(text.replace("BOUND", "11"), encoding="utf-8")
    broken = CliRunner().invoke(main, ["verify", str(path), "--seed", "1", "--examples", "20"])
    assert broken.exit_code == 1 and "[不成立] 性质 全优" in broken.output and '"1-1": "一档"' in broken.output


def test_all_are_is_refused_where_a_score_is_decided():
    r = check('方案 "x" { 类别 a 满分 1 { 1-1 "x" 权重 1 门槛 全部 指标 为 一档 } }')
    assert [d.code for d in r.errors] == ["E0503"]
