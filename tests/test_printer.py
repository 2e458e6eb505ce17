"""The printer behind `kaoping fmt` (dsl/printer.py): round trip, idempotence, comments, coverage.

* every scheme in schemes/ (templates and as-printed included), docs/examples/, docs/*.scheme and every
  ```scheme block of docs/*.md: parse(fmt(x)) == parse(x) with spans ignored, fmt(fmt(x)) == fmt(x),
  and every comment of x is in fmt(x), in the same order;
* every class of dsl/ast.py, every attribute key, clause kind and method kind has a way to be printed;
* random ASTs (hypothesis) print to text that parses back to the same AST.
"""

from __future__ import annotations

import typing
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaoping.dsl import ast as A
from kaoping.dsl.parser import parse
from kaoping.dsl.printer import (ATTR_KEYWORDS, CLAUSE_KEYWORDS, METHOD_KEYWORDS, PRINTED, PrintError, format_text,
                                 print_scheme, same_tree, scan, strip_spans)
from kaoping.dsl.source import Source, Span
from test_docs import BLOCKS, _is_complete, _wrap

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "schemes").rglob("*.scheme")) + sorted((ROOT / "docs").rglob("*.scheme"))


def _parse(text: str, name: str = "t.scheme") -> A.Scheme:
    tree, problems = parse(Source(name, text))
    assert tree is not None, [(d.code, d.message, d.span) for d in problems]
    return tree


def _corpus() -> list[tuple[str, str]]:
    out = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in FILES]
    for where, text, directives in BLOCKS:
        if not _is_complete(text):
            text = _wrap(text, directives.get("fragment", ""))
        tree, _ = parse(Source(where, text))
        if tree is not None:  # blocks written to show a syntax error are not formatted
            out.append((where, text))
    # forms that no scheme or docs block happens to use
    out.append(("negation", '方案 "负号与非" {\n  得分 甲 = -(乙 + 1) × -丙  # 负号\n'
                            '  统一门槛 非 有 佐证 且 非 非 丁 > 1\n}\n'))
    return out


CORPUS = _corpus()
IDS = [c[0] for c in CORPUS]


def _comments(text: str) -> list[str]:
    return [c.text for c in scan(text)[0]]


def test_corpus_is_large():
    assert len(FILES) >= 13 and len(CORPUS) >= 40
    assert sum(len(_comments(t)) for _, t in CORPUS) >= 300  # the comments below are really tested


@pytest.mark.parametrize("where,text", CORPUS, ids=IDS)
def test_round_trip_idempotent_and_comments_kept(where, text):
    out, problems = format_text(text, where)
    assert out is not None, [(d.code, d.message) for d in problems]
    assert same_tree(_parse(out), _parse(text))
    assert _comments(out) == _comments(text)  # every comment, in order
    again, _ = format_text(out, where)
    assert again == out


def test_layout():
    text = ('# 文件头注释\n\n方案 "t" 年度 2020 {  # 方案\n  文号 "x"\n  类别 甲 满分 4\n    分管 "张三" {\n'
            '    # 一级指标 1-1\n    指标 1-1 "一" 分值 4 {\n      1-1-1 权重 2   # 末尾注释\n'
            '      1-1-2 权重 2\n      # 块末注释\n    }\n  }\n\n\n  得分 总分 = 甲*70%+ 1\n'
            '    # 公式中的注释\n    精度 2 位\n}\n# 文件尾\n')
    out, problems = format_text(text)
    assert not problems
    assert out == ('# 文件头注释\n\n方案 "t" 年度 2020 {  # 方案\n  文号 "x"\n  类别 甲 满分 4 分管 "张三" {\n'
                   '    # 一级指标 1-1\n    指标 1-1 "一" 分值 4 {\n      1-1-1 权重 2  # 末尾注释\n'
                   '      1-1-2 权重 2\n      # 块末注释\n    }\n  }\n\n  # 公式中的注释\n'
                   '  得分 总分 = 甲 × 70% + 1 精度 2 位 四舍五入\n}\n# 文件尾\n')


def test_hash_inside_strings_and_names_is_not_a_comment():
    text = '方案 "#1" {\n  输入 「甲#乙」 来源 "＃x"  # 真注释\n}\n'
    out, _ = format_text(text)
    assert out == text
    assert _comments(text) == ["# 真注释"]


