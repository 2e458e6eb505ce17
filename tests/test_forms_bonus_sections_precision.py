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
    # the same result again: the compiled module must not reuse a line without its bonus
    assert both.score(unit("乙", values={"5-1": "12"}))["total"] == 21
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


# ---------------------------------------------------------------- 2. 单位自列: a section each unit fills
SECTIONS = """
方案 "部门职责" {
  类别 共性指标 满分 50 { 1-1 "依法行政" 权重 50 }
  类别 部门职责 满分 50 评分 三档 单位自列 市直部门 {}
  类别 镇街工作 满分 50 单位自列 镇街 不适用 满分 {}
  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% }
  单位类别 市直部门 {}
  单位类别 镇街 {}
  单位 "环保局" 属于 市直部门 {
    类别 部门职责 { 指标 1 "大气污染防治" 分值 30  指标 2 "水污染防治" 分值 20 }
  }
  单位 "商务局" 属于 市直部门 {
    类别 部门职责 { 指标 1 "招商引资" 分值 50 }
  }
  单位 "东镇" 属于 镇街 {
    类别 镇街工作 { 指标 1 "乡村振兴" 分值 50 评分 是否 }
  }
  得分 总分 = 共性指标 + 部门职责 + 镇街工作
}
"""


def test_each_unit_scores_its_own_items_under_the_declared_points_and_method(tmp_path):
    both = Both.of_text(SECTIONS, tmp_path)
    scored = {s["unit"]: s for s in both.rank([
        unit("环保局", {"1-1": "40", "1": "一档", "2": "二档"}),  # class taken from the scheme (属于 市直部门)
        unit("商务局", {"1-1": "45", "1": "三档"}, "市直部门"),
        unit("东镇", {"1-1": "50", "1": "否"}, "镇街"),
    ])}
    # 环保局: 40 + (30 × 100% + 20 × 90% = 48) + 镇街工作 not listed, 不适用 满分: 50 → 138
    assert (scored["环保局"]["class"], scored["环保局"]["total"]) == ("市直部门", 138)
    # 商务局: 45 + 50 × 80% = 40 + 50 → 135 (its item 1 is 三档 by the section's method, not 东镇's 是否)
    assert scored["商务局"]["total"] == 135
    # 东镇: 50 + 部门职责 not listed, 不适用 (default 计 0): 0 + its 1 否: 0 → 50
    assert scored["东镇"]["total"] == 50
    assert scored["东镇"]["tree"][1]["rule"].startswith("不适用")


def test_membership_comes_from_the_scheme(tmp_path):
    both = Both.of_text(SECTIONS, tmp_path)
    # a 市直部门 the scheme gives no block: its section cannot be scored (V0116), never counted 0
    s = both.score(unit("财政局", {"1-1": "50"}, "市直部门"))
    assert s["total"] is None and [p["code"] for p in s["problems"]] == ["V0116"]
    # 环保局 reported as 镇街 while the scheme says 属于 市直部门: V0115
    s = both.score(unit("环保局", {"1-1": "40", "1": "一档", "2": "二档"}, "镇街"))
    assert "V0115" in [p["code"] for p in s["problems"]]


