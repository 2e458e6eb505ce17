"""Worked examples, computed by hand (the arithmetic is written in each test), scored by both the
reference interpreter and the compiled module (tests/scoring_helpers.Both asserts they agree)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from conftest import SCHEMES, check
from kaoping.dsl.load import check_path
from scoring_helpers import Both, D, unit


@pytest.fixture(scope="module")
def transport(tmp_path_factory):
    r = check_path(SCHEMES / "quanzhou-transport-2019.scheme")
    assert r.ok
    return Both(r, tmp_path_factory.mktemp("transport"))


@pytest.fixture(scope="module")
def dashiqiao(tmp_path_factory):
    r = check_path(SCHEMES / "dashiqiao-2017.scheme")
    assert r.ok
    return Both(r, tmp_path_factory.mktemp("dsq"))


def all_top(scheme, **extra):
    values = {leaf.key: "一档" for leaf in scheme.leaves()}
    values.update(extra)
    return values


def test_seed001_formula_all_top_tier(transport):
    # 目标考评得分 = 职能 80 + 行政能力 20 = 100 (every item 一档 = 100% of its weight)
    # 考评总得分 = 100×70% + 公众评议 90×30% + 0 − 0 = 70 + 27 = 97
    s = transport.score(unit(values=all_top(transport.scheme, 公众评议="90", 正向激励加分="0", 察访核验扣分="0")))
    assert s["problems"] == []
    assert s["formulas"]["目标考评得分"] == 100
    assert s["total"] == 97


def test_seed001_second_tier_loses_a_tenth_of_the_weight(transport):
    # 1-1-1 weighs 2; 二档 = 90% (assumed) → 1.8, losing 0.2: 目标 99.8
    # 99.8×70% + 90×30% = 69.86 + 27 = 96.86
    v = all_top(transport.scheme, 公众评议="90", 正向激励加分="0", 察访核验扣分="0")
    v["1-1-1"] = "二档"
    s = transport.score(unit(values=v))
    leaf = s["tree"][0]["children"][0]["children"][0]["children"][0]
    assert (leaf["key"], leaf["points"], leaf["full"]) == ("1-1-1", D("1.8"), 2)
    assert "二档" in leaf["rule"]
    assert s["total"] == D("96.86")


def test_seed001_promotion_raises_one_tier_never_above_the_top(transport):
    v = all_top(transport.scheme, 公众评议="90")
    v["1-1-1"] = {"档次": "三档", "晋档": "1"}  # 三档 → 二档: 2 × 90% = 1.8
    v["1-1-2"] = {"档次": "一档", "晋档": "1"}  # already the top: stays 2
    s = transport.score(unit(values=v))
    items = s["tree"][0]["children"][0]["children"][0]["children"]
    assert [i["points"] for i in items[:2]] == [D("1.8"), 2]
    # 目标 = 100 − 0.2 = 99.8 → 99.8×70% + 27 = 96.86
    assert s["total"] == D("96.86")


def test_seed001_bonus_is_clipped_to_its_cap_and_deduction_subtracted(transport):
    # 正向激励加分 7 > 上限 5 → 5;  97 + 5 − 0.5 = 101.5
    s = transport.score(unit(values=all_top(transport.scheme, 公众评议="90", 正向激励加分="7", 察访核验扣分="0.5")))
    bonus = next(g for g in s["groups"] if g["key"] == "正向激励加分")
    assert (bonus["points"], bonus["clipped"]) == (5, 2)
    assert s["total"] == D("101.5")


def test_missing_result_is_a_problem_not_a_zero(transport):
    v = all_top(transport.scheme, 公众评议="90")
    del v["1-1-1"]
    s = transport.score(unit(values=v))
    assert s["total"] is None
    assert [(p["code"], p["key"]) for p in s["problems"]] == [("V0101", "1-1-1")]


def test_invalid_results_are_all_reported_with_their_place(transport):
    v = all_top(transport.scheme, 公众评议="120")  # 公众评议 满分 100
    v["1-1-1"] = "四档"  # undefined tier
    v["9-9-9"] = "一档"  # unknown id
    v["1-1-2"] = {"档次": "三档", "晋档": "2"}  # more promotion than 可晋档 1
    s = transport.score(unit(values=v))
    got = sorted((p["code"], p["key"]) for p in s["problems"])
    assert got == [("V0102", "9-9-9"), ("V0105", "1-1-1"), ("V0106", "1-1-2"), ("V0107", "公众评议")]
    assert all(p["place"] == f"values[{p['key']!r}]" for p in s["problems"])


def test_seed004_rescaled_to_hundred(dashiqiao):
    # 市环保局: 27 tasks, 175 points; indicator 1 (20 points) earns 15, the rest full: 170 of 175.
    # 结果得分 = 170/175×100 = 680/7;  指标考核得分 = 680/7×90% + 100×10% = 612/7 + 10 = 682/7
    # 满意度测评得分 (市直部门) = 100×70% + 100×30% = 100
    # 考评成绩 = 682/7×80% + 100×10% + 100×10% − 0 + 0 = 2728/35 + 20 = 3428/35
    block = next(b for b in dashiqiao.scheme.unit_blocks if b.unit == "市环保局")
    values = {leaf.key: str(leaf.points) for leaf in block.leaves()}
    values["1"] = "15"
    values.update(过程得分="100", 党建工作考核得分="100", 领导评价="100", 公众评议="100")
    s = dashiqiao.score(unit("市环保局", values, "市直部门"))
    assert s["problems"] == []
    assert s["formulas"]["结果得分"] == Fraction(680, 7)
    assert s["formulas"]["指标考核得分"] == Fraction(682, 7)
    assert s["total"] == Fraction(3428, 35)


def test_seed004_town_formula_and_external_score(dashiqiao):
    # 镇区: 满意度测评得分 = 领导评价×50% + 市直部门评价×20% + 公众评议×30% = 45 + 16 + 27 = 88
    # 结果得分 is reported (外部) as 90: 指标考核得分 = 90×90% + 80×10% = 81 + 8 = 89
    # 考评成绩 = 89×80% + 70×10% + 88×10% − 2 + 0 = 71.2 + 7 + 8.8 − 2 = 85
    values = dict(结果得分="90", 过程得分="80", 党建工作考核得分="70", 领导评价="90", 市直部门评价="80", 公众评议="90",
                  察访核验扣分="2")
    s = dashiqiao.score(unit("水源镇", values, "镇区"))
    assert s["formulas"]["满意度测评得分"] == 88
    assert s["total"] == 85


def test_unit_class_not_in_scheme(dashiqiao):
    s = dashiqiao.score(unit("某局", {"考评成绩": "90"}, "乡镇"))
    assert [p["code"] for p in s["problems"]][:1] == ["V0105"]


SMALL = """
方案 "小方案" {
  精度 2 位 四舍五入
  类别 业务 满分 10 {
    指标 1-1 "甲" 分值 6 评分 完成率 { 1-1-1 "一" 权重 3  1-1-2 "二" 权重 3 }
    指标 1-2 "乙" 分值 4 评分 少报
  }
  评分法 完成率 = 按比例 上限 100%
  评分法 少报 = 每次 扣 0.5 扣完为止
  评分法 评议 = 评委 去掉最高最低 平均 保留 2 位
  排名 依据 总分
  等次 { 优秀 >= 9, 良好 >= 8, 合格 >= 6, 不合格 其余 } 比例 优秀 <= 50%
  否决 一票否优 若 有 重大事故 则 等次 最高 良好
  得分 总分 = 业务
}
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return Both.of_text(SMALL, tmp_path_factory.mktemp("small"))