def test_numbers_strings_and_ids_as_written():
    text = ('方案 "引号\\"与\\\\反斜杠" {\n  类别 甲 满分 1.50 {\n    指标 １-２ 分值 1.50 评分 { 按比例 上限 12.5% }\n  }\n'
            '  评分法 乙 = 区间 低优 { [0.5%, 100%] 满分, 其余 0 }\n}\n')
    out, _ = format_text(text)
    assert '"引号\\"与\\\\反斜杠"' in out and "满分 1.50" in out and "指标 1-2 分值 1.50" in out
    assert "上限 12.5%" in out and "[0.5%, 100%] 满分" in out
    assert same_tree(_parse(out), _parse(text))


def test_syntax_error_is_refused():
    out, problems = format_text('方案 "t" {\n  类别 甲 {\n}\n', "bad.scheme")
    assert out is None and problems[0].code == "E0103"
    out, problems = format_text("# 只有注释\n", "empty.scheme")
    assert out is None and problems[0].code == "E0107"


# ---------------------------------------------------------------- every class and every kind prints
def _ast_classes() -> set[type]:
    return {v for v in vars(A).values() if isinstance(v, type) and attrs.has(v) and v.__module__ == A.__name__}


def test_every_ast_class_is_printed():
    classes = _ast_classes()
    assert classes - set(PRINTED) == set(), "AST classes the printer does not write"
    assert set(PRINTED) - classes == set()


def test_every_ast_class_occurs_in_the_round_trips():
    """Each class is met by the corpus round trip or by the generated trees below."""
    seen: set[type] = set()

    def visit(node):
        if attrs.has(type(node)):
            seen.add(type(node))
            for f in attrs.fields(type(node)):
                visit(getattr(node, f.name))
        elif isinstance(node, (tuple, list)):
            for x in node:
                visit(x)

    for _, text in CORPUS:
        visit(_parse(text))
    missing = _ast_classes() - seen
    assert not missing, f"no scheme or docs block uses {sorted(c.__name__ for c in missing)}"


S = Span(0, 0, 0, 0)


def _n(text: str) -> A.Name:
    return A.Name(text, S)


def _num(value: str, percent: bool = False) -> A.Num:
    return A.Num(Decimal(value) / 100 if percent else Decimal(value), percent, S)


_COND = A.Compare(">=", A.Ref("甲", S), _num("75", True), S)
_STEP = A.Step("lower", Decimal("1"), True, None, "deduct", _num("0.15"), (), S)
ATTR_SAMPLES: dict[str, object] = {
    "full": Decimal("80"), "points": Decimal("4"), "weight": Decimal("1.5"), "cap": Decimal("10"),
    "counts_as": Decimal("5"), "declare": A.Counts((("level1", 15, S), ("level2", 35, S), ("items", 20, S))),
    "method": A.Method("ratio", None, (), (A.Clause("cap", _num("100", True), S),), S),
    "deadline": A.Deadline("12月底前", False), "leader": ("张三", "李四"), "owner": ("办公室",),
    "person": ("王五",), "assessor": ("市统计局",), "basis": ("泉政办〔2019〕9号",), "remark": "备注",
    "locked": True, "no_level2": True, "exception": A.ExceptionNote(_n("规则甲"), "理由"), "assume": "假定",
    "printed_id": "4.17", "not_summed": True, "range": (Decimal("-1.5"), Decimal("1.25")), "may_negative": True,
    "may_exceed": True, "applies": A.Has("口岸", S), "not_applicable": ("zero", Decimal("0")), "gate": _COND,
    "missing": _num("0"), "optional": True, "fields": (A.InputField(_n("已覆盖"), "count"), A.InputField(_n("应覆盖"), None)),
    "value": A.BinOp("/", A.Ref("已覆盖", S), A.Ref("应覆盖", S), S), "source": "市绩效办", "shared": True,
    "level": "warning", "precision": A.Precision(2, "down"), "default": Decimal("-1"), "unit_items": _n("市直部门"),
}
CLAUSE_SAMPLES: dict[str, object] = {
    "cap": _num("100", True), "floor": _num("0"), "target": _num("100", True), "standard": _num("20", True),
    "at_most": _num("2"), "at_most_add": _num("2"), "at_most_deduct": _num("3"), "step": _STEP, "after": _STEP,
    "short": A.Step(None, None, False, "次", "deduct", _num("0.25"), (), S), "rest": _num("0"),
    "until_zero": True, "whole_steps": True, "mean": True, "drop_extremes": True, "promote": 1, "keep": 2,
    "direction": "not_below", "ascending": True, "value": A.Call("名次", (A.Ref("产值", S),), S), "gate": _COND,
    "full": _num("6"), "quota": (Decimal("8"), "次"), "assume": "假定", "into": _n("信息奖分"),
}
METHOD_SAMPLES: dict[str, tuple] = {
    "tiers": (None, (A.Row("name", "一档", "amount", _num("100", True), S),)),
    "ratio": (None, ()), "efficacy": (None, ()),
    "ranges": ("lower_better", (A.Row("interval", A.Interval(_num("95", True), _num("100", True), True, False),
                                      "full", None, S), A.Row("rest", None, "zero", None, S))),
    "rank": (None, (A.Row("number", Decimal("1"), "amount", _num("60"), S),)),
    "reverse_rank": (None, (A.Row("number", Decimal("1"), "amount", _num("2"), S),)),
    "steps": (None, (A.Row("count", (2, "次", True), "deduct", _num("0.5"), S),)),
    "deviation": (None, ()), "highest": (None, (A.Row("name_count", ("国家级", 1, "篇"), "amount", _num("4"), S),)),
    "panel": (None, ()), "quota": (None, ()), "direct": (None, ()), "yes_no": (None, ()),
    "sum": (None, (A.Row("name", "逾期", "step", A.Step(None, None, False, "次", "deduct", _num("0.3"), (), S), S),)),
    "vs_best": (None, ()), "not_below": (_num("85", True), ()), "not_above": (_num("5", True), ()),
    "based_on": (_n("完成率"), ()), "clauses": (None, ()),
}


