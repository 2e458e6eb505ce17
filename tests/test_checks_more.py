"""One test per diagnostic code: a small scheme, the code, and its line:column (found by search).

Complements tests/test_checks.py; files and templates are written with the tmp_scheme fixture.
"""

from __future__ import annotations

from conftest import check, codes, col
from kaoping.dsl.load import check_path


def at(text: str, line: int, token: str, nth: int = 1) -> tuple[int, int]:
    return line, col(text, line, token, nth)


def only(result, *, notes=False):
    found = codes(result, notes=notes)
    assert len(found) == 1, [(d.code, d.span.line, d.span.column, d.message) for d in result.diagnostics]
    return found[0], result.diagnostics[[d.code for d in result.diagnostics].index(found[0][0])]


# ---------------------------------------------------------------- E01: syntax and files
def test_e0101_unexpected_character_lists_what_may_follow():
    text = """
    方案 "t" {
      类别 职能 满分 4 {
        1-1 "一" 权重 4 @
      }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0101", *at(text, 3, "@"))
    assert "U+0040" in d.message and "这里应为" in d.hint


def test_e0102_unexpected_token_says_what_was_expected():
    text = """
    方案 "t" {
      类别 职能 满分 {
      }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0102", *at(text, 2, "{"))
    assert "数字" in d.hint


def test_e0102_hint_for_a_keyword_glued_to_a_name():
    # 条目 is expected after 声明; a name follows the scope of a 每项 rule, so 备注含 is one name there
    text = """
    方案 "t" {
      类别 职能 满分 4 { 1-1 "a" 权重 4 }
      规则 r: 每项 于 职能 备注含 "x"
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0102", *at(text, 3, '"x"'))


def test_keyword_glued_to_its_number_after_a_declared_name_parses():
    # the state after a declared name accepts no other name, so 满分80 lexes as 满分 + 80
    assert codes(check("""
    方案 "t" {
      类别 职能 满分80 { 1-1 "a" 权重 80 }
    }
    """)) == []


def test_e0103_end_of_file_inside_a_block_points_at_the_open_brace():
    text = """
    方案 "t" {
      类别 职能 满分 4 {
        1-1 "a" 权重 4
    """
    (code, d) = only(check(text))
    assert code == ("E0103", 3, len("    1-1 \"a\" 权重 4") + 1)
    assert [(r.span.line, r.span.column) for r in d.related] == [at(text, 2, "{")]
    assert "缺少“}”" in d.message


def test_e0104_string_not_closed_on_its_line():
    text = """
    方案 "t" {
      文号 "泉国资办〔2020〕161号
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0104", *at(text, 2, '"'))


def test_e0105_categories_nested_too_deep():
    text = '方案 "t" {\n' + "".join(f"类别 层{i} {{\n" for i in range(40)) + "}\n" * 40 + "}\n"
    (code, d) = only(check(text))
    assert code == ("E0105", 34, 4)  # 层32: the 33rd level
    assert "32" in d.message


def test_e0106_template_not_found(tmp_scheme):
    path = tmp_scheme("""
    方案 "局" 年度 2020 继承 "nope/missing.scheme" { }
    """)
    (code, d) = only(check_path(path))
    assert code == ("E0106", 1, len('方案 "局" 年度 2020 继承 ') + 1)  # at the quoted path
    assert "nope/missing.scheme" in d.message


def test_e0106_template_cycle(tmp_scheme):
    first = tmp_scheme('方案 "局" 继承 "second.scheme" { }', "first.scheme")
    second = tmp_scheme('模板 "中" 继承 "first.scheme" { }', "second.scheme")
    (code, d) = only(check_path(first))
    assert code == ("E0106", 1, len('模板 "中" 继承 ') + 1)
    assert d.source == str(second) and "循环" in d.message


def test_e0106_template_chain_too_long(tmp_scheme):
    for i in range(12):
        tmp_scheme(f'模板 "第{i}层" 继承 "t{i + 1}.scheme" {{ }}', f"t{i}.scheme")
    tmp_scheme('模板 "根" { }', "t12.scheme")
    (code, d) = only(check_path(tmp_scheme('方案 "局" 继承 "t0.scheme" { }')))
    assert code[0] == "E0106" and "过长" in d.message


def test_e0107_empty_and_comment_only():
    assert codes(check("  \n\n")) == [("E0107", 1, 1)]
    assert codes(check("# 只有注释\n＃ 全角注释")) == [("E0107", 1, 1)]


# ---------------------------------------------------------------- E02: names and ids
def test_e0201_ids_are_unique_per_unit_block_scope():
    text = """
    方案 "t" {
      类别 职能 满分 2 { 指标 9 "主表" 分值 2 }
      单位 "甲局" { 指标 9 "专项" 分值 1 }
      单位 "乙局" { 指标 9 "专项" 分值 1 }
      单位 "甲局" { 指标 9 "又一个" 分值 1 }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0201", *at(text, 5, "9"))  # only the second 9 of 甲局
    assert [(r.span.line, r.span.column) for r in d.related] == [at(text, 3, "9")]


def test_e0202_item_id_not_under_its_indicator():
    text = """
    方案 "t" {
      类别 职能 满分 4 {
        指标 1-1 "甲" 分值 4 {
          1-1-1 "一" 权重 2
          1-2-1 "二" 权重 2
        }
      }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0202", *at(text, 5, "1-2-1"))
    assert "1-1-1、1-1-2" in d.hint and [(r.span.line, r.span.column) for r in d.related] == [at(text, 3, "1-1")]


def test_e0203_method_defined_twice():
    text = """
    方案 "t" {
      评分法 三档 = 分档 { 一档 100% }
      评分法 三档 = 分档 { 一档 90% }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0203", *at(text, 3, "三档"))
    assert [(r.span.line, r.span.column) for r in d.related] == [at(text, 2, "三档")]


def test_e0204_undefined_name_with_did_you_mean():
    text = """
    方案 "t" {
      类别 职能工作目标 满分 4 { 1-1 "a" 权重 4 }
      得分 总分 = 职能工作 × 70%
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0204", *at(text, 3, "职能工作"))
    assert d.hint == "是不是“职能工作目标”？"


def test_e0204_keyword_glued_to_a_name_gets_the_spacing_hint():
    text = """
    方案 "t" {
      类别 职能 满分 4 { 1-1 "a" 权重 4 }
      规则 佐证: 若 有佐证 > 0 则 职能 >= 1
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0204", *at(text, 3, "有佐证"))
    assert d.hint.startswith("关键字与名称连写了？请写成“有 佐证”")


def test_e0204_unknown_attribute_after_a_dot():
    text = """
    方案 "t" {
      加分组 正向激励加分 上限 5
      性质 有界: 正向激励加分 <= 正向激励加分.下限
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0204", *at(text, 3, "正向激励加分", 2))
    assert "上限" in d.hint


def test_e0206_undefined_method_reported_once_where_it_is_named():
    text = """
    方案 "t" {
      评分法 三档层差法 = 分档 { 一档 100% }
      类别 职能 满分 4 评分 三档层差 { 1-1 "a" 权重 2  1-2 "b" 权重 2 评分 其他法 }
      加分组 加分 上限 5 { 表彰 评分 媒体 }
    }
    """
    r = check(text)
    assert codes(r) == [("E0206", *at(text, 3, "职能")), ("E0206", *at(text, 3, "1-2")),
                        ("E0206", *at(text, 4, "表彰"))]
    assert r.diagnostics[0].hint == "是不是“三档层差法”？"


def test_e0207_wrong_number_of_arguments():
    text = """
    方案 "t" {
      类别 职能 满分 4 { 1-1 "a" 权重 4 }
      得分 总分 = 分值(职能, 职能) + 较大(职能)
    }
    """
    assert codes(check(text)) == [("E0207", *at(text, 3, "分值")), ("E0207", *at(text, 3, "较大"))]


def test_e0208_attribute_given_twice():
    text = """
    方案 "t" {
      类别 职能 满分 4 { 1-1 "a" 权重 4 时限 7月 权重 4 }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0208", *at(text, 2, "权重", 2))
    assert [(r.span.line, r.span.column) for r in d.related] == [at(text, 2, "权重")]


def test_e0208_a_field_given_twice_points_at_the_first():
    # the drafts keep no place for fields (时限, 责任 …): the first one is found again in the attributes
    text = """
    方案 "t" {
      类别 职能 满分 4 { 1-1 "a" 权重 4 责任 "甲" 时限 7月 责任 "乙" 时限 8月 }
    }
    """
    diags = check(text).diagnostics
    assert [d.code for d in diags] == ["E0208", "E0208"]
    assert [(d.span.line, d.span.column) for d in diags] == [at(text, 2, "责任", 2), at(text, 2, "时限", 2)]
    assert [[(r.span.line, r.span.column) for r in d.related] for d in diags] == [[at(text, 2, "责任")],
                                                                                 [at(text, 2, "时限")]]


# ---------------------------------------------------------------- E03: sums, counts, deadlines, locks
def test_e0301_nested_categories_sum_with_the_parts_in_the_hint():
    text = """
    方案 "t" {
      类别 总目标 满分 10 {
        类别 职能 满分 6 { 1-1 "a" 权重 6 }
        类别 行政 满分 3 { 2-1 "b" 权重 3 }
      }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0301", *at(text, 2, "满分"))
    assert "9" in d.message and "10" in d.message and d.hint == "职能 6 + 行政 3 = 9"


def test_e0302_children_above_the_cap():
    text = """
    方案 "t" {
      类别 动态 上限 5 { 1-1 "a" 权重 3  1-2 "b" 权重 3 }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0302", *at(text, 2, "动态"))
    assert "6" in d.message and "5" in d.message


def test_e0303_declared_counts_differ_from_the_table():
    text = """
    方案 "t" {
      类别 重点 满分 4 声明 一级指标 2 项 二级指标 2 条 条目 3 {
        指标 1-1 "a" 分值 4 { 1-1-1 "x" 权重 2  1-1-2 "y" 权重 2 }
      }
    }
    """
    assert codes(check(text)) == [("E0303", *at(text, 2, "一级指标")), ("E0303", *at(text, 2, "条目"))]


def test_e0304_month_that_does_not_exist():
    text = """
    方案 "t" {
      类别 职能 满分 4 { 1-1 "a" 权重 4 时限 13月份 }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0304", *at(text, 2, "1-1"))
    assert "13" in d.message


TEMPLATE = """
模板 "市直" 年度 2020 {
  类别 行政能力目标 满分 4 锁定 {
    指标 4-1 "党建" 分值 2 { 4-1-1 "党建工作" 权重 2 }
    4-2 "依法行政" 权重 2
  }
  类别 职能工作目标 满分 6 { }
}
"""


def test_e0305_locked_points_changed(tmp_scheme):
    tmp_scheme(TEMPLATE, "tpl.scheme")
    text = """
    方案 "局" 继承 "tpl.scheme" {
      类别 行政能力目标 满分 5 { }
      类别 职能工作目标 { 1-1 "x" 权重 6 }
    }
    """
    (code, d) = only(check_path(tmp_scheme(text)))
    assert code == ("E0305", *at(text, 2, "行政能力目标"))
    assert [(r.source.split("/")[-1], r.span.line, r.span.column) for r in d.related] == [("tpl.scheme", 2, 18)]


def test_e0305_new_item_in_a_locked_section_but_responsibility_may_be_filled(tmp_scheme):
    tmp_scheme(TEMPLATE, "tpl.scheme")
    text = """
    方案 "局" 继承 "tpl.scheme" {
      类别 行政能力目标 {
        4-2 责任 "办公室"
        4-3 "新增" 权重 1
      }
      类别 职能工作目标 { 1-1 "x" 权重 6 }
    }
    """
    (code, d) = only(check_path(tmp_scheme(text)))
    assert code == ("E0305", *at(text, 4, "4-3"))


def test_e0306_level2_item_under_no_level2():
    text = """
    方案 "t" {
      类别 行政 满分 2 无二级指标 {
        指标 4-1 "a" 分值 2 { 4-1-1 "x" 权重 2 }
      }
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0306", *at(text, 3, "4-1-1"))
    assert [(r.span.line, r.span.column) for r in d.related] == [at(text, 2, "行政")]


# ---------------------------------------------------------------- E06: formulas
def test_e0601_formula_cycle_shows_the_path():
    text = """
    方案 "t" {
      得分 甲 = 乙 + 1
      得分 乙 = 丙 × 2
      得分 丙 = 甲
      得分 丁 = 丁
    }
    """
    r = check(text)
    assert codes(r) == [("E0601", *at(text, 2, "甲")), ("E0601", *at(text, 5, "丁"))]
    assert "甲 → 乙 → 丙 → 甲" in r.diagnostics[0].message and "丁 → 丁" in r.diagnostics[1].message
    assert [(x.span.line, x.span.column) for x in r.diagnostics[0].related] == [at(text, 3, "乙"), at(text, 4, "丙")]


# ---------------------------------------------------------------- E/W/N04: the scheme's own rules
def test_e0401_w0401_n0401_rule_levels():
    text = """
    方案 "t" {
      类别 职能工作目标 满分 6 {
        类别 重点工作目标 满分 4 { 1-1 "甲" 权重 2  1-2 "乙" 权重 2 }
        类别 常规工作目标 满分 2 { 2-1 "丙" 权重 2 }
      }
      规则 至少十五项: 计数(重点工作目标, 常规工作目标) >= 15 级别 错误
      规则 至少四项: 计数(重点工作目标, 常规工作目标) >= 4 级别 警告
      规则 常规两项: 计数(常规工作目标) >= 2 级别 提示
      规则 至少一项: 计数(常规工作目标) >= 1
    }
    """
    r = check(text)
    assert codes(r, notes=True) == [("E0401", *at(text, 3, "重点工作目标")), ("W0401", *at(text, 3, "重点工作目标")),
                                    ("N0401", *at(text, 4, "常规工作目标"))]
    assert r.diagnostics[0].message == "不满足规则“至少十五项”：实际为 3，要求 >= 15"
    assert [(x.span.line, x.span.column) for x in r.diagnostics[0].related] == [at(text, 6, "至少十五项")]


def test_w0401_party_building_under_functional_targets_and_its_exception_n0402():
    text = """
    方案 "t" {
      类别 职能工作目标 满分 4 {
        1-1 "开展机关党建工作" 权重 2
        1-2 "精神文明创建" 权重 2 例外 归属行政能力 "市文明委部署的创城任务"
      }
      规则 归属行政能力: 每项 于 职能工作目标 内容 不含 "党建" "精神文明" 级别 警告
    }
    """
    r = check(text)
    assert codes(r, notes=True) == [("W0401", *at(text, 3, "1-1")), ("N0402", *at(text, 4, "例外"))]
    assert "含有“党建”" in r.diagnostics[0].message
    assert r.diagnostics[0].hint == '如经批准，可在该指标上写：例外 归属行政能力 "理由"'
    assert r.diagnostics[1].message.endswith("已按例外处理：市文明委部署的创城任务")
    assert r.ok  # a warning and a note: no error


def test_e0401_media_promotion_needs_the_media_level_in_the_remark():
    text = """
    方案 "t" {
      类别 职能工作目标 满分 6 {
        1-1 "工作获媒体报道提档" 权重 2 备注 "省级媒体"
        1-2 "工作提档" 权重 2
        1-3 "常规工作" 权重 2
      }
      规则 媒体提档: 每项 于 职能工作目标 若 内容 含 "提档" 则 备注 含 "国家级" "省级" "市级" 级别 错误
    }
    """
    (code, d) = only(check(text))
    assert code == ("E0401", *at(text, 4, "1-2"))
    assert "不含“国家级”“省级”“市级”中的任何一个" in d.message


def test_rules_of_a_template_alone_are_not_judged():
    text = """
    模板 "t" {
      类别 职能 { }
      规则 至少十五项: 计数(职能) >= 15 级别 错误
    }
    """
    assert codes(check(text), notes=True) == []


# ---------------------------------------------------------------- warnings and notes
def test_w0102_declared_names_equal_to_keywords():
    text = """
    方案 "t" {
      类别 评分 满分 1 { 1-1 "a" 权重 1 }
      输入 score 满分 100
    }
    """
    r = check(text)
    assert codes(r) == [("W0102", *at(text, 2, "评分")), ("W0102", *at(text, 3, "score"))]
    assert "「评分」" in r.diagnostics[0].hint


def test_w0403_exception_names_an_unknown_rule():
    text = """
    方案 "t" {
      类别 职能 满分 1 { 1-1 "a" 权重 1 例外 归属行政 "理由" }
      规则 归属行政能力: 每项 于 职能 内容 不含 "党建" 级别 警告
    }
    """
    (code, d) = only(check(text))
    assert code == ("W0403", *at(text, 2, "例外"))
    assert d.hint == "是不是“归属行政能力”？"


def test_n0302_category_with_points_but_no_indicators():
    text = """
    方案 "t" {
      类别 职能 满分 10 { }
    }
    """
    assert codes(check(text), notes=True) == [("N0302", *at(text, 2, "职能"))]
    assert codes(check(text.replace("方案", "模板")), notes=True) == []  # a template may leave it open


def test_n0308_indicator_without_points():
    text = """
    方案 "t" {
      类别 行政 { 1-1 "a"  1-2 "b" 权重 1 }
    }
    """
    assert codes(check(text), notes=True) == [("N0308", *at(text, 2, "1-1"))]


def test_n0501_every_assumption_is_listed():
    text = """
    方案 "t" {
      假定 "二档比例原文未载明"
      类别 职能 满分 1 { 1-1 "a" 权重 1 假定 "按全年计" }
      评分法 三档 = 分档 { 一档 100% } 假定 "三档比例同上"
    }
    """
    r = check(text)
    assert codes(r, notes=True) == [("N0501", *at(text, 2, "假定")), ("N0501", *at(text, 3, "假定")),
                                    ("N0501", *at(text, 4, "假定"))]
    assert [d.message for d in r.diagnostics] == [
        "假定（t）：二档比例原文未载明", "假定（指标 1-1）：按全年计", "假定（评分法 三档）：三档比例同上"]
    assert r.ok