def test_a_section_a_unit_does_not_list_can_give_its_points_to_the_others(tmp_path):
    """单位自列 … 不适用 折算: a unit without the section is scored over the rest of its parent, as any
    node that does not apply with 折算 (it was once accepted and counted 0)."""
    both = Both.of_text("""
    方案 "折算" {
      类别 考核 满分 100 {
        类别 共性指标 满分 50 { 1-1 "依法行政" 权重 50 }
        类别 镇街工作 满分 50 单位自列 镇街 不适用 折算 {}
      }
      单位类别 市直部门 {}
      单位类别 镇街 {}
      单位 "东镇" 属于 镇街 { 类别 镇街工作 { 指标 1 "乡村振兴" 分值 50 评分 是否 } }
      得分 总分 = 考核
    }
    """, tmp_path)
    scored = {s["unit"]: s for s in both.rank([unit("商务局", {"1-1": "40"}, "市直部门"),
                                               unit("东镇", {"1-1": "40", "1": "是"})])}
    # 商务局 lists no 镇街工作: 40 × (50 + 50) ÷ 50 = 80
    assert scored["商务局"]["total"] == 80
    assert "按比例折算" in scored["商务局"]["tree"][0]["rule"]
    # 东镇 lists it: 40 + 50 = 90, nothing rescaled
    assert scored["东镇"]["total"] == 90
    # the bounds know it: with 1-1 allowed up to 60, 考核 reaches 60 × (50 + 50) ÷ 50 = 120 by rescaling,
    # more than the 60 + 50 = 110 of the plain sum
    from kaoping.dsl.bounds import analyse
    wide = Both.of_text("""
    方案 "折算" {
      类别 考核 {
        类别 共性指标 { 1-1 "依法行政" 权重 50 范围 [0, 60] }
        类别 镇街工作 满分 50 单位自列 镇街 不适用 折算 {}
      }
      单位类别 市直部门 {}
      单位类别 镇街 {}
      单位 "东镇" 属于 镇街 { 类别 镇街工作 { 指标 1 "乡村振兴" 分值 50 评分 是否 } }
      得分 总分 = 考核
    }
    """, tmp_path)
    assert analyse(wide.program).nodes["考核"] == (0, 120)
    assert wide.score(unit("商务局", {"1-1": "60"}, "市直部门"))["total"] == 120
    # at the top of the tree there is no parent sum to rescale: refused, as for any 不适用 折算 there
    r = check("""
    方案 "x" {
      类别 a 满分 50 { 1-1 "甲" 权重 50 }
      类别 b 满分 50 单位自列 不适用 折算 {}
    }
    """)
    assert [c for c, *_ in codes(r)] == ["E0503"]


def test_malformed_sections_are_refused_at_their_place():
    r = check("""
    方案 "x" {
      类别 部门职责 满分 10 单位自列 市直部门 { 1-1 "方案中的指标" 权重 10 }
      类别 其他 满分 10 单位自列 没有的类 {}
      单位类别 市直部门 {}
      单位类别 镇街 {}
      单位 "甲局" 属于 镇街 { 类别 部门职责 满分 10 { 指标 1 "甲" 分值 10 } }
      单位 "乙局" 属于 市直部门 { 类别 部门职责 { 指标 1 "乙" 分值 8 } }
    }
    """)
    # E0309 the scheme lists an item of it; E0204 an unknown class; E0309 a block declares its 满分
    # again; E0310 甲局 belongs to 镇街; E0301 乙局's items sum to 8, not the declared 10
    assert sorted(codes(r)) == [("E0204", 3, 20), ("E0301", 7, 24), ("E0309", 2, 29), ("E0309", 6, 27),
                                ("E0310", 6, 22)]


# ---------------------------------------------------------------- 3. 小数: decimals by item size
DECIMALS = """
方案 "小数" {
  类别 业务 满分 30 {
    1-1 "小项" 权重 4.5
    1-2 "中项" 权重 5.5
    1-3 "大项" 权重 20
    1-4 "算出的" 权重 0 可超分值 评分 { 每次 加 0.125 }
  }
  小数 { 分值 <= 5: 2 位, 分值 >= 10: 0 位 }ROUND
}
"""


def test_reported_scores_with_too_many_decimals_are_refused_at_their_place(tmp_path):
    both = Both.of_text(DECIMALS.replace("ROUND", ""), tmp_path)
    # 4.25 (2 places, ≤ 5) + 5.125 (5.5 meets no row) + 18 (0 places) + 1 × 0.125 (computed: no rule) = 27.5
    s = both.score(unit(values={"1-1": "4.25", "1-2": "5.125", "1-3": "18", "1-4": "1"}))
    assert s["total"] == D("27.5")
    # 4.125 has 3 places for a 4.5-point item; 18.5 has 1 for a 20-point one: both V0117, never rounded
    s = both.score(unit(values={"1-1": "4.125", "1-2": "5", "1-3": "18.5", "1-4": "0"}))
    assert s["total"] is None
    assert [(p["code"], p["key"]) for p in s["problems"]] == [("V0117", "1-1"), ("V0117", "1-3")]