def _scheme(body: tuple, meta: tuple = ()) -> A.Scheme:
    return A.Scheme("scheme", "t", None, None, None, meta, body, S)


def _round_trip(tree: A.Scheme) -> None:
    text = print_scheme(tree, quote_keywords=True)
    assert same_tree(_parse(text), tree), text
    out, problems = format_text(text)
    assert out is not None, [(d.code, d.message) for d in problems]
    assert same_tree(_parse(out), tree)
    assert format_text(out)[0] == out


def test_every_attribute_key_prints():
    keys = set(typing.get_args(A.AttrKey))
    assert keys == set(ATTR_KEYWORDS) == set(ATTR_SAMPLES)
    for key in sorted(keys):
        item = A.Item("1-1", "甲", (A.Attr(key, ATTR_SAMPLES[key], S),), S, S)
        _round_trip(_scheme((A.Category(_n("类"), None, (), (item,), S, S),)))


def test_every_clause_kind_prints():
    kinds = set(typing.get_args(A.ClauseKind))
    assert kinds == set(CLAUSE_KEYWORDS) == set(CLAUSE_SAMPLES)
    for kind in sorted(kinds):
        method = A.Method("clauses", None, (), (A.Clause(kind, CLAUSE_SAMPLES[kind], S),), S)
        _round_trip(_scheme((A.MethodDef(_n("法"), method, S),)))


def test_every_method_kind_prints():
    kinds = set(typing.get_args(A.MethodKind))
    assert kinds == set(METHOD_KEYWORDS) == set(METHOD_SAMPLES)
    for kind in sorted(kinds):
        arg, table = METHOD_SAMPLES[kind]
        clauses = (A.Clause("cap", _num("100", True), S),)
        _round_trip(_scheme((A.MethodDef(_n("法"), A.Method(kind, arg, table, clauses, S), S),)))


def test_a_tree_text_cannot_hold_is_refused():
    right_or = A.BoolOp("or", (A.Has("甲", S), A.BoolOp("or", (A.Has("乙", S), A.Has("丙", S)), S)), S)
    with pytest.raises(PrintError):
        print_scheme(_scheme((A.Gate(right_or, S),)))
    with pytest.raises(PrintError):
        print_scheme(_scheme((A.Gate(A.Not(A.BoolOp("and", (A.Has("甲", S), A.Has("乙", S)), S), S), S),)))


