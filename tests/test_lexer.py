"""Lexical hazards H1–H12 of GRAMMAR-HAZARDS.md, one regression test each, asserting token types.

Tokens are observed through lark's own contextual lexer, driven by the parser exactly as in a parse
(`parse_interactive(...).iter_parse()`): each token is lexed in the parser state left by the one
before it, which is what decides between NAME and a keyword, or NUMBER and an id. Keyword tokens
show as ("KW", text); other tokens as (terminal name, text).

Every text lexed here is also parsed twice, by the fast table-driven path of dsl/parser.py and by
lark itself: both must give the same AST, spans included, or both refuse it.
"""

from __future__ import annotations

import re
from collections import deque
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from lark import Lark
from lark.exceptions import UnexpectedInput

from conftest import check, codes
from kaoping.dsl import ast as A
from kaoping.dsl.parser import _Refused, _tables, get_parser, parse_fast, parse_with_lark
from kaoping.dsl.source import Span
from kaoping.grammar import grammar_text

GRAMMAR = grammar_text()
DEFINED = set(re.findall(r"^([A-Z_][A-Z0-9_]*)(?:\.-?\d+)?\s*:", GRAMMAR, re.M))  # named terminals
KEYWORDS = re.findall(r'^(_k_\w+):\s*"([^"]+)"(?:\s*\|\s*"([^"]+)")?\s*$', GRAMMAR, re.M)
ENGLISH = {zh: en for _rule, zh, en in KEYWORDS if en}


def _kind(tok) -> str:
    return tok.type if tok.type in DEFINED else "KW"


def _same_parse(text: str) -> None:
    """The fast path and lark agree on `text`: the same AST (spans included), or both refuse it."""
    try:
        expected = parse_with_lark(text)
    except UnexpectedInput:
        with pytest.raises(_Refused):
            parse_fast(text)
        return
    assert parse_fast(text) == expected


def lex(text: str) -> tuple[list[tuple[str, str]], UnexpectedInput | None]:
    """The tokens lark's contextual lexer gives, up to the first syntax error (returned too)."""
    _same_parse(text)
    out = []
    try:
        for tok in get_parser().parse_interactive(text).iter_parse():
            out.append((_kind(tok), str(tok)))
    except UnexpectedInput as err:
        return out, err
    return out, None


def toks(text: str) -> list[tuple[str, str]]:
    """Tokens of a text that must lex and parse without error."""
    out, err = lex(text)
    assert err is None, err
    return out


def body(stmts: str) -> list[tuple[str, str]]:
    """Tokens of statements written inside  方案 "t" { … }  (the wrapper's tokens left out)."""
    return toks(f'方案 "t" {{ {stmts} }}')[3:-1]


def in_category(entries: str) -> list[tuple[str, str]]:
    """Tokens of entries written inside  类别 c { … }."""
    return toks(f'方案 "t" {{ 类别 c {{ {entries} }} }}')[6:-2]


def formula(expr: str) -> list[tuple[str, str]]:
    """Tokens of an expression written as  得分 x = <expr>."""
    return body(f"得分 x = {expr}")[3:]


def ast_of(stmts: str) -> A.Scheme:
    return parse_with_lark(f'方案 "t" {{ {stmts} }}')


def without_spans(node):
    """An AST as nested tuples with every Span left out (to compare two spellings of one scheme)."""
    if attrs.has(type(node)):
        return (type(node).__name__,) + tuple(
            (f.name, without_spans(getattr(node, f.name))) for f in attrs.fields(type(node))
            if not isinstance(getattr(node, f.name), Span))
    if isinstance(node, (tuple, list)):
        return tuple(without_spans(x) for x in node if not isinstance(x, Span))
    return node


N, NUM, KW = "NAME", "NUMBER", "KW"


# ---------------------------------------------------------------- H1 ids against subtraction
def test_h1_subtraction_stays_arithmetic():
    assert formula("100-5") == [(NUM, "100"), ("MINUS", "-"), (NUM, "5")]
    assert formula("目标考评得分-5") == [(N, "目标考评得分"), ("MINUS", "-"), (NUM, "5")]
    assert formula("a − 5") == [(N, "a"), ("MINUS", "−"), (NUM, "5")]


def test_h1_a_bare_id_in_a_formula_is_silent_arithmetic():
    # the documented trap: 1-1-1 + 2 is 1 − 1 − 1 + 2, never an item
    assert formula("1-1-1 + 2") == [(NUM, "1"), ("MINUS", "-"), (NUM, "1"), ("MINUS", "-"), (NUM, "1"),
                                    ("PLUS", "+"), (NUM, "2")]


