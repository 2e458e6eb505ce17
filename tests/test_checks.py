"""Each check: a small bad scheme, its code and its line:column."""

from conftest import check, codes, col

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


def test_attribute_that_does_not_apply_here():
    text = """
    方案 "x" {
      类别 a 满分 2 级别 错误 { 1-1 "x" 权重 2 }
      规则 r: 计数(a) >= 1 满分 3
    }
    """
    assert codes(check(text)) == [("E0209", 2, col(text, 2, "级别")), ("E0209", 3, col(text, 3, "满分"))]


def test_category_name_used_twice():
    r = check("""
    方案 "x" {
      类别 a 满分 2 { 1-1 "x" 权重 2 }
      类别 a 满分 2 { 1-2 "x" 权重 2 }
    }
    """)
    assert codes(r) == [("E0203", 3, 6)]


def test_same_indicator_twice_in_an_inheriting_scheme(tmp_scheme):
    tmp_scheme('模板 "t" { 类别 a {} }', "t.scheme")
    path = tmp_scheme("""
    方案 "x" 继承 "t.scheme" {
      类别 a { 1-1 "x" 权重 2 }
      类别 a { 1-1 "x" 权重 3 }
    }
    """, "s.scheme")
    from kaoping.dsl.load import check_path
    r = check_path(path)
    assert ("E0203", 3, 6) in codes(r)  # the second 类别 a of the same file is not merged silently


def test_one_name_for_two_declarations_and_duplicate_rules():
    r = check("""
    方案 "x" {
      类别 a 满分 2 { 1-1 "x" 权重 2 }
      输入 b 满分 100
      得分 b = a
      规则 r: 计数(a) >= 1
      规则 r: 计数(a) >= 0
    }
    """)
    assert codes(r) == [("E0203", 4, 6), ("E0203", 6, 6)]


def test_contains_on_a_category_is_an_error_not_a_silent_pass():
    text = """
    方案 "x" {
      类别 a 满分 2 { 1-1 "党建工作" 权重 2 }
      规则 r: a 不含 "党建"
    }
    """
    r = check(text)
    assert codes(r) == [("E0210", 3, col(text, 3, "a 不含"))]
    assert "每项 于" in r.diagnostics[0].hint


def test_ids_written_in_a_formula_are_flagged_as_subtraction():
    text = """
    方案 "x" {
      类别 a 满分 2 { 1-1 "x" 权重 2 }
      得分 c = 1-1 + a
      得分 d = a - 1 + 指标 1-1
    }
    """
    # 1-1 + a computes 1 − 1 + a; “a - 1” with spaces is a deliberate subtraction
    assert codes(check(text)) == [("W0104", 3, col(text, 3, "1-1"))]


def test_names_in_ranking_grades_and_vetoes_are_resolved():
    text = """
    方案 "x" {
      类别 a 满分 2 { 1-1 "x" 权重 2 }
      得分 总 = a
      排名 依据 总数
      等次 { 优秀 >= 1, 合格 其余 } 比例 卓越 <= 20%
      否决 v 若 有 事故 则 等次 最高 良
    }
    """
    assert codes(check(text)) == [("E0204", 4, col(text, 4, "总数")), ("E0204", 5, col(text, 5, "卓越")),
                                  ("E0204", 6, col(text, 6, "良"))]


def test_child_method_wins_over_an_inline_method_of_its_indicator():
    r = check("""
    方案 "x" {
      类别 a 满分 2 {
        指标 1-1 "x" 分值 2 评分 { 按比例 上限 100% } { 1-1-1 "a" 权重 1  1-1-2 "b" 权重 1 评分 少报 }
      }
      评分法 少报 = 每次 扣 0.5 扣完为止
    }
    """)
    items = r.scheme.roots[0].children[0].children
    assert items[0].inline_method is not None and items[0].method is None
    assert items[1].method == "少报" and items[1].inline_method is None


def test_curly_quotes_from_word_get_a_specific_hint():
    text = """
    方案 "x" {
      类别 a 满分 2 { 1-1 “甲” 权重 2 }
    }
    """
    r = check(text)
    assert codes(r) == [("E0101", 2, col(text, 2, "“"))]
    assert "直引号" in r.diagnostics[0].message


def test_full_width_comparison_operators():
    r = check("""
    方案 "x" {
      类别 a 满分 2 { 1-1 "甲" 权重 2 }
      规则 多: 计数(a) ＞＝ 2
      规则 少: 计数(a) ≦ 0
    }
    """.replace("≦", "＜＝"))
    assert [(d.code, d.message.split("：")[0]) for d in r.diagnostics] == [
        ("E0401", "不满足规则“多”"), ("E0401", "不满足规则“少”")]  # one item: not ≥ 2, not ≤ 0


def test_duplicate_texts_across_categories_are_counted_and_named():
    r = check("""
    方案 "x" {
      类别 职能 满分 2 { 1-1 "开展 党建 工作" 权重 1  1-2 "业务" 权重 1 }
      类别 能力 满分 1 { 4-1 "开展党建工作" 权重 1 }
      规则 不重复: 重复数(职能, 能力) = 0
    }
    """)
    assert codes(r) == [("E0401", 2, 6)]  # at 类别 职能, the first category the rule names
    assert "1-1 与 4-1 文字相同" in r.diagnostics[0].message  # spaces ignored


def test_locked_items_take_responsibility_fields_but_not_content(tmp_scheme):
    tmp_scheme("""
    模板 "t" {
      类别 能力 满分 2 锁定 { 4-1 "甲" 权重 1  4-2 "乙" 权重 1 }
    }
    """, "t.scheme")
    ok = tmp_scheme("""
    方案 "x" 继承 "t.scheme" {
      类别 能力 { 4-1 分管 "张三" 责任 "办公室" 时限 12月 }
    }
    """, "ok.scheme")
    from kaoping.dsl.load import check_path
    r = check_path(ok)
    assert r.ok and r.scheme.roots[0].children[0].fields["leader"] == ("张三",)
    bad = tmp_scheme("""
    方案 "x" 继承 "t.scheme" {
      类别 能力 { 4-1 权重 2  4-3 "新增" 权重 1 }
    }
    """, "bad.scheme")
    assert [c for c, _l, _c in codes(check_path(bad))] == ["E0305", "E0305"]


def test_a_rule_that_needs_results_is_noted_not_skipped_silently():
    r = check("""
    方案 "x" {
      类别 a 满分 2 { 1-1 "x" 权重 2 }
      规则 要有佐证: 有 佐证
    }
    """)
    assert codes(r, notes=True) == [("N0403", 3, 6)]