def test_strip_spans_ignores_only_spans():
    a, b = _parse('方案 "t" { 输入 甲 满分 1 }'), _parse('方案 "t" {\n\n  输入 甲\n  满分 1\n}')
    assert a != b and same_tree(a, b)
    assert not same_tree(a, _parse('方案 "t" { 输入 甲 满分 2 }'))
    assert strip_spans(Span(1, 1, 1, 2)) is None


# ---------------------------------------------------------------- generated trees
NAMES = st.sampled_from(["甲", "乙", "职能工作目标", "a_b", "x1", "一档", "中·外", "加（减）分", "5G基站", "评分",
                         "备注", "次", "内容", "满分", "其余", "是否", "全部单位", "name"])
TEXTS = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
                | st.sampled_from(['"', "\\", "\n", "\t", "#", "＃", "「", "」"]), max_size=12)
DECIMALS = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False).map(abs)
SIGNED = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
INTS = st.integers(0, 999)
NAME_NODES = NAMES.map(_n)
IDS2 = st.tuples(st.integers(1, 20), st.integers(1, 20)).map(lambda t: f"{t[0]}-{t[1]}")
IDS3 = st.tuples(st.integers(1, 9), st.integers(1, 20), st.integers(1, 20)).map(lambda t: f"{t[0]}-{t[1]}-{t[2]}")
PLAIN = DECIMALS.map(lambda d: A.Num(d, False, S))
PERCENT = DECIMALS.map(lambda d: A.Num(d / 100, True, S))
AMOUNTS = PLAIN | PERCENT
SIGNED_AMOUNTS = AMOUNTS | AMOUNTS.map(lambda n: A.Num(-n.value, n.percent, S))
UNITS = st.sampled_from(["次", "名", "篇", "件", "项", "个", "份", "条", "场", "家", "人", "天", "日", "times", "cases"])

EXPRS = st.recursive(
    PLAIN | PERCENT | NAMES.map(lambda n: A.Ref(n, S)) | st.builds(A.AttrRef, NAMES, NAMES, st.just(S))
    | st.builds(A.ItemRef, IDS2 | IDS3, st.just(S)) | st.builds(A.External, TEXTS, st.just(S)),
    lambda inner: st.builds(A.BinOp, st.sampled_from("+-*/"), inner, inner, st.just(S))
    | st.builds(A.Neg, inner, st.just(S))
    | st.builds(A.Call, NAMES, st.lists(inner, max_size=3).map(tuple), st.just(S)),
    max_leaves=8)


def _fold(op: str, items: list):
    out = items[0]
    for x in items[1:]:
        out = A.BoolOp(op, (out, x), S)
    return out


CONDS = st.deferred(lambda: st.lists(CONJ, min_size=1, max_size=2).map(lambda xs: _fold("or", xs)))
CMP = (st.builds(A.Compare, st.sampled_from([">=", "<=", ">", "<", "!=", "="]), EXPRS, EXPRS, st.just(S))
       | st.builds(A.Has, NAMES, st.just(S))
       | st.builds(A.Vetoed, NAMES, st.just(S))
       | st.builds(A.Contains, EXPRS, st.lists(TEXTS, min_size=1, max_size=2).map(tuple), st.booleans(), st.just(S))
       | st.builds(A.BoolOp, st.just("any"), st.lists(CONDS, min_size=1, max_size=2).map(tuple), st.just(S)))
NEG = st.recursive(CMP, lambda inner: st.builds(A.Not, inner, st.just(S)), max_leaves=2)
CONJ = st.lists(NEG, min_size=1, max_size=2).map(lambda xs: _fold("and", xs))

STEPS = st.one_of(
    st.builds(A.Step, st.sampled_from([None, "lower", "higher", "fewer", "more"]), DECIMALS, st.booleans(),
              st.none(), st.sampled_from(["deduct", "add"]), AMOUNTS, st.just(()), st.just(S)),
    st.builds(A.Step, st.sampled_from([None, "lower", "more"]), st.none() | DECIMALS, st.just(False), UNITS,
              st.sampled_from(["deduct", "add"]), AMOUNTS, st.just(()), st.just(S)),
    st.builds(A.Step, st.none(), st.none(), st.just(False), UNITS, st.none(), st.none(),
              st.lists(st.tuples(NAMES, st.sampled_from(["deduct", "add"]), AMOUNTS), min_size=1, max_size=2)
              .map(tuple), st.just(S)))