def test_h1_items_are_referred_to_through_the_keyword():
    assert formula("指标 1-1 + 2") == [(KW, "指标"), ("ID", "1-1"), ("PLUS", "+"), (NUM, "2")]
    assert formula("指标 1-1-1 - 1") == [(KW, "指标"), ("ID", "1-1-1"), ("MINUS", "-"), (NUM, "1")]
    assert formula("计数(指标 1-1-1, 指标 1-2)") == [
        (N, "计数"), ("_LPAR", "("), (KW, "指标"), ("ID", "1-1-1"), ("_COMMA", ","), (KW, "指标"), ("ID", "1-2"),
        ("_RPAR", ")")]


def test_h1_glued_indicator_keyword_in_a_formula_is_a_name_with_a_hint():
    assert formula("指标1-1") == [(N, "指标1"), ("MINUS", "-"), (NUM, "1")]
    r = check('方案 "t" { 得分 a = 指标1-1 }')
    assert codes(r) == [("E0204", 1, 17)]
    assert "指标 1" in r.diagnostics[0].hint


def test_h1_ids_at_statement_start_one_token_for_every_depth():
    assert in_category('指标 1-1 "x" { 1-1-1 "y" } 2-1 "z" 指标 4') == [
        (KW, "指标"), ("ID", "1-1"), ("STRING", '"x"'), ("_LBRACE", "{"), ("ID", "1-1-1"), ("STRING", '"y"'),
        ("_RBRACE", "}"), ("ID", "2-1"), ("STRING", '"z"'), (KW, "指标"), (NUM, "4")]


def test_h1_fullwidth_minus_and_en_dash_ids_are_normalised():
    assert in_category('１－１ "a" 2–1 "b"') == [("ID", "１－１"), ("STRING", '"a"'), ("ID", "2–1"), ("STRING", '"b"')]
    cat = ast_of('类别 c { 指标 ３－１ "a" { ３－１－１ "b" } 2–1 "c" }').body[0]
    assert [c.id for c in cat.children] == ["3-1", "2-1"]
    assert cat.children[0].items[0].id == "3-1-1"


def test_h1_dates_after_deadline_are_not_ids():
    assert in_category("1-1 时限 2020-12-31")[1:] == [(KW, "时限"), ("DEADLINE", "2020-12-31")]


# ---------------------------------------------------------------- H2 numbers glued to units
def test_h2_step_table_glued_and_spaced_give_the_same_tokens():
    glued = body("评分法 违规 = 阶梯 { 1次: 扣 0.5, 2次及以上: 不得分 }")
    spaced = body("评分法 违规 = 阶梯 { 1 次 : 扣 0.5 , 2 次 及以上 : 不得分 }")
    assert [t for t in glued] == [t for t in spaced]
    assert glued[5:] == [
        (NUM, "1"), ("UNIT", "次"), ("_COLON", ":"), (KW, "扣"), (NUM, "0.5"), ("_COMMA", ","),
        (NUM, "2"), ("UNIT", "次"), (KW, "及以上"), ("_COLON", ":"), (KW, "不得分"), ("_RBRACE", "}")]
    rows = ast_of("评分法 违规 = 阶梯 { 1次: 扣 0.5, 2次及以上: 不得分 }").body[0].method.table
    assert [(r.key_kind, r.key) for r in rows] == [("count", (1, "次", False)), ("count", (2, "次", True))]


@pytest.mark.parametrize("deadline", ["12月底前", "12月份", "7月", "11月中旬前", "2020年7月15日前", "2020年7月"])
def test_h2_deadlines_are_one_token(deadline):
    assert in_category(f"1-1 时限 {deadline} 权重 1")[1:] == [
        (KW, "时限"), ("DEADLINE", deadline), (KW, "权重"), (NUM, "1")]


def test_h2_a_full_date_is_read_whole_not_as_year_and_month():
    # regression: the alternation once matched "2020年7月" and left "15日前" behind
    item = ast_of('类别 c { 1-1 "x" 时限 2020年7月15日前 }').body[0].children[0]
    assert item.attrs[0].value == A.Deadline("2020年7月15日前", False)


def test_h2_points_with_a_unit_glued_or_spaced():
    assert in_category("1-1 权重 2分")[1:] == [(KW, "权重"), (NUM, "2"), (KW, "分")]
    assert in_category("1-1 权重2分 时限12月份")[1:] == [
        (KW, "权重"), (NUM, "2"), (KW, "分"), (KW, "时限"), ("DEADLINE", "12月份")]
    assert body("类别 a 满分 80分 {}")[2:5] == [(KW, "满分"), (NUM, "80"), (KW, "分")]


def test_h2_percent_and_count_units():
    assert formula("b × 70%") == [(N, "b"), ("TIMES", "×"), (NUM, "70"), ("PERCENT", "%")]
    assert body("评分法 信息 = 配额 12 篇 此后 每篇 加 0.5")[3:] == [
        (KW, "配额"), (NUM, "12"), ("UNIT", "篇"), (KW, "此后"), (KW, "每"), ("UNIT", "篇"), (KW, "加"), (NUM, "0.5")]