def test_ratio_capped_and_per_occurrence_deduction(small):
    # 1-1-1: 85% × 3 = 2.55;  1-1-2: 120% capped at 100% → 3;  1-1 = 5.55
    # 1-2: 4 − 3 × 0.5 = 2.5;  total 5.55 + 2.5 = 8.05
    s = small.score(unit(values={"1-1-1": "85%", "1-1-2": "1.2", "1-2": "3"}))
    assert s["total"] == D("8.05")
    # 9 occurrences: 4 − 4.5 = −0.5, floored at 0 by the method's 扣完为止, which the rule says
    s = small.score(unit(values={"1-1-1": "1", "1-1-2": "1", "1-2": "9"}))
    deduct = s["tree"][0]["children"][1]
    assert deduct["points"] == 0 and deduct["rule"].endswith("共扣 4.5 分；扣完为止")
    assert s["total"] == 6


def test_rounding_is_half_up_at_the_declaring_node(small):
    # 1-1-1: 33.5% × 3 = 1.005; 1-1-2: 100% → 3; 1-2: 0 → 4. Total 8.005 → 精度 2 位 四舍五入 → 8.01
    # (Python's round(8.005, 2) gives 8.0 through binary floats; half-even would give 8.0 too)
    s = small.score(unit(values={"1-1-1": "33.5%", "1-1-2": "1", "1-2": "0"}))
    assert s["total"] == D("8.01")


