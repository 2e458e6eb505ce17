"""Every form that `kaoping check` accepts is scored as docs/scoring.md says, in both back ends, or
refused at check time at its line:col. Each expected value is computed by hand in the comment."""

from __future__ import annotations

from fractions import Fraction

import pytest

from conftest import check
from scoring_helpers import Both, D, unit


def codes(r):
    return [(d.code, d.span.line) for d in r.errors]


# 1. 门槛, 范围 (and 适用) on an indicator that has level-2 items
GATED = """
方案 "x" {
  类别 a 满分 4 {
    指标 5 "x" 分值 4 门槛 有 佐证 范围 [0, 4] {
      5-1 "一" 权重 4 评分 是否
      5-2 "二" 权重 0 可为负 评分 { 每次 扣 2 }
    }
  }
}
"""


def test_gate_and_range_on_an_indicator_with_children(tmp_path):
    both = Both.of_text(GATED, tmp_path)
    # without 佐证 the gate gives 0 (the children are not scored)
    assert both.score(unit(values={"5-1": "是", "5-2": "3"}))["total"] == 0
    # with 佐证: 5-1 = 4, 5-2 = 0 − 3 × 2 = −6 (可为负 keeps it); 4 − 6 = −2, floored at 0 by 范围 [0, 4]
    s = both.score(unit(values={"5-1": "是", "5-2": "3", "佐证": "是"}))
    assert s["total"] == 0 and s["tree"][0]["children"][0]["clipped"] == -2
    # one occurrence: 4 − 2 = 2
    assert both.score(unit(values={"5-1": "是", "5-2": "1", "佐证": "有"}))["total"] == 2


def test_applies_on_an_indicator_with_children(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      类别 a 满分 6 {
        指标 1 "口岸" 分值 4 适用 有 口岸 不适用 满分 { 1-1 "一" 权重 4 评分 是否 }
        指标 2 "其他" 分值 2 { 2-1 "二" 权重 2 评分 是否 }
      }
    }
    """, tmp_path)
    # 不适用 满分: 1 counts its 4 points without any result; 2-1 否: 0 → 4
    assert both.score(unit(values={"2-1": "否"}))["total"] == 4
    # 适用: 1-1 否 → 0; 2-1 是 → 2
    assert both.score(unit(values={"口岸": "是", "1-1": "否", "2-1": "是"}))["total"] == 2


def test_may_exceed_on_an_indicator_with_children(tmp_path):
    text = """
    方案 "x" {
      类别 a 上限 10 {
        指标 1 "x" 分值 2 { 1-1 "一" 权重 2 可超分值 评分 { 每篇 加 1 } }
      }
    }
    """
    # 5 articles: 1-1 = 0 + 5 × 1 = 5 (可超分值 keeps it). Indicator 1: clipped at its 分值 2 ...
    assert Both.of_text(text, tmp_path).score(unit(values={"1-1": "5"}))["total"] == 2
    # ... unless it may exceed it too: 5
    kept = Both.of_text(text.replace('分值 2 {', '分值 2 可超分值 {'), tmp_path)
    assert kept.score(unit(values={"1-1": "5"}))["total"] == 5


# 2, 3. group entries: inline methods, amounts in the group's own direction
GROUPS = """
方案 "x" {
  类别 业务 满分 10 { 1-1 "甲" 权重 10 }
  加分组 奖励 { 省表彰 评分 { 每次 加 4 }, 市表彰 评分 { 每次 加 1 } 上限 2 }
  扣分组 通报 { 批评 评分 { 每次 扣 3 } }
  得分 总分 = 业务 + 奖励 - 通报
}
"""


def test_group_entries_score_by_their_inline_methods(tmp_path):
    both = Both.of_text(GROUPS, tmp_path)
    # 业务 8; 奖励: 省表彰 2 × 4 = 8, 市表彰 3 × 1 = 3 → its 上限 2; 8 + 2 = 10; 通报: 批评 2 × 3 = 6
    # 总分 = 8 + 10 − 6 = 12
    s = both.score(unit(values={"1-1": "8", "奖励": {"省表彰": "2", "市表彰": "3"}, "通报": {"批评": "2"}}))
    assert s["total"] == 12
    assert [g["points"] for g in s["groups"]] == [10, 6]


@pytest.mark.parametrize("group, entry", [("扣分组", "每次 加 3"), ("加分组", "每次 扣 3")])
def test_an_entry_against_its_groups_direction_is_refused(group, entry):
    r = check(f"""
    方案 "x" {{
      类别 业务 满分 10 {{ 1-1 "甲" 权重 10 }}
      {group} g {{ 项 评分 {{ {entry} }} }}
    }}
    """)
    assert codes(r) == [("E0504", 3)] and "写正数" in r.errors[0].hint


# 4. 最多 扣 / 最多 加 next to every shape
def test_at_most_deduct_beside_quota_and_not_below_and_parts(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      类别 a 满分 12 {
        1-1 "报送" 权重 5 评分 { 配额 8 次 不足 每次 扣 1 最多 扣 2 }
        1-2 "合格率" 权重 3 评分 { 不低于 85% 每低 1% 扣 0.5 最多 扣 1 }
        1-3 "质量" 权重 4 可超分值 评分 { 合计 { 迟报: 每次 扣 1, 表扬: 每次 加 1 } 最多 加 1 最多 扣 2 }
      }
    }
    """, tmp_path)
    # 1-1: 3 of 8, 5 short → 5 × 1 = 5, but 最多 扣 2: 5 − 2 = 3
    # 1-2: 80%, 5 points below → 2.5, but 最多 扣 1: 3 − 1 = 2
    # 1-3: 迟报 3 → −3 capped at −2; 表扬 2 → +2 capped at +1: 4 + 1 − 2 = 3.   Total 3 + 2 + 3 = 8
    s = both.score(unit(values={"1-1": "3", "1-2": "80%", "1-3": {"迟报": "3", "表扬": "2"}}))
    assert [c["points"] for c in s["tree"][0]["children"]] == [3, 2, 3]