# ---------------------------------------------------------------- H3 names that are keywords
def test_h3_keyword_names_where_only_a_name_fits():
    assert body("类别 评分 {} 类别 上限 {} 类别 规则 {}") == [
        (KW, "类别"), (N, "评分"), ("_LBRACE", "{"), ("_RBRACE", "}"),
        (KW, "类别"), (N, "上限"), ("_LBRACE", "{"), ("_RBRACE", "}"),
        (KW, "类别"), (N, "规则"), ("_LBRACE", "{"), ("_RBRACE", "}")]
    assert formula("评分 + 上限 + 规则") == [(N, "评分"), ("PLUS", "+"), (N, "上限"), ("PLUS", "+"), (N, "规则")]


def test_h3_attribute_after_a_dot_and_a_method_named_like_its_kind():
    assert formula("100 + 正向激励加分.上限") == [(NUM, "100"), ("PLUS", "+"), (N, "正向激励加分"), ("DOT", "."),
                                             (N, "上限")]
    assert body("评分法 功效 = 功效 下限 60% 目标 100%")[:4] == [(KW, "评分法"), (N, "功效"), ("_EQ", "="), (KW, "功效")]
    assert body("排名 按 单位类别 依据 考评成绩") == [(KW, "排名"), (KW, "按"), (KW, "单位类别"), (KW, "依据"), (N, "考评成绩")]


def test_h3_where_the_keyword_wins_a_name_cannot_be_used():
    tokens, err = lex('方案 "t" { 得分 x = 外部 + 1 }')
    assert tokens[-1] == (KW, "外部") and err is not None
    assert codes(check('方案 "t" { 得分 x = 外部 + 1 }')) == [("E0102", 1, 20)]
    # the way out: quote the name
    assert formula("「外部」 + 1") == [("QNAME", "「外部」"), ("PLUS", "+"), (NUM, "1")]


# ---------------------------------------------------------------- H4 keywords glued to names
def test_h4_glued_forms_that_parse_where_no_name_is_acceptable():
    assert body('类别 a "x" 满分80 上限10 {}')[3:7] == [(KW, "满分"), (NUM, "80"), (KW, "上限"), (NUM, "10")]
    assert body("类别职能工作目标 {}")[:2] == [(KW, "类别"), (N, "职能工作目标")]
    assert in_category('指标1-1 "t"') == [(KW, "指标"), ("ID", "1-1"), ("STRING", '"t"')]
    assert body("类别 b 满分 1 评分三档层差法 {}")[4:6] == [(KW, "评分"), (N, "三档层差法")]


def test_h4_glued_forms_that_become_one_name_get_a_spacing_hint():
    # A declared name is a grammar rule of its own (decl_name), so the state after it accepts no
    # other name and the keyword glued to its number lexes as keyword + number, as after a STRING.
    assert body("类别 a 满分80 {}")[2:4] == [(KW, "满分"), (NUM, "80")]
    # …and a field named like a keyword right after a 每项 scope (scope_name) is a name
    assert body('规则 r: 每项 于 a 备注 含 "x"')[6] == (N, "备注")
    # In a condition or a formula the run is one name; the checker hints the keyword
    assert body("规则 r: 有佐证 > 1")[3] == (N, "有佐证")
    r = check('方案 "t" { 规则 r: 有佐证 > 1 级别 错误 }')
    assert codes(r) == [("E0204", 1, 16)] and "有 佐证" in r.diagnostics[0].hint
    assert body("性质 p: a <= 100 + 正向激励加分上限")[-1] == (N, "正向激励加分上限")


def test_h4_a_glued_name_that_ends_a_condition_is_reported_at_the_next_token():
    # `有佐证` is a name, so the rule's condition lacks its comparison: the error is at 级别
    r = check('方案 "t" { 规则 r: 有佐证 级别 错误 }')
    assert codes(r) == [("E0102", 1, 20)]


def test_h4_quota_must_be_written_keyword_first():
    tokens, err = lex('方案 "t" { 等次 { 优秀 >= 90 } 优秀比例 <= 20% }')
    assert tokens[-1] == ("_RBRACE", "}") and err is not None
    assert body("等次 { 优秀 >= 90 } 比例 优秀 <= 20%")[6:] == [
        (KW, "比例"), (N, "优秀"), ("CMP", "<="), (NUM, "20"), ("PERCENT", "%")]


# ---------------------------------------------------------------- H5 statements vs attributes
def test_h5_basis_is_an_attribute_of_what_precedes_it_or_a_leading_meta_line():
    scheme = ast_of('依据 "文0" 类别 a 依据 "文1" { 指标 1 "t" 依据 "文2" }')
    assert [(m.key, m.value) for m in scheme.meta] == [("basis", ("文0",))]
    cat = scheme.body[0]
    assert [(a.key, a.value) for a in cat.attrs] == [("basis", ("文1",))]
    assert [(a.key, a.value) for a in cat.children[0].attrs] == [("basis", ("文2",))]
    # after the first statement 依据 no longer starts a meta line
    assert codes(check('方案 "t" { 类别 a { 指标 1 "t" } 依据 "文3" }')) == [("E0102", 1, 28)]