def test_ranking_ties_share_a_rank_and_skip_the_next_grades_with_quota_and_veto(small):
    full = {"1-1-1": "1", "1-1-2": "1", "1-2": "0"}  # 10
    units = [
        unit("甲", full),  # 10
        unit("乙", full),  # 10: tied with 甲
        unit("丙", {"1-1-1": "1", "1-1-2": "1", "1-2": "2"}),  # 10 − 1 = 9
        unit("丁", dict(full, 重大事故=True)),  # 10, but 一票否优
    ]
    scores = small.rank(units)
    got = {s["unit"]: (s["total"], s["rank"], s["grade"]) for s in scores}
    # ranks: 甲 乙 丁 share 1 (10), 丙 is 4th (9): ties skip ranks 2 and 3
    # grades: 优秀 ≥ 9 for all four, 优秀 ≤ 50% of 4 → at most 2 (甲, 乙 by rank order, 丁 vetoed to 良好),
    # so 丙 (4th) drops from 优秀 to 良好.
    assert got == {"甲": (10, 1, "优秀"), "乙": (10, 1, "优秀"), "丙": (9, 4, "良好"), "丁": (10, 1, "良好")}


def test_panel_drops_extremes_then_averages(tmp_path):
    r = check("""
    方案 "评委" {
      类别 能力 满分 5 { 4-1 "创新" 权重 5 评分 评议 }
      评分法 评议 = 评委 去掉最高最低 平均 保留 2 位
    }
    """)
    both = Both(r, tmp_path)
    # 7 scorers: 4, 4.5, 3, 5, 4.5, 4, 3.5 → drop 5 and 3 → (4 + 4.5 + 4.5 + 4 + 3.5) / 5 = 20.5 / 5 = 4.1
    s = both.score(unit(values={"4-1": ["4", "4.5", "3", "5", "4.5", "4", "3.5"]}))
    assert s["total"] == D("4.1")
    # 3 scorers 4, 4, 5 → drop 5 and 4 → 4;  (3.333… kept to 2 places: 10/3 → 3.33)
    assert both.score(unit(values={"4-1": ["4", "4", "5"]}))["total"] == 4
    assert both.score(unit(values={"4-1": ["3", "3", "4", "3", "4"]}))["total"] == D("3.33")


CONDITIONS = """
方案 "条件" {
  类别 口岸管理 满分 4 适用 有 口岸 不适用 计 0 {
    指标 10 "验收达标" 分值 3 门槛 有 验收报告 且 达标率 >= 75%
    指标 11 "设施完好" 分值 1 可缺
  }
  类别 帮扶 满分 6 {
    指标 12 "帮扶覆盖" 分值 6 输入项 { 已覆盖 计数, 应覆盖 计数 } 取值 已覆盖 / 应覆盖 评分 完成率
  }
  评分法 完成率 = 按比例 上限 100%
}
"""


@pytest.fixture(scope="module")
def conditions(tmp_path_factory):
    return Both.of_text(CONDITIONS, tmp_path_factory.mktemp("cond"))