ROW_VALUES = st.one_of(st.tuples(st.just("amount"), AMOUNTS), st.tuples(st.sampled_from(["deduct", "add"]), AMOUNTS),
                       st.tuples(st.sampled_from(["zero", "full"]), st.none()), st.tuples(st.just("step"), STEPS))
ROW_KEYS = st.one_of(
    st.tuples(st.just("name"), NAMES), st.tuples(st.just("number"), DECIMALS),
    st.tuples(st.just("count"), st.tuples(INTS, UNITS, st.booleans())),
    st.tuples(st.just("name_count"), st.tuples(NAMES, INTS, UNITS)),
    st.tuples(st.just("interval"), st.builds(A.Interval, AMOUNTS, AMOUNTS, st.booleans(), st.booleans())),
    st.tuples(st.just("rest"), st.none()))
ROWS = st.builds(lambda k, v: A.Row(k[0], k[1], v[0], v[1], S), ROW_KEYS, ROW_VALUES)
TABLES = st.lists(ROWS, min_size=1, max_size=3).map(tuple)
CLAUSE_VALUES = {
    **{k: AMOUNTS for k in ("cap", "floor", "target", "rest", "full", "at_most", "at_most_add", "at_most_deduct")},
    "standard": EXPRS, "value": EXPRS, "gate": CONDS, "assume": TEXTS, "promote": INTS, "keep": INTS,
    "into": NAME_NODES,
    "direction": st.sampled_from(["not_below", "not_above"]),
    "quota": st.tuples(DECIMALS, UNITS) | st.tuples(TABLES, st.none() | UNITS),
    **{k: STEPS for k in ("step", "after", "short")},
    **{k: st.just(True) for k in ("until_zero", "whole_steps", "mean", "drop_extremes", "ascending")},
}
CLAUSES = st.sampled_from(sorted(CLAUSE_VALUES)).flatmap(
    lambda k: CLAUSE_VALUES[k].map(lambda v: A.Clause(k, v, S)))  # type: ignore[arg-type]
HEADS = st.one_of(
    st.tuples(st.sampled_from(["tiers", "ratio", "efficacy", "rank", "reverse_rank", "steps", "deviation",
                               "highest", "panel", "quota", "direct", "yes_no", "sum", "vs_best"]), st.none()),
    st.tuples(st.just("ranges"), st.sampled_from(["higher_better", "lower_better"])),
    st.tuples(st.sampled_from(["not_below", "not_above"]), AMOUNTS),
    st.tuples(st.just("based_on"), NAME_NODES))
METHODS = (st.builds(lambda h, t, c: A.Method(h[0], h[1], t, c, S), HEADS, st.just(()) | TABLES,
                     st.lists(CLAUSES, max_size=3).map(tuple))
           | st.lists(CLAUSES, min_size=1, max_size=3).map(lambda c: A.Method("clauses", None, (), tuple(c), S)))
DEADLINES = (st.sampled_from(["12月", "7月份", "12月底前", "11月中旬", "2020年7月", "2020-12-31", "2020年7月15日前"])
             .map(lambda t: A.Deadline(t, False)) | TEXTS.map(lambda t: A.Deadline(t, True)))
STRING_LISTS = st.lists(TEXTS, min_size=1, max_size=3).map(tuple)
ATTR_VALUES = {
    **{k: SIGNED for k in ("full", "points", "weight", "cap", "counts_as", "default")},
    "declare": st.lists(st.tuples(st.sampled_from(["level1", "level2", "items"]), INTS, st.just(S)), min_size=1,
                        max_size=3).map(lambda e: A.Counts(tuple(e))),
    "method": NAME_NODES | METHODS, "deadline": DEADLINES,
    **{k: STRING_LISTS for k in ("leader", "owner", "person", "assessor", "basis")},
    **{k: TEXTS for k in ("remark", "assume", "printed_id", "source")},
    **{k: st.just(True) for k in ("locked", "no_level2", "not_summed", "may_negative", "may_exceed", "optional",
                                  "shared")},
    "exception": st.builds(A.ExceptionNote, NAME_NODES, TEXTS), "range": st.tuples(SIGNED, SIGNED),
    "applies": CONDS, "gate": CONDS, "missing": EXPRS, "value": EXPRS,
    "not_applicable": st.tuples(st.just("zero"), INTS.map(Decimal)) | st.tuples(st.sampled_from(["rescale", "full"]),
                                                                                st.none()),
    "fields": st.lists(st.builds(A.InputField, NAME_NODES, st.none() | st.sampled_from(
        ["count", "ratio", "tier", "rank", "points", "bool"])), min_size=1, max_size=3).map(tuple),
    "source": TEXTS, "level": st.sampled_from(["error", "warning", "note"]), "unit_items": st.none() | NAME_NODES,
    "precision": st.builds(A.Precision, st.integers(0, 6), st.sampled_from(["half_up", "down", "up"])),
}
ATTRS = st.lists(st.sampled_from(sorted(ATTR_VALUES)).flatmap(
    lambda k: ATTR_VALUES[k].map(lambda v: A.Attr(k, v, S))), max_size=3).map(tuple)  # type: ignore[arg-type]