def test_h5_a_trailing_assumption_belongs_to_the_method():
    scheme = ast_of('评分法 m = 按比例 上限 100% 假定 "原文未载明"')
    method = scheme.body[0].method
    assert [c.kind for c in method.clauses] == ["cap", "assume"] and scheme.meta == ()


# ---------------------------------------------------------------- H6 English aliases
CHINESE = """
# comment
模板 "示例" 年度 2020 继承 "base.scheme" {
  文号 "泉效综〔2020〕3号"
  依据 "泉效综〔2020〕2号" "x"
  发文 "市绩效办"
  对象 "市直部门"
  备注 "无"
  精度 2 位 四舍五入
  假定 "二档比例原文未载明"
  折算 百分制
  类别 目标考评 满分 100 {
    类别 职能工作目标 满分 80分 锁定 声明 一级指标 1 项 二级指标 2 条 条目 2 {
      指标 1-1 "续建" 分值 4 分管 "林" 责任 "市高指" 责任人 "王" 主体 "市绩效办" 依据 "x" {
        1-1-1 "完成路基" 权重 2 时限 12月 评分 完成率 备注 "省级媒体" 原号 "1.1"
        1-1-2 "工地党建" 权重 2 时限 12月底前 例外 归属 "理由" 可为负 可超分值 不计入总分 可缺
      }
    }
    类别 行政能力目标 满分 20 无二级指标 上限 25 计分 20 适用 有 口岸 不适用 计 0 {
      指标 4-1 "a" 权重 20 范围 [-1.5, 1.25] 门槛 达标率 >= 75% 且 有 验收报告 缺失 取 均值(指标 4-1, 全部单位)
    }
  }
  输入 公众评议 "测评" 满分 100 来源 "市绩效办" 全体 默认 0 可缺
  加分组 正向激励加分 上限 5 { 表彰 评分 媒体, 试点 评分 { 取最高 { 中央 3, 省 2, 市 1 } } }
  扣分组 察访核验扣分 上限 10
  得分 目标考评得分 = 职能工作目标 + 行政能力目标 精度 2 位 截断
  得分 考评总得分 = 目标考评得分×70% + 公众评议×30% + 正向激励加分 − 察访核验扣分 / 2 精度 1 位 进一
  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% } 可晋档 1 假定 "x"
  评分法 完成率 = 按比例 上限 100%
  评分法 功效 = 功效 下限 60% 目标 100%
  评分法 浊度 = 区间 高优 { [0, 1] 满分, 其余 0 } 门槛 有 报告
  评分法 水质 = 区间 低优 { [95%, 100%] 满分, (85%, 95%) 80%, 其余 0 }
  评分法 全市排名 = 排名 { 1: 60, 2: 57 } 此后 每名 扣 3 下限 0
  评分法 倒数 = 倒数排名 { 1: 2, 2: 1.9 } 此后 每名 扣 0.1
  评分法 少报 = 每次 扣 0.5 扣完为止
  评分法 违规 = 阶梯 { 1次: 扣 0.5, 2次及以上: 不得分 }
  评分法 偏离 = 偏离 标准 20% 方向 不低于 每 1% 扣 0.05 整档
  评分法 媒体 = 取最高 { 国家级 3, 省级 2, 市级 1 }
  评分法 集中考评 = 评委 去掉最高最低 平均 保留 2 位
  评分法 信息报送 = 配额 12 篇 此后 每篇 加 0.5 最多 加 2 计入 正向激励加分
  评分法 按时完成率 = 沿用 完成率 门槛 有 按时 且 非 有 逾期
  评分法 合格率 = 不低于 85% 每低 1% 扣 0.15 最多 扣 1
  评分法 上限法 = 不高于 5% 每高 1% 扣 0.1 最多 3
  评分法 直接 = 直接赋分
  评分法 是否法 = 是否
  评分法 合计法 = 合计 { 逾期: 扣 0.3, 错报: 扣 0.6 } 扣完为止
  评分法 最优 = 比最优 满分 6
  评分法 定额法 = 定额 配额 { 省级 2, 市级 4 } 篇 此后 每多 1 篇 { 省级 加 1.5, 市级 加 0.25 }
  评分法 少于 = 配额 4 次 不足 每少 1 次 扣 1.5 升序
  单位类别 市直部门 "部门" { 得分 满意度测评得分 = 领导评价×70% + 公众评议×30% }
  单位类别 垂直管理单位 { 得分 考评成绩 = 外部 "反馈" 指标 3-4 取 均值(指标 3-4, 窗口单位) }
  规则 至少十五项: 计数(重点工作目标, 常规工作目标) >= 15 级别 错误
  规则 动态: 若 计数(动态工作目标) >= 1 则 分值(动态工作目标) = 5 级别 警告
  规则 归属: 每项 于 职能工作目标, 行政能力目标 内容 不含 "党建" "综治" 级别 提示
  规则 提档: 每项 于 职能工作目标 若 内容 含 "提档" 则 备注 含 "级" 或 备注 含 "省级"
  性质 总分有界: 考评总得分 <= 100 + 正向激励加分.上限
  性质 全优: 若 察访核验扣分 = 0 且 全部 二级指标 为 一档 则 目标考评得分 >= 95
  用例 "全部一档" 总体 "三个单位" {
    输入 { 全部 二级指标: 一档, 全部 一级指标: 是, 全部 指标: 否, 全部 职能: 一档, 公众评议: 90, 1-1-1: 二档,
           指标 4-1: [90, 80, 70], 察访核验扣分: -1.5% }
    期望 考评总得分 = 97
    期望 单位 "甲" 考评总得分 > 72.5
  }
  排名 按 单位类别 依据 考评成绩 升序 并列 "名次相同"
  等次 { 优秀 >= 90, 良好 >= 80, 合格 >= 60, 不合格 其余 } 比例 优秀 <= 20% 按 单位类别
  否决 一票否优 若 有 重大安全事故 则 等次 最高 良好
  否决 一票否优2 若 任一 { 有 重大安全事故, 有 数据造假 } 则 不评 优秀
  统一门槛 有 佐证
  免扣 窗口 若 窗口满意率 > 均值(窗口满意率, 全部单位) + 3%
  小数 { 分值 <= 5: 2 位, 其余: 0 位 } 截断
  类别 部门职责 满分 50 单位自列 市直部门 {}
  总体 "三个单位" { 单位 "甲" 属于 窗口单位 { 指标 5: 是 } 单位 "乙" { } }
  单位 "甲局" 属于 重点单位 { 指标 9 "专项任务" 分值 45 { 9-1 "x" 权重 45 } }
  输入 评议 输入项 { 已覆盖 计数, 应覆盖 计数, 率 比例, 档 档次, 名 名次, 分 得分, 有无 是否 } 取值 已覆盖 / 应覆盖
  输入 级 级别 警告
}
"""