# 5. 取值 on a named method: the rank computed from the units scored together
def test_value_clause_of_a_named_rank_method(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      类别 a 满分 5 { 1-1 "产值排名" 权重 5 评分 产值排名 }
      输入 产值
      评分法 产值排名 = 排名 { 1: 5, 2: 3 } 其余 0 取值 名次(产值, 全部单位)
    }
    """, tmp_path)
    # 产值 甲 100, 乙 80, 丙 90 → 名次 1, 3, 2 → 5, 0 (其余), 3
    scores = both.rank([unit("甲", {"产值": "100"}), unit("乙", {"产值": "80"}), unit("丙", {"产值": "90"})])
    assert [s["total"] for s in scores] == [5, 0, 3]


# 6. a gate inside an inline method
def test_gate_inside_an_inline_method(tmp_path):
    both = Both.of_text("""
    方案 "x" { 类别 a 满分 2 { 1-1 "按时报送" 权重 2 评分 { 是否 门槛 有 按时 } } }
    """, tmp_path)
    assert both.score(unit(values={"1-1": "是", "按时": "是"}))["total"] == 2
    for facts in ({"按时": "否"}, {}):  # 否, or not given: the gate is shut, and neither is a problem
        s = both.score(unit(values={"1-1": "是", **facts}))
        assert s["total"] == 0 and not s["problems"]


# 7. 扣完为止 on a 可为负 item
def test_until_zero_on_an_item_that_may_be_negative(tmp_path):
    both = Both.of_text("""
    方案 "x" { 类别 a 满分 2 { 1-1 "x" 权重 2 可为负 评分 { 每次 扣 1 扣完为止 } } }
    """, tmp_path)
    # 5 times: 2 − 5 = −3; 扣完为止 stops at 0 although the item may be negative
    assert both.score(unit(values={"1-1": "5"}))["total"] == 0


# 8. parts left out of a 合计 result
def test_parts_left_out_are_a_problem(tmp_path):
    both = Both.of_text("""
    方案 "x" { 类别 a 满分 4 { 1-1 "质量" 权重 4 评分 { 合计 { 逾期: 每次 扣 0.3, 错报: 每次 扣 0.6 } } } }
    """, tmp_path)
    for given in ({}, {"逾期": "1"}):
        s = both.score(unit(values={"1-1": given}))
        assert s["total"] is None and [p["code"] for p in s["problems"]] == ["V0101"]
    # 4 − 1 × 0.3 − 2 × 0.6 = 2.5
    assert both.score(unit(values={"1-1": {"逾期": "1", "错报": "2"}}))["total"] == D("2.5")


# 9. cross-unit values in stages; a unit without a value is left out, never counted as 0
STAGED = """
方案 "x" {
  输入 产值
  得分 相对 = 产值 ÷ 最大(产值, 全部单位) × 10
  得分 总分 = 相对 + 10 - 名次(相对, 全部单位)
}
"""


def test_rank_of_a_value_that_needs_the_other_units(tmp_path):
    both = Both.of_text(STAGED, tmp_path)
    # 产值 50, 100, 80 → 相对 5, 10, 8 → 名次 3, 1, 2 → 总分 5 + 10 − 3 = 12, 10 + 10 − 1 = 19, 8 + 10 − 2 = 16
    scores = both.rank([unit("甲", {"产值": "50"}), unit("乙", {"产值": "100"}), unit("丙", {"产值": "80"})])
    assert [s["total"] for s in scores] == [12, 19, 16]


def test_a_unit_without_the_value_does_not_enter_the_mean(tmp_path):
    both = Both.of_text("""
    方案 "x" { 输入 产值  得分 总分 = 产值 - 均值(产值, 全部单位) }
    """, tmp_path)
    # 丁 lacks 产值: a problem for 丁 only; the mean is (50 + 100 + 90) ÷ 3 = 80, not 240 ÷ 4 = 60
    scores = both.rank([unit("甲", {"产值": "50"}), unit("乙", {"产值": "100"}), unit("丙", {"产值": "90"}),
                        unit("丁", {})])
    assert [s["total"] for s in scores] == [-30, 20, 10, None]
    assert [p["code"] for p in scores[3]["problems"]] == ["V0101"]


def test_a_class_mean_reads_the_classs_units_even_when_their_total_does_not_use_the_name(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      输入 产值
      单位类别 甲类 { 得分 总分 = 产值 }
      单位类别 乙类 { 得分 总分 = 均值(产值, 甲类) }
      得分 总分 = 产值
    }
    """, tmp_path)
    # 甲类 units 60 and 80: mean 70; the 乙类 unit scores 70
    scores = both.rank([unit("a", {"产值": "60"}, "甲类"), unit("b", {"产值": "80"}, "甲类"),
                        unit("c", {"产值": "5"}, "乙类")])
    assert [s["total"] for s in scores] == [60, 80, 70]