def test_applies_gate_optional_and_computed_value(conditions):
    # 口岸: applies; 10 passes its gate → 2.5 (direct); 11 may be missing → 0;
    # 12: 已覆盖 3 / 应覆盖 4 = 75% × 6 = 4.5;  total 2.5 + 0 + 4.5 = 7
    s = conditions.score(unit(values={"口岸": True, "验收报告": True, "达标率": "80%", "10": "2.5",
                                      "12": {"已覆盖": "3", "应覆盖": "4"}}))
    assert s["problems"] == [] and s["total"] == 7
    # 达标率 70% < 75%: the gate closes, and the explanation says which part
    s = conditions.score(unit(values={"口岸": True, "验收报告": True, "达标率": "70%", "10": "2.5",
                                      "12": {"已覆盖": "3", "应覆盖": "4"}}))
    assert s["total"] == D("4.5") and "达标率 0.7 不满足 >= 75%" in s["tree"][0]["children"][0]["rule"]
    # no 验收报告: the gate closes 10 to 0 → 0 + 0 + 4.5
    s = conditions.score(unit(values={"口岸": True, "10": "2.5", "12": {"已覆盖": "3", "应覆盖": "4"}}))
    assert s["total"] == D("4.5") and "门槛未达" in s["tree"][0]["children"][0]["rule"]
    # no 口岸: the whole category is not applicable and counts 0, its items need no results
    s = conditions.score(unit(values={"12": {"已覆盖": "4", "应覆盖": "4"}}))
    assert s["problems"] == [] and s["total"] == 6 and s["tree"][0]["rule"].startswith("不适用")


def test_computed_value_needs_its_fields(conditions):
    s = conditions.score(unit(values={"口岸": True, "10": "1", "12": {"已覆盖": "3"}}))
    assert [(p["code"], p["key"]) for p in s["problems"]] == [("V0101", "12")]


def test_unsupported_conditions_are_errors_at_check_time():
    r = check("""
    方案 "x" {
      类别 a 满分 3 适用 有 口岸 不适用 折算 { 指标 1 "甲" 分值 3 门槛 计数(a) >= 1 }
      统一门槛 有 佐证
      免扣 a 若 均值(表扬) > 1
    }
    """)
    # 不适用 折算; 计数(…) in a condition; a cross-unit function of a reported fact (not an input) in 免扣
    assert [d.code for d in r.errors] == ["E0503", "E0503", "E0503"]


CROSS = """
方案 "跨单位" {
  类别 业务 满分 10 { 1-1 "甲" 权重 10 }
  单位类别 窗口单位 {}
  单位类别 机关单位 {}
  得分 基础 = 业务
  得分 总分 = 基础 × 90% + 基础 ÷ 最大(基础, 全部单位) × 10 - (名次(基础, 窗口单位) - 1)
  排名 依据 总分
}
"""


def test_cross_unit_functions_aggregate_the_units_scored_together(tmp_path):
    both = Both.of_text(CROSS, tmp_path)
    units = [unit("甲", {"1-1": "8"}, "窗口单位"), unit("乙", {"1-1": "10"}, "窗口单位"),
             unit("丙", {"1-1": "6"}, "机关单位")]
    scores = {s["unit"]: s for s in both.rank(units)}
    # 最大(基础, 全部单位) = 10; 名次 among 窗口单位: 乙 1, 甲 2; 丙 is not in 窗口单位: its rank there is
    # 1 + (number of 窗口单位 values above 6) = 3.
    # 甲: 8 × 90% + 8 ÷ 10 × 10 − (2 − 1) = 7.2 + 8 − 1 = 14.2
    # 乙: 10 × 90% + 10 ÷ 10 × 10 − 0 = 9 + 10 = 19
    # 丙: 6 × 90% + 6 ÷ 10 × 10 − (3 − 1) = 5.4 + 6 − 2 = 9.4
    assert {u: s["total"] for u, s in scores.items()} == {"甲": D("14.2"), "乙": 19, "丙": D("9.4")}
    # scored alone, a unit cannot know the others: a located problem, not a guess
    alone = both.score(units[0])
    assert alone["total"] is None and alone["problems"][0]["code"] == "V0204"


