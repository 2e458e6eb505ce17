"""Any results file, however wrong, gives problems — never a traceback — in both back ends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring_helpers import Both, unit

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=6)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6)

EVERY_METHOD = """
方案 "各种评分法" {
  类别 甲 满分 40 {
    1-1 "分档" 权重 4 评分 三档
    1-2 "比例" 权重 4 评分 完成率
    1-3 "功效" 权重 4 评分 功效法
    1-4 "区间" 权重 4 评分 水质
    1-5 "排名" 权重 4 评分 全市排名
    1-6 "阶梯" 权重 4 评分 违规
    1-7 "每次" 权重 4 评分 少报
    1-8 "偏离" 权重 4 评分 合格率
    1-9 "取最高" 权重 4 评分 媒体
    1-10 "评委" 权重 4 评分 评议
  }
  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% } 可晋档 1
  评分法 完成率 = 按比例 上限 100%
  评分法 功效法 = 功效 下限 60% 目标 100%
  评分法 水质 = 区间 高优 { [95%, 100%] 满分, [85%, 95%) 80%, 其余 0 }
  评分法 全市排名 = 排名 { 1: 4, 2: 3.5 } 此后 每名 扣 0.5 下限 0
  评分法 违规 = 阶梯 { 1次: 扣 0.5, 2次及以上: 不得分 }
  评分法 少报 = 每次 扣 0.5 扣完为止
  评分法 合格率 = 不低于 85% 每低 1% 扣 0.15
  评分法 媒体 = 取最高 { 国家级 3, 省级 2, 市级 1 }
  评分法 评议 = 评委 去掉最高最低 平均 保留 2 位
  输入 公众评议 满分 100
  得分 总分 = 甲 + 公众评议 × 10%
}
"""


@pytest.fixture(scope="module")
def every_method(tmp_path_factory):
    return Both.of_text(EVERY_METHOD, tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([f"1-{i}" for i in range(1, 11)] + ["公众评议", "x"]), JSON, max_size=12))
def test_any_values_give_problems_or_a_score(every_method, values):
    s = every_method.score(unit(values=values))  # both back ends, and they agree
    assert (s["total"] is None) == bool(s["problems"])
    assert all(p["code"].startswith("V") and p["message"] for p in s["problems"])


def test_each_method_scores_a_plain_valid_value(every_method):
    values = {"1-1": "二档", "1-2": "50%", "1-3": "80%", "1-4": "0.9", "1-5": "4", "1-6": "1", "1-7": "2",
              "1-8": "83%", "1-9": ["省级", "市级"], "1-10": ["3", "4", "2"], "公众评议": "90"}
    s = every_method.score(unit(values=values))
    got = [leaf["points"] for leaf in s["tree"][0]["children"]]
    # 4×90% = 3.6; 4×50% = 2; 4×(80−60)/(100−60) = 2; 0.9 ∈ [85%, 95%) → 4×80% = 3.2; rank 4: 3.5 − 2×0.5 = 2.5;
    # 1 次 → 4 − 0.5 = 3.5; 2 次 → 4 − 1 = 3; 83% is 2 points below 85% → 4 − 0.3 = 3.7; highest 省级 → 2;
    # marks 3, 4, 2 → drop 4 and 2 → 3
    assert got == [Decimal("3.6"), 2, 2, Decimal("3.2"), Decimal("2.5"), Decimal("3.5"), 3, Decimal("3.7"), 2, 3]
    # 甲 = 28.5, 总分 = 28.5 + 90 × 10% = 37.5
    assert s["total"] == Decimal("37.5")