def test_a_cycle_through_cross_unit_values_is_refused():
    r = check("""
    方案 "x" { 输入 产值  得分 总分 = 产值 + 名次(总分, 全部单位) }
    """)
    assert "E0601" in [d.code for d in r.errors]


def test_rank_of_twenty_thousand_units_is_not_quadratic():
    """名次 looks the rank up by bisection (the bench measures it); here: ties share the rank."""
    from kaoping.compiler import runtime as R

    spec = type("S", (), {"func": "名次", "name": "x", "scope": None})()
    cross = R.cross_aggregates([(None, {"x": Fraction(v)}) for v in (5, 9, 9, 1)], [spec])
    # values 9, 9, 5, 1: 9 → 1 + 0 larger = 1 (tied), 5 → 1 + 2 = 3, 1 → 4
    assert [R.cross_value(cross, "名次", "x", None, Fraction(v)) for v in (9, 5, 1)] == [1, 3, 4]


# 10. a veto with several conditions
def test_veto_fires_when_one_part_of_or_holds_and_another_is_missing(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      类别 a 满分 100 { 1-1 "x" 权重 100 }
      等次 { 优秀 >= 90, 良好 >= 80, 合格 其余 }
      否决 一票否优 若 有 事故 或 满意率 < 60% 则 等次 最高 良好
    }
    """, tmp_path)
    s = both.rank([unit("甲", {"1-1": "95", "事故": "是"})])[0]  # 满意率 not given: the veto still fires
    assert s["grade"] == "良好" and s["vetoes"] == [("一票否优", True)]
    s = both.rank([unit("乙", {"1-1": "95", "事故": "否"})])[0]  # 事故 否, 满意率 unknown: cannot be decided
    assert s["grade"] == "优秀" and s["vetoes"][0][1] == "缺少条件所需的“满意率”"


# 11. a category of one unit's block never breaks the others
def test_a_section_of_one_units_block_does_not_apply_to_the_others(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      类别 业务 满分 10 { 1-1 "甲" 权重 10 }
      单位 "甲局" { 类别 专项 满分 5 { 9-1 "专项任务" 权重 5 } }
      得分 总分 = 业务 + 专项
    }
    """, tmp_path)
    # 甲局: 8 + 4 = 12; 乙局 has no such section: 7 + 0 = 7
    scores = both.rank([unit("甲局", {"1-1": "8", "9-1": "4"}), unit("乙局", {"1-1": "7"})])
    assert [s["total"] for s in scores] == [12, 7]