def _to_english(text: str) -> str:
    """Replace every keyword token (as lark lexes it) by its English alias, spaced."""
    out, last = [], 0
    for tok in get_parser().parse_interactive(text).iter_parse():
        if _kind(tok) == KW and str(tok) in ENGLISH:
            out += [text[last:tok.start_pos], f" {ENGLISH[str(tok)]} "]
            last = tok.end_pos
    return "".join(out) + text[last:]


def test_h6_a_whole_scheme_in_english_keywords_gives_the_same_ast():
    english = _to_english(CHINESE)
    assert "scored_by" in english and "类别" not in english and "评分法" not in english
    assert without_spans(parse_with_lark(english)) == without_spans(parse_with_lark(CHINESE))
    _same_parse(english)
    _same_parse(CHINESE)


def test_h6_the_sample_uses_every_keyword():
    used = {str(tok) for tok in get_parser().parse_interactive(CHINESE).iter_parse() if _kind(tok) == KW}
    assert {zh for _rule, zh, _en in KEYWORDS} - used == {"方案"}  # the sample is a 模板


def test_h6_a_hand_written_english_scheme():
    zh = '方案 "t" { 类别 甲 满分 10 评分 三档 { 指标 1-1 "x" 分值 10 { 1-1-1 "y" 权重 10 时限 12月 } } ' \
         '评分法 三档 = 分档 { 一档 100%, 二档 90% } 得分 总分 = 甲 × 70% 规则 r: 计数(甲) >= 1 级别 警告 }'
    en = 'scheme "t" { category 甲 full 10 scored_by 三档 { indicator 1-1 "x" points 10 { 1-1-1 "y" weight 10 ' \
         'deadline 12月 } } method 三档 = tiers { 一档 100%, 二档 90% } score 总分 = 甲 × 70% ' \
         'rule r: 计数(甲) >= 1 level warning }'
    assert without_spans(parse_with_lark(en)) == without_spans(parse_with_lark(zh))
    assert toks(en)[:3] == [(KW, "scheme"), ("STRING", '"t"'), ("_LBRACE", "{")]


def test_h6_ascii_names_that_are_aliases_stay_usable_and_aliases_are_single_words():
    assert body("输入 score 满分 100 得分 total = score × 30%") == [
        (KW, "输入"), (N, "score"), (KW, "满分"), (NUM, "100"), (KW, "得分"), (N, "total"), ("_EQ", "="),
        (N, "score"), ("TIMES", "×"), (NUM, "30"), ("PERCENT", "%")]
    assert body("评分法 m = 评委 drop_extremes mean")[3:] == [(KW, "评委"), (KW, "drop_extremes"), (KW, "mean")]
    # a hyphenated alias would be a name and a minus: the grammar has none
    assert not [en for _r, _zh, en in KEYWORDS if en and not re.fullmatch(r"[a-z][a-z0-9_]*", en)]


