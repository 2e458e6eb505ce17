"""Issue 14's last forms, scored by hand: a bonus kept apart (计入), sections each unit fills with its
own items, precision rules by item size, and grades with quotas per class. Every expected value is
computed in the comment next to it, never by the code under test; both back ends score each case."""

from __future__ import annotations

from conftest import check, codes
from scoring_helpers import Both, D, unit

# ---------------------------------------------------------------- 1. 计入: the bonus kept apart
# 「完成8条的得满分；每多报一条奖励0.25分，最高奖励1.5分」（信息报送 20分 + 8分奖分）
BONUS = """
方案 "奖分" {
  类别 信息工作 满分 20 {
    5-1 "信息报送" 权重 20 评分 { 配额 8 条 不足 每条 扣 2 此后 每条 加 0.25 最多 加 1.5 计入 信息奖分 }
  }
  加分组 信息奖分 上限 8
  得分 总分 = 信息工作 + 信息奖分
}
"""


def test_the_bonus_goes_to_its_group_not_into_the_capped_item(tmp_path):
    both = Both.of_text(BONUS, tmp_path)
    # 12 条: 4 more × 0.25 = 1 → 5-1 keeps 20 (its 权重, never clipped), 信息奖分 1; 总分 20 + 1 = 21
    s = both.score(unit(values={"5-1": "12"}))
    leaf = s["tree"][0]["children"][0]
    assert (leaf["points"], leaf["clipped"], leaf["bonus"]) == (20, None, {"into": "信息奖分", "points": 1})
    assert s["groups"][0]["points"] == 1 and s["total"] == 21
    # 20 条: 12 more × 0.25 = 3, 最多 加 1.5 → 1.5 apart; 总分 21.5
    assert both.score(unit(values={"5-1": "20"}))["total"] == D("21.5")
    # 6 条: 2 short × 2 = 4 → 16, no bonus; 总分 16
    s = both.score(unit(values={"5-1": "6"}))
    assert s["total"] == 16 and s["groups"][0]["points"] == 0 and s["groups"][0]["children"] == []


def test_the_group_cap_holds_the_reported_entries_and_the_bonuses_together(tmp_path):
    text = BONUS.replace("加分组 信息奖分 上限 8", "加分组 信息奖分 上限 2 { 表彰 评分 { 每次 加 1 } }")
    both = Both.of_text(text, tmp_path)
    # 表彰 1 次 = 1, plus 5-1's 1.5 (20 条) = 2.5, 上限 2 → 2 (0.5 clipped); 总分 20 + 2 = 22
    s = both.score(unit(values={"5-1": "20", "信息奖分": {"表彰": "1"}}))
    g = s["groups"][0]
    assert (g["points"], g["clipped"], s["total"]) == (2, D("0.5"), 22)
    assert [c["kind"] for c in g["children"]] == ["entry", "bonus"]


def test_a_bonus_from_zero_goes_whole(tmp_path):
    # 每篇 加 0.5 starts from 0: everything it adds is the bonus; the item keeps 0
    both = Both.of_text("""
    方案 "x" {
      类别 宣传 满分 2 { 5-4 "采用" 权重 2 评分 { 每篇 加 0.5 计入 奖分 } }
      加分组 奖分
      得分 总分 = 宣传 + 奖分
    }
    """, tmp_path)
    # 6 篇 × 0.5 = 3: 5-4 keeps 0, 奖分 3; 总分 3 (with no 计入 it would be clipped to 2)
    s = both.score(unit(values={"5-4": "6"}))
    assert s["tree"][0]["points"] == 0 and s["total"] == 3


def test_into_refused_where_it_cannot_act():
    r = check("""
    方案 "x" {
      类别 a 满分 4 { 指标 1 "甲" 分值 4 评分 { 每次 加 1 计入 没有 } }
      扣分组 通报
      加分组 组 { 表彰 评分 { 每次 加 1 计入 组 } }
      评分法 M = 每次 加 1 计入 通报
      类别 b 满分 1 { 指标 2 "乙" 分值 1 评分 M }
    }
    """)
    assert codes(r) == [("E0204", 2, 44), ("E0503", 4, 26), ("E0504", 5, 21)]