def test_a_unit_of_the_blocks_class_without_its_block_is_a_problem(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      单位类别 部门 {}
      单位 "甲局" 属于 部门 { 类别 任务 满分 5 { 9-1 "任务" 权重 5 } }
      得分 总分 = 任务
    }
    """, tmp_path)
    s = both.rank([unit("甲局", {"9-1": "4"}, "部门"), unit("乙局", {}, "部门")])
    assert s[0]["total"] == 4 and s[1]["total"] is None and s[1]["problems"][0]["code"] == "V0201"


# 12. limits refused where they are, never a crash
def test_negative_weight_is_refused_at_its_place():
    r = check('方案 "x" { 类别 a 满分 3 { 1-1 "甲" 权重 4  1-2 "乙" 权重 -1 } }')
    assert [d.code for d in r.errors] == ["E0307"]


def test_sums_past_twenty_eight_digits_are_exact():
    # 0.0000000000000000000000000000001 + 1000000.0000000000000000000000000000002 = 1000000.0000000000000000000000000000003
    r = check('方案 "x" { 类别 a 满分 1000000.0000000000000000000000000000003 { '
              '1-1 "甲" 权重 0.0000000000000000000000000000001  1-2 "乙" 权重 1000000.0000000000000000000000000000002 } }')
    assert r.ok


def test_deep_conditions_and_long_formulas_are_refused_or_compiled():
    deep = check('方案 "x" { 类别 a 满分 3 { 1-1 "甲" 权重 3 门槛 ' + "非 " * 400 + "有 x } }")
    assert [d.code for d in deep.errors] == ["E0111"]
    long = check('方案 "x" { 类别 a 满分 3 { 1-1 "甲" 权重 3 }  得分 总分 = a' + " + 1" * 99 + " }")
    assert long.ok  # 99 additions: lowered, compiled (compile() runs on the module) and scored below


def test_a_formula_of_ninety_nine_operators_scores_in_both(tmp_path):
    both = Both.of_text('方案 "x" { 类别 a 满分 3 { 1-1 "甲" 权重 3 }  得分 总分 = a' + " + 1" * 99 + " }", tmp_path)
    assert both.score(unit(values={"1-1": "2"}))["total"] == 2 + 99


def test_a_five_thousand_digit_number_is_refused():
    r = check('方案 "x" { 类别 a 满分 3 { 1-1 "甲" 权重 3 }  得分 总分 = a + ' + "9" * 5000 + " }")
    assert [d.code for d in r.errors] == ["E0112"]


# clauses that do nothing for their method are refused, never ignored
@pytest.mark.parametrize("method", [
    "分档 { 一档 100%, 二档 80% } 整档",
    "按比例 上限 100% 此后 每次 加 1",
    "是否 保留 2 位",
    "每次 扣 1 方向 不低于",
])
def test_a_clause_that_does_nothing_is_refused_at_its_place(method):
    r = check(f'方案 "x" {{ 类别 a 满分 3 {{ 1-1 "甲" 权重 3 评分 {{ {method} }} }} }}')
    assert [d.code for d in r.errors] == ["E0503"]
    assert r.errors[0].span.column > r.errors[0].span.column - 1 and "不起作用" in r.errors[0].message


def test_reverse_rank_table_lists_the_points_as_documents_write_them(tmp_path):
    # 「倒数第1名、第2名、第3名的分别计2分、1.9分、1.8分，倒数第4名及以上的，每进1名扣0.1分」
    both = Both.of_text("""
    方案 "x" { 类别 a 满分 2 { 1-1 "x" 权重 2 评分 { 倒数排名 { 1: 2, 2: 1.9, 3: 1.8 } 此后 每名 扣 0.1 } } }
    """, tmp_path)
    # 倒数第1名 2; 倒数第3名 1.8; 倒数第6名: 1.8 − 3 × 0.1 = 1.5
    assert [both.score(unit(values={"1-1": r}))["total"] for r in ("1", "3", "6")] == [2, D("1.8"), D("1.5")]


def test_an_open_category_and_its_parts_both_reported_is_a_problem(tmp_path):
    both = Both.of_text("""
    方案 "x" { 类别 职能 满分 80 { 类别 重点 满分 60 {} 类别 常规 满分 20 {} } }
    """, tmp_path)
    # reported as a whole: 70; as parts: 50 + 15 = 65; both at once: one would be ignored → a problem
    assert both.score(unit(values={"职能": "70"}))["total"] == 70
    assert both.score(unit(values={"重点": "50", "常规": "15"}))["total"] == 65
    s = both.score(unit(values={"职能": "70", "重点": "50", "常规": "15"}))
    assert s["total"] is None and [p["code"] for p in s["problems"]] == ["V0113"]


VETOES = """
方案 "x" {
  类别 业务 满分 100 { 1-1 "任务" 权重 100 }
  输入 满意率
  单位类别 镇 {}
  单位类别 局 {}
  得分 总分 = 业务
  排名 按 单位类别 依据 总分
  等次 { 优秀 >= 90, 良好 >= 80, 合格 其余 }
  否决 后三位 若 名次(总分, 本类) > 单位数(本类) - 3 则 不评 优秀
  否决 满意率低 若 满意率 < 均值(满意率, 全部单位) - 10% 则 等次 最高 良好
}
"""


def test_vetoes_read_the_ranks_and_the_counts_of_the_units_own_class(tmp_path):
    both = Both.of_text(VETOES, tmp_path)
    # 镇: five units 99, 98, 97, 96, 95 → ranks 1…5 of 5; 后三位 is rank > 5 − 3 = 2: ranks 3, 4, 5.
    # 局: one unit 99 → rank 1 of 1; 1 > 1 − 3 = −2: it fires too (a class of one is its own last three).
    # 满意率 all 90% → mean 90%; 90% < 80% never. 优秀 is ≥ 90: units vetoed by 后三位 drop to 良好.
    towns = [unit(f"镇{i}", {"1-1": str(99 - i), "满意率": "90%"}, "镇") for i in range(5)]
    scores = both.rank(towns + [unit("局1", {"1-1": "99", "满意率": "90%"}, "局")])
    assert [s["grade"] for s in scores] == ["优秀", "优秀", "良好", "良好", "良好", "良好"]
    assert [dict(s["vetoes"])["后三位"] for s in scores] == [False, False, True, True, True, True]


def test_a_veto_compares_with_the_mean_of_the_units_scored_together(tmp_path):
    both = Both.of_text(VETOES, tmp_path)
    # 满意率 95%, 95%, 65%: mean 85%; 85% − 10% = 75%; only 65% < 75% → 良好 at most
    scores = both.rank([unit("a", {"1-1": "95", "满意率": "95%"}, "局"), unit("b", {"1-1": "94", "满意率": "95%"}, "局"),
                        unit("c", {"1-1": "96", "满意率": "65%"}, "镇")])
    assert [dict(s["vetoes"])["满意率低"] for s in scores] == [False, False, True]


def test_a_gate_compares_an_input_with_the_mean_of_the_units(tmp_path):
    both = Both.of_text("""
    方案 "x" {
      输入 达标率
      类别 a 满分 2 { 1-1 "x" 权重 2 评分 是否 门槛 达标率 >= 均值(达标率, 全部单位) }
    }
    """, tmp_path)
    # 达标率 80%, 60%: mean 70%; the first passes its gate (2), the second does not (0)
    scores = both.rank([unit("a", {"1-1": "是", "达标率": "80%"}), unit("b", {"1-1": "是", "达标率": "60%"})])
    assert [s["total"] for s in scores] == [2, 0]


def test_an_exemption_waives_a_deduction_group_or_a_category(tmp_path):
    # 「占比高于各地平均占比3个百分点的，可不扣分」
    both = Both.of_text("""
    方案 "x" {
      输入 占比
      类别 业务 满分 10 { 1-1 "任务" 权重 10 }
      类别 服务 满分 5 { 2-1 "窗口" 权重 5 评分 { 每次 扣 1 } }
      扣分组 通报
      得分 总分 = 业务 + 服务 - 通报
      免扣 通报 若 占比 > 均值(占比, 全部单位) + 3%
      免扣 服务 若 有 免检
    }
    """, tmp_path)
    # 占比 20%, 10%, 9%: mean 13%; 13% + 3% = 16%: only a (20%) is exempt from 通报 2
    # a: 8 + (5 − 1) − 0 = 12;  b: 8 + 4 − 2 = 10;  c (有 免检: 服务 counts its full 5): 8 + 5 − 2 = 11
    values = {"1-1": "8", "2-1": "1", "通报": "2"}
    scores = both.rank([unit("a", {**values, "占比": "20%"}), unit("b", {**values, "占比": "10%"}),
                        unit("c", {**values, "占比": "9%", "免检": "是"})])
    assert [s["total"] for s in scores] == [12, 10, 11]
    assert scores[0]["groups"][0]["rule"] == "免扣，不扣分"


def test_an_exemption_of_something_else_is_refused():
    r = check('方案 "x" { 类别 a 满分 1 { 1-1 "x" 权重 1 }  加分组 奖励  免扣 奖励 若 有 x  免扣 无此项 若 有 x }')
    assert [d.code for d in r.errors] == ["E0503", "E0204"]


def test_missing_takes_the_mean_and_a_class_takes_another_classs_mean(tmp_path):
    # 「未新进人员的，按全市平均分得分」 and 「其他部门得分为专业部门得分的平均分」
    both = Both.of_text("""
    方案 "x" {
      类别 业务 满分 10 {
        指标 3-4 "窗口服务" 分值 6 { 3-4-1 "a" 权重 6 }
        指标 3-5 "新进人员" 分值 4 缺失 取 均值(指标 3-5, 全部单位)
      }
      单位类别 专业部门 {}
      单位类别 机关单位 { 指标 3-4 取 均值(指标 3-4, 专业部门) }
    }
    """, tmp_path)
    scores = both.rank([unit("a", {"3-4-1": "6", "3-5": "4"}, "专业部门"), unit("b", {"3-4-1": "3", "3-5": "2"}, "专业部门"),
                        unit("c", {}, "机关单位")])
    # a: 6 + 4 = 10; b: 3 + 2 = 5; c: 3-4 = (6 + 3) ÷ 2 = 4.5,
    # 3-5 not given = (4 + 2) ÷ 2 = 3 (c itself is left out of the mean it needs); 4.5 + 3 = 7.5
    assert [s["total"] for s in scores] == [10, 5, D("7.5")]
    # c may not report what its class's rule decides (it would be ignored)
    c = both.rank([unit("a", {"3-4-1": "6", "3-5": "4"}, "专业部门"), unit("c", {"3-4-1": "1"}, "机关单位")])[1]
    assert c["total"] is None and [p["code"] for p in c["problems"]] == ["V0114"]


def test_a_rank_table_that_deducts_deducts_from_the_weight(tmp_path):
    # 「第1名扣1分，第2名扣2分」 with 权重 5: 5 − 1 = 4, 5 − 2 = 3 (never the 1 or 2 written read as points)
    both = Both.of_text('方案 "x" { 类别 a 满分 5 { 1-1 "x" 权重 5 评分 { 排名 { 1: 扣 1, 2: 扣 2 } } } }', tmp_path)
    assert [both.score(unit(values={"1-1": r}))["total"] for r in ("1", "2")] == [4, 3]


def test_whole_steps_are_explained_as_written(tmp_path):
    both = Both.of_text('方案 "x" { 类别 a 满分 5 { 1-1 "x" 权重 5 评分 { 每 3 次 扣 1 整档 } } }', tmp_path)
    # 7 times: 2 whole steps of 3 → 5 − 2 = 3
    s = both.score(unit(values={"1-1": "7"}))
    assert s["total"] == 3 and s["tree"][0]["children"][0]["rule"] == "7 次，每 3 次（整档）扣 1，共扣 2 分"


def test_yes_no_fields_count_one_for_yes_in_a_value(tmp_path):
    # 「三类稿件均达到任务数的得5分」: three 是否 fields, 是 = 1; the value is their product (all or nothing)
    both = Both.of_text("""
    方案 "x" {
      类别 宣传 满分 5 {
        1-1 "稿件" 权重 5 输入项 { 信息 是否, 调研 是否, 宣传 是否 } 取值 信息 × 调研 × 宣传 评分 { 按比例 }
      }
    }
    """, tmp_path)
    # all three 是: 1 × 1 × 1 = 100% of 5 = 5; one 否: 1 × 0 × 1 = 0
    assert both.score(unit(values={"1-1": {"信息": "是", "调研": "是", "宣传": "是"}}))["total"] == 5
    assert both.score(unit(values={"1-1": {"信息": "是", "调研": "否", "宣传": "是"}}))["total"] == 0
    s = both.score(unit(values={"1-1": {"信息": "是", "调研": "未知", "宣传": "是"}}))
    assert s["total"] is None and [p["code"] for p in s["problems"]] == ["V0110"]


def test_counter_words_are_open(tmp_path):
    # 「每例扣1分」 and 「每2人次扣0.5分」: 3 cases → 4 − 3 = 1; 5 person-times → 2 whole pairs (整档) → 4 − 1 = 3
    both = Both.of_text("""
    方案 "x" { 类别 a 满分 8 {
      1-1 "个案" 权重 4 评分 { 每例 扣 1 }
      1-2 "督导" 权重 4 评分 { 每 2 人次 扣 0.5 整档 }
    } }
    """, tmp_path)
    assert both.score(unit(values={"1-1": "3", "1-2": "5"}))["total"] == 4


def test_not_applicable_rescale_gives_its_points_to_the_others(tmp_path):
    # 「不适用的指标，其分值按比例折算到其他指标」: 指标 2 (4 points) does not apply to 甲;
    # 业务 = 4.5 × (6 + 4) ÷ 6 = 7.5 (指标 1's rate 4.5/6 = 75% over all 10 points); 乙: 4.5 + 3 = 7.5;
    # 丙 (1 and 2 both full, 2 not applying): 6 × 10 ÷ 6 = 10, never above 业务's 满分 10
    from scoring_helpers import Both, unit

    both = Both.of_text("""
    方案 "折算" {
      类别 业务 满分 10 {
        指标 1 "办件" 分值 6
        指标 2 "口岸验收" 分值 4 适用 有 口岸 不适用 折算
      }
      得分 总分 = 业务
    }
    """, tmp_path)
    a = both.score(unit("甲", {"1": "4.5", "口岸": "否"}))
    assert a["total"] == Fraction(15, 2) and "4.5 × 10 ÷ 6 = 7.5" in a["tree"][0]["rule"]
    assert both.score(unit("乙", {"1": "4.5", "2": "3", "口岸": "是"}))["total"] == Fraction(15, 2)
    assert both.score(unit("丙", {"1": "6", "口岸": "否"}))["total"] == 10