# ---------------------------------------------------------------- H7 full-width punctuation
def test_h7_fullwidth_punctuation_and_digits():
    assert formula("（a＋１００）×７０％") == [
        ("_LPAR", "（"), (N, "a"), ("PLUS", "＋"), (NUM, "１００"), ("_RPAR", "）"), ("TIMES", "×"),
        (NUM, "７０"), ("PERCENT", "％")]
    assert body("评分法 m = 分档 { 一档：１００％，二档：９０％ }")[3:] == [
        (KW, "分档"), ("_LBRACE", "{"), (N, "一档"), ("_COLON", "："), (NUM, "１００"), ("PERCENT", "％"),
        ("_COMMA", "，"), (N, "二档"), ("_COLON", "："), (NUM, "９０"), ("PERCENT", "％"), ("_RBRACE", "}")]
    expr = ast_of("得分 x = ７０％ + １．５").body[0].expr
    assert expr.left == A.Num(Decimal("0.7"), True, expr.left.span) and expr.right.value == Decimal("1.5")


def test_h7_quoted_names_hold_any_character():
    assert body("类别 「加（减）分」 {} 得分 x = 「加（减）分」 + 1")[:2] == [(KW, "类别"), ("QNAME", "「加（减）分」")]
    assert ast_of("类别 「加（减）分」 {}").body[0].name.text == "加（减）分"
    # unquoted, it reads as the call 加(减) followed by a stray 分
    tokens, err = lex('方案 "t" { 得分 x = 加（减）分 }')
    assert tokens[-4:] == [(N, "加"), ("_LPAR", "（"), (N, "减"), ("_RPAR", "）")] and err is not None
    assert codes(check('方案 "t" { 得分 x = 加（减）分 }')) == [("E0102", 1, 21)]


def test_h7_fullwidth_space_comment_and_curly_quotes():
    assert toks('方案 "t"\u3000{\u3000类别\u3000a\u3000{}\u3000}')[3:5] == [(KW, "类别"), (N, "a")]
    assert formula("a ＃ 注释\n") == [(N, "a")]
    # curly quotes are not string quotes: a located error, not a traceback
    r = check("方案 “t” { }")
    assert codes(r) == [("E0101", 1, 4)]


# ---------------------------------------------------------------- H8 percent
def test_h8_percent_only_after_a_number():
    assert formula("公众评议 × 30%")[-2:] == [(NUM, "30"), ("PERCENT", "%")]
    for text in ('方案 "t" { 得分 x = 公众评议% }', '方案 "t" { 得分 x = 公众评议 % }'):
        tokens, err = lex(text)
        assert tokens[-1] == (N, "公众评议") and err is not None
    r = check('方案 "t" { 得分 x = 公众评议% }')
    assert codes(r) == [("E0102", 1, 21)] and "数字之后" in r.diagnostics[0].hint


def test_h8_a_half_open_interval_shares_parentheses():
    assert body("评分法 水质 = 区间 高优 { [85%, 95%) 80% }")[6:] == [
        ("_LBRACKET", "["), (NUM, "85"), ("PERCENT", "%"), ("_COMMA", ","), (NUM, "95"), ("PERCENT", "%"),
        ("_RPAR", ")"), (NUM, "80"), ("PERCENT", "%"), ("_RBRACE", "}")]
    row = ast_of("评分法 水质 = 区间 { (85%, 95%] 80% }").body[0].method.table[0]
    assert (row.key.low.value, row.key.high.value, row.key.low_closed, row.key.high_closed) == \
        (Decimal("0.85"), Decimal("0.95"), False, True)


# ---------------------------------------------------------------- H9 strings against names
def test_h9_strings_hold_document_numbers_hashes_and_escapes():
    assert body('文号 "泉国资办〔2020〕161号 #1"') == [(KW, "文号"), ("STRING", '"泉国资办〔2020〕161号 #1"')]
    scheme = ast_of(r'文号 "a \"b\" c"')
    assert scheme.meta[0].value == 'a "b" c'
    assert toks('模板 "市直 模板" { }')[:2] == [(KW, "模板"), ("STRING", '"市直 模板"')]


# ---------------------------------------------------------------- H10 conditionals and `=`
def test_h10_equals_is_definition_or_comparison_by_position():
    assert body("得分 a = b 规则 r: a = 1")[:4] == [(KW, "得分"), (N, "a"), ("_EQ", "="), (N, "b")]
    scheme = ast_of("得分 a = b 规则 r: 若 a = 1 则 b >= 2")
    assert isinstance(scheme.body[0], A.Formula)
    rule = scheme.body[1]
    assert rule.premise.op == "=" and rule.conclusion.op == ">="
    assert body("规则 r: 若 a ＝ 1 则 b ≥ 2")[3:] == [
        (KW, "若"), (N, "a"), ("_EQ", "＝"), (NUM, "1"), (KW, "则"), (N, "b"), ("CMP", "≥"), (NUM, "2")]


