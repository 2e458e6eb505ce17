"""Each check: a small bad scheme, its code and its line:column."""

from conftest import check, codes

BASE = """
方案 "测试" 年度 2020 {
  类别 职能工作目标 满分 10 {
    指标 1-1 "甲" 分值 4 {
      1-1-1 "一" 权重 2 时限 7月份
      1-1-2 "二" 权重 2 时限 12月底前
    }
    指标 1-2 "乙" 分值 6 {
      1-2-1 "三" 权重 6 时限 12月
    }
  }
}
"""


def test_clean_scheme_has_no_problems():
    r = check(BASE)
    assert r.ok and codes(r) == []
    # 4 + 6 = 10: the category's computed points equal its declared 满分
    assert r.scheme.roots[0].points == 10


def test_duplicate_id_points_at_second_with_first_related():
    r = check(BASE.replace("1-1-2", "1-1-1"))
    assert codes(r) == [("E0201", 5, 7)]
    assert r.diagnostics[0].related[0].span.line == 4


def test_id_not_under_its_parent():
    r = check(BASE.replace('1-2-1 "三"', '1-1-3 "三"'))
    assert ("E0202", 8, 7) in codes(r)


def test_children_sum_differs_from_declared_points_says_the_sum():
    r = check(BASE.replace('1-1-2 "二" 权重 2', '1-1-2 "二" 权重 1.5'))
    # 1-1: 2 + 1.5 = 3.5 ≠ 4; 职能: 3.5 + 6 = 9.5 ≠ 10 (1-1 keeps its declared 4, so 4 + 6 = 10 holds)
    assert codes(r) == [("E0301", 3, 16)]  # at 分值 4 of 指标 1-1
    assert "3.5" in r.diagnostics[0].message and "4" in r.diagnostics[0].message


def test_deadline_that_is_not_a_date():
    r = check(BASE.replace("时限 7月份", "时限 13月"))
    assert codes(r) == [("E0304", 4, 7)]
    r = check(BASE.replace("时限 7月份", '时限 "2020年2月30日"'))
    assert codes(r) == [("E0304", 4, 7)]