def test_a_declared_rounding_rounds_instead(tmp_path):
    both = Both.of_text(DECIMALS.replace("ROUND", " 四舍五入"), tmp_path)
    # 4.125 → 4.13 (half up), 5 as given, 18.5 → 19, 1-4: 0 → 4.13 + 5 + 19 = 28.13
    s = both.score(unit(values={"1-1": "4.125", "1-2": "5", "1-3": "18.5", "1-4": "0"}))
    assert s["total"] == D("28.13")


def test_declared_points_are_checked_and_the_rule_is_written_once():
    r = check(DECIMALS.replace("ROUND", "").replace("权重 20", "权重 19.5").replace("权重 4.5", "权重 4.125")
              .replace("满分 30 ", ""))
    # 19.5 (≥ 10: no decimals) and 4.125 (≤ 5: 2 places) are refused where their points are written
    assert codes(r) == [("E0311", 3, 14), ("E0311", 5, 14)]
    r = check("""
    方案 "x" {
      类别 a 满分 1 { 1-1 "甲" 权重 1 }
      小数 { 其余: 1 位, 分值 <= 5: 2 位 }
      小数 { 分值 >= 10: 0 位 }
    }
    """)
    assert codes(r) == [("E0312", 3, 8), ("E0312", 4, 3)]


# ---------------------------------------------------------------- 4. 等次 with quotas per class
GRADES = """
方案 "等次" {
  类别 业务 满分 100 { 1-1 "任务" 权重 100 }
  单位类别 局 {}
  单位类别 镇 {}
  得分 总分 = 业务
  排名 依据 总分
  等次 { 优秀 ≥ 90, 良好 >= 80, 合格 其余 } QUOTAS
  否决 一票否优 若 有 事故 则 不评 优秀
}
"""
UNITS = [("A", "局", "98"), ("B", "局", "95"), ("C", "局", "95"), ("D", "局", "92"), ("E", "局", "85"),
         ("F", "局", "70"), ("G", "局", "91"), ("H", "镇", "99"), ("I", "镇", "93"), ("J", "镇", "60")]


def _grades(tmp_path, quotas, facts=None):
    both = Both.of_text(GRADES.replace("QUOTAS", quotas), tmp_path)
    units = [unit(n, {"1-1": t, **(facts or {}).get(n, {})}, c) for n, c, t in UNITS]
    return {s["unit"]: (s["rank"], s["grade"]) for s in both.rank(units)}


def test_quotas_per_class_keep_the_best_and_demote_ties_at_the_limit_together(tmp_path):
    got = _grades(tmp_path, "比例 优秀 <= 30% 按 单位类别 比例 良好 <= 50% 按 单位类别")
    # ranked over all ten (no 按 单位类别 on 排名): H 99 1, A 98 2, B/C 95 3 (tied), I 93 5, D 92 6, G 91 7, …
    # 局 (7 units): 优秀 at most ⌊7 × 30%⌋ = ⌊2.1⌋ = 2. Holders by total: A 98, B 95, C 95, D 92, G 91; the
    # 2nd (B 95) ties the 3rd (C 95): neither keeps it → only A. B, C, D, G go to 良好.
    # 良好 at most ⌊7 × 50%⌋ = 3: B 95, C 95, D 92, G 91, E 85 → B, C, D keep it; G, E go to 合格; F 合格.
    # 镇 (3 units): 优秀 at most ⌊3 × 30%⌋ = 0 → H, I to 良好; 良好 at most ⌊1.5⌋ = 1 → H keeps it, I 合格; J 合格.
    assert got == {"A": (2, "优秀"), "B": (3, "良好"), "C": (3, "良好"), "D": (6, "良好"), "G": (7, "合格"),
                   "E": (8, "合格"), "F": (9, "合格"), "H": (1, "良好"), "I": (5, "合格"), "J": (10, "合格")}