# ---------------------------------------------------------------- H11 number words
def test_h11_a_name_cannot_start_with_a_digit_quote_it():
    tokens, err = lex('方案 "t" { 类别 5G基站建设 {} }')
    assert tokens[-1] == (KW, "类别") and err is not None and err.token.type == "NUMBER"
    r = check('方案 "t" { 类别 5G基站建设 {} }')
    assert codes(r) == [("E0102", 1, 13)] and "「5G基站建设」" in r.diagnostics[0].hint
    assert body("类别 「5G基站建设」 {}")[1] == ("QNAME", "「5G基站建设」")
    assert body("规则 至少十五项: 计数(甲) >= 15")[:2] == [(KW, "规则"), (N, "至少十五项")]


# ---------------------------------------------------------------- H12 two kinds of braces
def test_h12_comma_tables_take_trailing_commas_and_the_enumeration_comma():
    assert body("评分法 媒体 = 取最高 { 国家级 3、省级 2、市级 1 }")[5:] == [
        (N, "国家级"), (NUM, "3"), ("_COMMA", "、"), (N, "省级"), (NUM, "2"), ("_COMMA", "、"), (N, "市级"),
        (NUM, "1"), ("_RBRACE", "}")]
    rows = ast_of("评分法 媒体 = 取最高 { 国家级 3、省级 2, 市级 1, }").body[0].method.table
    assert [r.key for r in rows] == ["国家级", "省级", "市级"]
    # a statement block takes no commas
    assert codes(check('方案 "t" { 类别 a { 1-1 "x", 1-2 "y" } }')) == [("E0102", 1, 24)]


# ---------------------------------------------------------------- the grammar itself
def test_grammar_builds_under_strict_lalr_without_a_cache():
    parser = Lark(grammar_text(), parser="lalr", lexer="contextual", strict=True, propagate_positions=True,
                  maybe_placeholders=False)
    assert parser.parse('方案 "t" { }').data == "start"


def _keyword_paths():
    """For every keyword terminal, a shortest run of terminals after which the LALR table accepts it."""
    lk = get_parser()
    from lark.lexer import PatternStr
    from lark.parsers.lalr_analysis import Shift

    table = lk.parser.parser.parser.parse_table
    states = table.states
    terms = {t.name: t for t in lk.terminals}
    keywords = {n for n, t in terms.items() if isinstance(t.pattern, PatternStr) and n not in DEFINED}

    def feed(stack, term):
        stack = list(stack)
        while True:
            act = states[stack[-1]].get(term)
            if act is None:
                return None
            action, arg = act
            if action is Shift:
                return tuple(stack + [arg])
            if arg.expansion:
                del stack[-len(arg.expansion):]
            stack.append(states[stack[-1]][arg.origin.name][1])

    found, seen = {}, set()
    queue = deque([((table.start_states["start"],), ())])
    while queue and len(found) < len(keywords):
        stack, path = queue.popleft()
        if stack[-3:] in seen:
            continue
        seen.add(stack[-3:])
        for term in states[stack[-1]]:
            if term not in terms:
                continue
            if term in keywords and term not in found:
                found[term] = path
            nxt = feed(stack, term)
            if nxt is not None and nxt[-3:] not in seen:
                queue.append((nxt, path + (term,)))
    return terms, keywords, found


SAMPLE = {"NAME": "甲", "QNAME": "「乙」", "NUMBER": "1", "ID": "1-1", "DEADLINE": "12月", "UNIT": "次",
          "STRING": '"s"', "PERCENT": "%", "PLUS": "+", "MINUS": "-", "TIMES": "×", "DIVIDE": "÷", "CMP": ">=",
          "DOT": ".", "_EQ": "=", "_COLON": ":", "_COMMA": ",", "_LBRACE": "{", "_RBRACE": "}", "_LPAR": "(",
          "_RPAR": ")", "_LBRACKET": "[", "_RBRACKET": "]"}


def test_every_keyword_both_spellings_lexes_as_itself_where_the_grammar_accepts_it():
    terms, keywords, found = _keyword_paths()
    assert set(found) == keywords  # every keyword is reachable
    assert {t.pattern.value for n, t in terms.items() if n in keywords} == \
        {w for _r, zh, en in KEYWORDS for w in (zh, en) if w}
    wrong = []
    for kw, path in sorted(found.items()):
        words = [terms[t].pattern.value if t in keywords else SAMPLE[t] for t in path]
        text = " ".join(words + [terms[kw].pattern.value]) + " "
        got = []
        try:
            for tok in get_parser().parse_interactive(text).iter_parse():
                got.append(tok)
        except UnexpectedInput:
            pass
        if [t.type for t in got] != list(path) + [kw] or str(got[-1]) != terms[kw].pattern.value:
            wrong.append((text, [(t.type, str(t)) for t in got[-2:]]))
    assert wrong == []