def test_per_level_quota_and_amounts(tmp_path):
    both = Both.of_text("""
    方案 "信息报送" {
      类别 宣传 上限 10 {
        1-1 "信息报送" 权重 4 评分 信息 可超分值
        1-2 "宣传报道" 权重 2 评分 报道
      }
      评分法 信息 = 配额 { 省级 2, 市级 4 } 篇 不足 每篇 扣 0.5 此后 每篇 { 省级 加 1.5, 市级 加 0.25 } 最多 加 2
      评分法 报道 = 每篇 { 国家级 加 1, 省级 加 0.5 }
    }
    """, tmp_path)
    # 1-1: 省级 3 (1 over the quota: +1.5), 市级 3 (1 short: −0.5) → 4 + 1.5 − 0.5 = 5 (可超分值: kept)
    # 1-2: adds only, from 0: 国家级 1 × 1 + 省级 3 × 0.5 = 2.5 → clamped to its weight 2.   Total 5 + 2 = 7
    s = both.score(unit(values={"1-1": {"省级": "3", "市级": "3"}, "1-2": {"国家级": "1", "省级": "3"}}))
    assert [(x["points"], x["clipped"]) for x in s["tree"][0]["children"]] == [(5, None), (2, D("0.5"))]
    assert s["total"] == 7
    # 省级 5 (3 over: 4.5, but 最多 加 2), 市级 6 (2 over: 0.5) → added 5 → 2: 4 + 2 = 6;  1-2 nothing: 0
    s = both.score(unit(values={"1-1": {"省级": "5", "市级": "6"}, "1-2": {"国家级": "0", "省级": "0"}}))
    assert s["total"] == 6
    # 省级 0 (2 short: −1), 市级 2 (2 short: −1) → 4 − 2 = 2
    nothing = {"国家级": "0", "省级": "0"}
    assert both.score(unit(values={"1-1": {"省级": "0", "市级": "2"}, "1-2": nothing}))["total"] == 2
    s = both.score(unit(values={"1-1": {"县级": "1"}, "1-2": nothing}))
    assert [p["code"] for p in s["problems"]] == ["V0105"]


def test_best_unit_and_mean_standard_come_from_the_units_scored_together(tmp_path):
    both = Both.of_text("""
    方案 "比最优" {
      类别 经济 满分 10 {
        1-1 "地区生产总值增速" 权重 6 评分 比最优法
        1-2 "人均投入" 权重 4 评分 不低于均值
      }
      评分法 比最优法 = 比最优
      评分法 不低于均值 = 偏离 标准 均值(投入, 全部单位) 方向 不低于 每 1 扣 0.5
      输入 投入 满分 100
    }
    """, tmp_path)
    units = [unit("甲", {"1-1": "8", "1-2": "60", "投入": "60"}), unit("乙", {"1-1": "6", "1-2": "66", "投入": "66"}),
             unit("丙", {"1-1": "4", "1-2": "72", "投入": "72"})]
    scores = {s["unit"]: s for s in both.rank(units)}
    # 1-1: the best is 8 → 甲 6 × 8/8 = 6, 乙 6 × 6/8 = 4.5, 丙 6 × 4/8 = 3
    # 1-2: 均值(投入) = (60 + 66 + 72) / 3 = 66 → 甲 is 6 below: 4 − 6 × 0.5 = 1; 乙, 丙 not below: 4
    assert {u: s["total"] for u, s in scores.items()} == {"甲": 7, "乙": D("8.5"), "丙": 7}
    assert both.score(units[0])["problems"][0]["code"] == "V0204"  # alone, it cannot know the best


def test_veto_conditions_combine_and_compare(tmp_path):
    both = Both.of_text("""
    方案 "否决条件" {
      类别 业务 满分 10 { 1-1 "甲" 权重 10 }
      得分 总分 = 业务
      等次 { 优秀 >= 9, 良好 >= 8, 合格 其余 }
      否决 双重 若 有 通报批评 且 有 整改不力 则 等次 最高 良好
      否决 满意度 若 满意率 < 60% 则 不评 优秀
    }
    """, tmp_path)
    units = [unit("甲", {"1-1": "10", "通报批评": True}),  # one finding of two: no veto → 优秀
             unit("乙", {"1-1": "10", "通报批评": True, "整改不力": True}),  # both → at most 良好
             unit("丙", {"1-1": "10", "满意率": "55%"})]  # 55% < 60% → not 优秀 → 良好
    grades = {s["unit"]: s["grade"] for s in both.rank(units)}
    assert grades == {"甲": "优秀", "乙": "良好", "丙": "良好"}


def test_a_level_left_out_is_a_problem_not_zero(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      类别 宣传 满分 2 { 1-2 "宣传报道" 权重 2 评分 { 每篇 { 国家级 加 1, 省级 加 0.5 } } }
    }
    """, tmp_path)
    s = both.score(unit(values={"1-2": {"国家级": "1"}}))
    assert s["total"] is None and [p["code"] for p in s["problems"]] == ["V0101"]