LABELS = st.none() | TEXTS
ITEMS = st.builds(A.Item, IDS3, LABELS, ATTRS, st.just(S), st.just(S))
INDICATORS = st.builds(A.Indicator, IDS2 | INTS.map(str), LABELS, ATTRS,
                       st.none() | st.lists(ITEMS, max_size=3).map(tuple), st.just(S), st.just(S))
CATEGORIES = st.recursive(
    st.builds(A.Category, NAME_NODES, LABELS, ATTRS, st.lists(INDICATORS | ITEMS, max_size=3).map(tuple),
              st.just(S), st.just(S)),
    lambda inner: st.builds(A.Category, NAME_NODES, LABELS, ATTRS,
                            st.lists(inner | INDICATORS | ITEMS, max_size=3).map(tuple), st.just(S), st.just(S)),
    max_leaves=6)
STATEMENTS = st.one_of(
    CATEGORIES,
    st.builds(A.InputDecl, NAME_NODES, LABELS, ATTRS, st.just(S)),
    st.builds(A.GroupDecl, st.sampled_from(["bonus", "deduct"]), NAME_NODES, LABELS, ATTRS,
              st.lists(st.builds(A.GroupEntry, NAME_NODES, LABELS, ATTRS, st.just(S)), max_size=3).map(tuple),
              st.just(S)),
    st.builds(A.Formula, NAME_NODES, LABELS, EXPRS, ATTRS, st.just(S)),
    st.builds(A.MethodDef, NAME_NODES, METHODS, st.just(S)),
    st.builds(A.Rule, NAME_NODES, st.just("each"), st.lists(NAME_NODES, min_size=1, max_size=2).map(tuple),
              st.none() | CONDS, CONDS, ATTRS, st.just(S)),
    st.builds(A.Gate, CONDS, st.just(S)),
    st.builds(A.Invariant, NAME_NODES, st.none() | CONDS, CONDS, st.just(S), st.none() | TEXTS),
    st.builds(A.Decimals, st.lists(
        st.builds(A.DecimalRow, st.sampled_from([">=", "<=", ">", "<", "!="]), AMOUNTS, st.integers(0, 6), st.just(S))
        | st.builds(A.DecimalRow, st.none(), st.none(), st.integers(0, 6), st.just(S)), min_size=1, max_size=3).map(tuple),
        st.none() | st.sampled_from(["half_up", "down", "up"]), st.just(S)))
METAS = st.lists(st.one_of(
    st.builds(A.Meta, st.sampled_from(["docno", "issuer", "remark", "assume"]), TEXTS, st.just(S)),
    st.builds(A.Meta, st.sampled_from(["basis", "subject"]), STRING_LISTS, st.just(S)),
    st.builds(A.Meta, st.just("precision"), ATTR_VALUES["precision"], st.just(S)),
    st.builds(A.Meta, st.just("rescale"), st.just("hundred"), st.just(S))), max_size=3).map(tuple)
SCHEMES = st.builds(A.Scheme, st.sampled_from(["scheme", "template"]), TEXTS, st.none() | st.integers(1990, 2100),
                    st.none() | TEXTS, st.just(None), METAS, st.lists(STATEMENTS, max_size=4).map(tuple), st.just(S))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(SCHEMES)
def test_generated_trees_round_trip(tree):
    _round_trip(tree)