def test_every_keyword_lexes_whole_in_every_state_that_accepts_it():
    """No prefix race: in each LALR state, each acceptable keyword followed by a space is one token.

    Checked on the lexer tables of the fast path (built as lark builds its contextual lexer, and
    compared with lark on every text of this file)."""
    lk = get_parser()
    terms = {t.name: t for t in lk.terminals}
    tables = _tables()
    checked, wrong = 0, []
    for state, row in tables.actions.items():
        lexer = tables.lexer_for(state)
        for name in row:
            if name not in terms or name in DEFINED:
                continue
            word = terms[name].pattern.value
            for text in (word + " ", word + "\n", word + "{"):
                m = (lexer.by_char.get(text[0]) or lexer.for_char(text[0]))(text, 0)
                kind = m and m.lastgroup
                if kind in lexer.retype:
                    kind = lexer.retype[kind].get(m.group(), kind)
                checked += 1
                if kind != name or m.group() != word:
                    wrong.append((state, word, text[-1], kind, m and m.group()))
    assert checked > 10000 and wrong == []


def _terminal_firsts() -> list:
    """(name, regex, first ranges) of every terminal the fast path's lexers filter by first character."""
    tables = _tables()
    seen = {}
    for alts, _retype in tables.raw_specs:
        for name, rx, first in alts:
            seen[name] = (rx, first)
    return sorted((n, rx, first) for n, (rx, first) in seen.items() if first is not None)


@pytest.mark.parametrize("name, rx, first", _terminal_firsts(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_terminal_is_tried_at_every_character_it_can_begin_with(name, rx, first):
    """The lexers try a terminal only where the text holds a character its first ranges name: any text
    the terminal matches begins with such a character (never too few, or a token would be missed)."""
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=60, deadline=None)
    @given(st.from_regex(re.compile(rx), fullmatch=True))
    def starts_in_range(text):
        o = ord(text[0])
        assert any(lo <= o <= hi for lo, hi in first), (text, first)

    starts_in_range()


def test_first_characters_are_read_only_where_sure():
    from kaoping.dsl.parser import _first_chars

    assert _first_chars("[0-9０-９]+([.．][0-9０-９]+)?", 0) == [[48, 57], [0xFF10, 0xFF19]]
    assert _first_chars("(?:,|，|、)", 0) == [[44, 44], [0x3001, 0x3001], [0xFF0C, 0xFF0C]]
    assert _first_chars("a?b", 0) == [[97, 97], [98, 98]]  # an optional first part: what follows may begin it too
    for unsure in ("[^\\W\\d][\\w·]*", "a*", "(?i:abc)", ".x", "\\d+", "(?=a)a", "[^a]"):
        assert _first_chars(unsure, 0) is None, unsure
    assert _first_chars("abc", re.IGNORECASE) is None
    assert _first_chars("(?i)abc", 0) is None


def test_fast_path_and_lark_agree_on_real_schemes():
    root = Path(__file__).resolve().parent.parent
    files = sorted(root.glob("schemes/**/*.scheme")) + sorted(root.glob("docs/**/*.scheme"))
    assert files
    for path in files:
        _same_parse(path.read_text(encoding="utf-8"))


def test_an_indicator_may_write_its_inputs_as_the_sketch_does():
    # 输入 never starts a statement inside a block, so `输入 { … }` is an attribute there
    from conftest import check

    r = check("""
    方案 "x" {
      类别 帮扶 满分 3 {
        指标 7 "帮扶覆盖" 分值 3 输入 { 已覆盖 计数, 应覆盖 计数 } 评分 完成率 取值 已覆盖 / 应覆盖
      }
      评分法 完成率 = 按比例 上限 100%
    }
    """)
    assert r.ok and r.program.tree[0].children[0].fields == ("已覆盖", "应覆盖")


@pytest.mark.parametrize("method, tokens", [
    ("每例 扣 1", [(KW, "每"), ("UNIT", "例"), (KW, "扣"), (NUM, "1")]),
    ("每 2 人次 扣 0.5", [(KW, "每"), (NUM, "2"), ("UNIT", "人次"), (KW, "扣"), (NUM, "0.5")]),
    ("配额 3 户 不足 每户 扣 1", [(KW, "配额"), (NUM, "3"), ("UNIT", "户"), (KW, "不足"), (KW, "每"), ("UNIT", "户"),
                             (KW, "扣"), (NUM, "1")]),
    ("每低 1% 扣 0.2", [(KW, "每"), (KW, "低"), (NUM, "1"), ("PERCENT", "%"), (KW, "扣"), (NUM, "0.2")]),
])
def test_any_counter_word_after_a_number_is_a_unit(method, tokens):
    """「每例扣1分」「每少一户扣1分」: counters are open; a keyword written there (低, 不足, 扣) stays a keyword."""
    assert body(f"评分法 m = {method}")[3:] == tokens