def test_a_quota_over_all_units_and_one_rounded_as_declared(tmp_path):
    got = _grades(tmp_path, "比例 优秀 <= 30%")
    # all ten: at most ⌊10 × 30%⌋ = 3 优秀; holders H 99, A 98, B 95, C 95, I 93, D 92, G 91: the 3rd (B) ties
    # the 4th (C) → H and A keep 优秀; the others with 90 or more are 良好
    assert {n for n, (_r, g) in got.items() if g == "优秀"} == {"H", "A"}
    got = _grades(tmp_path, "比例 优秀 <= 50% 按 单位类别 四舍五入")
    # 镇: 3 × 50% = 1.5, 四舍五入 → 2: H and I keep 优秀; 局: 7 × 50% = 3.5 → 4: A 98, B 95, C 95, D 92 (G 91 良好)
    assert {n for n, (_r, g) in got.items() if g == "优秀"} == {"H", "I", "A", "B", "C", "D"}
    got = _grades(tmp_path, "比例 优秀 < 30%")
    # fewer than 10 × 30% = 3: at most 2 → H 99, A 98
    assert {n for n, (_r, g) in got.items() if g == "优秀"} == {"H", "A"}


def test_a_vetoed_unit_takes_no_place_in_the_quota(tmp_path):
    got = _grades(tmp_path, "比例 优秀 <= 30% 按 单位类别", {"A": {"事故": "是"}})
    # A is 良好 by the veto; 局's 优秀 at most 2 among B 95, C 95, D 92, G 91: B and C (not tied with D) keep it
    assert [n for n in "ABCDG" if got[n][1] == "优秀"] == ["B", "C"] and got["A"][1] == "良好"


def test_quotas_that_cannot_be_scored_are_refused():
    r = check(GRADES.replace("QUOTAS", "比例 优秀 >= 10% 比例 良好 <= 3 比例 合格 < 50% 四舍五入"))
    assert [c for c, _l, _c in codes(r)] == ["E0503", "E0503", "E0503"]


def test_fmt_keeps_every_new_form():
    """kaoping fmt writes each form back so that it reads the same (the round trip checks the AST)."""
    from kaoping.dsl.printer import format_text

    for text in (BONUS, SECTIONS, DECIMALS.replace("ROUND", " 进一"),
                 GRADES.replace("QUOTAS", "比例 优秀 <= 30% 按 单位类别 四舍五入 比例 良好 < 50%")):
        out, problems = format_text(text.strip() + "\n")
        assert out is not None and problems == [], problems
        assert format_text(out)[0] == out
    out, _ = format_text(GRADES.replace("QUOTAS", "比例 优秀 <= 30% 按 单位类别 四舍五入").strip() + "\n")
    assert "优秀 >= 90" in out and "比例 优秀 <= 30% 按 单位类别 四舍五入" in out  # ≥ written the canonical way


def test_the_bonus_is_reported_apart_in_the_explanation_and_the_json(tmp_path):
    import json

    from click.testing import CliRunner

    from kaoping.cli import main

    scheme, results = tmp_path / "b.scheme", tmp_path / "b.json"
    scheme.write_text(BONUS.strip() + "\n", encoding="utf-8")
    results.write_text(json.dumps({"units": [{"name": "甲局", "values": {"5-1": 12}}]}), encoding="utf-8")
    text = CliRunner().invoke(main, ["score", str(scheme), str(results)])
    assert text.exit_code == 0, text.output
    assert "超出部分 1 分计入 信息奖分" in text.output and "信息奖分 未填，按 0 计；指标 5-1 计入 1：1" in text.output
    out = CliRunner().invoke(main, ["score", str(scheme), str(results), "--format", "json"])
    u = json.loads(out.output)["units"][0]
    leaf = u["breakdown"][0]["children"][0]
    # 12 条: 5-1 keeps 20 (4 × 0.25 = 1 apart), 信息奖分 1, 总分 21
    assert (leaf["points"], leaf["bonus"]) == ("20", {"into": "信息奖分", "points": "1"})
    assert u["groups"][0]["children"][0]["kind"] == "bonus" and u["total"] == "21"
