"""The mutation test: every attribute and method clause the grammar can attach, at every place it can
attach, either changes the score in both back ends or is refused by `kaoping check`. Nothing that
checks clean is ignored.

Each case is (place, what is written, the scheme without it, the results): the test writes the
scheme with and without it, and compares. docs/scoring.md's attribute table lists the same places.
"""

from __future__ import annotations

import typing

import pytest

from conftest import check
from kaoping.dsl import ast as A
from kaoping.dsl import lower as L
from kaoping.dsl.resolve import APPLIES
from scoring_helpers import Both, unit

# A tree with a slot for each place: {cat} a category, {ind} an indicator with children, {leaf} a
# leaf under it, {solo} a leaf without children, {method} the leaf's method.
TREE = """
方案 "m" {{
  类别 c 满分 10 {cat} {{
    指标 1 "有下级" 分值 6 {ind} {{
      1-1 "甲" 权重 4 {leaf} {method}
      1-2 "乙" 权重 2 评分 是否
    }}
    指标 2 "无下级" 分值 4 {solo}
  }}
  类别 d 满分 5 {{}}
  加分组 奖分
  {extra}
}}
"""
RESULTS = {"1-1": "3", "1-2": "是", "2": "1", "d": "4"}

# (place, written, slot values, results changes)
NODE_CASES = [
    ("category", "满分 9", {"cat": "满分 9"}, {}),  # declared 10 → 9: the sum is checked (E0301)
    ("category", "上限 8", {"cat": "上限 8"}, {"1-1": "4", "1-2": "是", "2": "4"}),
    ("category", "计分 5", {"cat": "计分 5"}, {}),
    ("category", "不计入总分", {"cat": "不计入总分"}, {}),
    ("category", "精度 0 位", {"cat": "精度 0 位"}, {"2": "2.5"}),
    ("category", "门槛 有 x", {"cat": "门槛 有 x"}, {}),
    ("category", "适用 有 x 不适用 满分", {"cat": "适用 有 x 不适用 满分"}, {}),
    ("category", "适用 有 x", {"cat": "适用 有 x"}, {}),
    ("category", "不适用 计 1", {"cat": "不适用 计 1"}, {}),
    ("category", "适用 有 x 不适用 折算", {"cat": "适用 有 x 不适用 折算"}, {}),  # a top category: E0503
    ("category", "评分 是否", {"cat": "评分 是否"}, {}),  # inherited by 2: "3" is not 是/否
    ("category", "默认 1", {"cat": "默认 1"}, {}),
    ("category", "缺失 取 1", {"cat": "缺失 取 1"}, {}),
    ("category", "可缺", {"cat": "可缺"}, {}),
    ("category", "单位自列", {"cat": "单位自列"}, {}),  # c lists items in the scheme: E0309
    ("indicator", "分值 5", {"ind": "分值 5"}, {}),
    ("indicator", "上限 5", {"ind": "上限 5"}, {"1-1": "4"}),
    ("indicator", "不计入总分", {"ind": "不计入总分"}, {}),
    ("indicator", "精度 0 位", {"ind": "精度 0 位"}, {"1-1": "2.5"}),
    ("indicator", "门槛 有 x", {"ind": "门槛 有 x"}, {}),
    ("indicator", "适用 有 x 不适用 计 1", {"ind": "适用 有 x 不适用 计 1"}, {}),
    ("indicator", "适用 有 x 不适用 折算", {"ind": "适用 有 x 不适用 折算"}, {}),
    ("indicator", "范围 [0, 5]", {"ind": "范围 [0, 5]"}, {"1-1": "4"}),
    ("indicator", "可为负", {"ind": "可为负", "leaf": "可为负"}, {"1-1": "-3", "1-2": "否"}),
    ("indicator", "可超分值", {"ind": "可超分值", "leaf": "可超分值"}, {"1-1": "5"}),
    ("indicator", "评分 是否", {"ind": "评分 是否"}, {}),  # 1-1 inherits it: "3" is not 是/否
    ("indicator", "默认 1", {"ind": "默认 1"}, {}),
    ("indicator", "缺失 取 1", {"ind": "缺失 取 1"}, {}),
    ("indicator", "可缺", {"ind": "可缺"}, {}),
    ("indicator", "输入项", {"ind": "输入项 { a }"}, {}),
    ("indicator", "取值", {"ind": "取值 2"}, {}),
    ("leaf", "权重 3", {"leaf": "权重 3"}, {}),  # 3 + 2 ≠ 6: E0301
    ("leaf", "上限 2", {"leaf": "上限 2"}, {}),
    ("leaf", "不计入总分", {"leaf": "不计入总分"}, {}),
    ("leaf", "精度 0 位", {"leaf": "精度 0 位"}, {"1-1": "2.5"}),
    ("leaf", "门槛 有 x", {"leaf": "门槛 有 x"}, {}),
    ("leaf", "适用 有 x 不适用 满分", {"leaf": "适用 有 x 不适用 满分"}, {}),
    ("leaf", "适用 有 x 不适用 折算", {"leaf": "适用 有 x 不适用 折算"}, {}),
    ("leaf", "范围 [-1, 4]", {"leaf": "范围 [-1, 4]"}, {"1-1": "-1"}),
    ("leaf", "可为负", {"leaf": "可为负"}, {"1-1": "-1"}),
    ("leaf", "可超分值", {"leaf": "可超分值"}, {"1-1": "5"}),
    ("leaf", "默认 1", {"leaf": "默认 1"}, {"1-1": None}),
    ("leaf", "缺失 取 1", {"leaf": "缺失 取 1"}, {"1-1": None}),
    ("leaf", "可缺", {"leaf": "可缺"}, {"1-1": None}),
    ("leaf", "输入项 + 取值", {"leaf": "输入项 { a, b } 取值 a - b"}, {"1-1": {"a": "4", "b": "2"}}),
    ("leaf", "取值", {"leaf": "取值 1"}, {}),
    ("leaf", "评分 是否", {"leaf": "评分 是否"}, {"1-1": "是"}),
    ("solo", "门槛 有 x", {"solo": "门槛 有 x"}, {}),
    ("solo", "评分 是否", {"solo": "评分 是否"}, {"2": "是"}),
    ("unit block", "单位 块中的指标", {"extra": '单位 "甲局" { 类别 e 满分 2 { 9-1 "专项" 权重 2 } }'},
     {"9-1": "1"}),
]

# Method clauses, inline and named: (family, the method without the clause, the clause, 1-1's result,
# what 1-1 itself declares so that the clause can show: 可为负 / 可超分值 lift the clamp to [0, 4])
CLAUSE_CASES = [
    ("tiers", "分档 { 一档 100%, 二档 50% }", "可晋档 1", {"档次": "二档", "晋档": "1"}, ""),
    ("ratio", "按比例", "上限 50%", "80%", ""),
    ("efficacy", "功效 下限 60% 目标 100%", "门槛 有 x", "80%", ""),
    ("ranges", "区间 高优 { [90%, 100%] 满分, [0, 90%) 50% }", "门槛 有 x", "80%", ""),
    ("rank", "排名 { 1: 4, 2: 3 }", "此后 每名 扣 1", "3", ""),
    ("rank", "排名 { 1: 4, 2: 3 }", "其余 1", "3", ""),
    ("rank", "排名 { 1: 4, 2: 3 } 此后 每名 扣 2", "下限 1", "4", ""),
    ("reverse_rank", "倒数排名 { 1: 1, 2: 2 }", "此后 每名 加 1", "3", ""),
    ("steps", "阶梯 { 1次: 扣 1, 2次及以上: 扣 3 }", "最多 扣 2", "2", ""),
    ("count", "每次 扣 1", "扣完为止", "5", "可为负"),
    ("count", "每次 扣 1", "最多 扣 2", "3", ""),
    ("count", "每次 扣 1", "最多 2", "3", ""),
    ("count", "每 2 次 扣 1", "整档", "3", ""),
    ("count", "配额 4 次 不足 每次 扣 1", "最多 扣 1", "1", ""),
    ("count", "配额 2 次", "此后 每次 加 1", "3", "可超分值"),
    ("count", "每次 加 1", "最多 加 2", "3", ""),
    ("count", "配额 2 次 此后 每次 加 1", "计入 奖分", "3", "可超分值"),  # 1-1 keeps 4, 奖分 1 (not in the total)
    ("count", "每次 扣 1", "下限 3", "3", ""),
    ("levels", "配额 { 省级 1, 市级 1 } 此后 每篇 { 省级 加 1, 市级 加 0.5 }", "最多 加 1",
     {"省级": "2", "市级": "3"}, "可超分值"),
    ("deviation", "偏离 标准 90% 每 1% 扣 0.5", "方向 不高于", "80%", ""),
    ("deviation", "偏离 标准 90% 每 4% 扣 1", "整档", "80%", ""),
    ("not_below", "不低于 90% 每低 1% 扣 0.5", "最多 扣 1", "80%", ""),
    ("not_above", "不高于 90% 每高 1% 扣 0.5", "门槛 有 x", "95%", ""),
    ("highest", "取最高 { 国家级 3, 省级 2 }", "门槛 有 x", ["省级"], ""),
    ("panel", "评委", "去掉最高最低", ["1", "2", "4"], ""),
    ("panel", "评委", "保留 0 位", ["1", "2"], ""),
    ("panel", "评委", "满分 8", ["4"], ""),
    ("direct", "直接赋分", "门槛 有 x", "3", ""),
    ("yes_no", "是否", "取值 0", "是", ""),
    ("sum", "合计 { 逾期: 每次 扣 1, 表扬: 每次 加 1 }", "最多 扣 1", {"逾期": "3", "表扬": "0"}, ""),
    ("sum", "合计 { 逾期: 每次 扣 1, 表扬: 每次 加 1 }", "最多 加 1", {"逾期": "0", "表扬": "2"}, "可超分值"),
    ("vs_best", "比最优", "满分 2", "3", ""),
    ("rank", "排名 { 1: 4, 2: 3 }", "升序", "1", ""),  # no method reads it: refused (E0503)
]


def _tree(**slots) -> str:
    fill = {k: "" for k in ("cat", "ind", "leaf", "solo", "extra", "method")}
    fill.update(slots)
    return TREE.format(**fill)


def _outcome(text, values, tmp_path, units=None):
    """("refused", codes) or ("scored", totals per unit) from both back ends (they must agree)."""
    r = check(text)
    if not r.ok:
        return "refused", [d.code for d in r.errors]
    tmp_path.mkdir(parents=True, exist_ok=True)
    both = Both(r, tmp_path)
    scored = both.rank(units or [unit("甲局", values), unit("乙局", values)])
    return "scored", [s["total"] for s in scored], [s["problems"] and s["problems"][0]["code"] for s in scored]


def _values(changes: dict) -> dict:
    values = {**RESULTS, **changes}
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.parametrize("place, written, slots, changes", NODE_CASES, ids=[f"{c[0]}:{c[1]}" for c in NODE_CASES])
def test_every_node_attribute_acts_or_is_refused(place, written, slots, changes, tmp_path):
    values = _values(changes)
    slot = {"category": "cat", "indicator": "ind", "leaf": "leaf", "solo": "solo", "unit block": "extra"}[place]
    base = _outcome(_tree(**{k: v for k, v in slots.items() if k != slot}), values, tmp_path / "a")
    assert base[0] == "scored", base
    mutated = _outcome(_tree(**slots), values, tmp_path / "b")
    assert mutated[0] == "refused" or mutated != base, f"{place} {written} changed nothing: {mutated}"


@pytest.mark.parametrize("kind, method, clause, value, leaf", CLAUSE_CASES,
                         ids=[f"{c[0]}:{c[2]}" for c in CLAUSE_CASES])
@pytest.mark.parametrize("how", ["inline", "named"])
def test_every_method_clause_acts_or_is_refused(kind, method, clause, value, leaf, how, tmp_path):
    units = [unit("甲局", {**RESULTS, "1-1": value}), unit("乙局", {**RESULTS, "1-1": value})]

    def text(m):
        # 可超分值 on the indicator too, or its 分值 would hide what the item keeps
        ind = leaf if leaf == "可超分值" else ""
        if how == "named":
            return _tree(leaf=leaf, ind=ind, method="评分 M", extra=f"评分法 M = {m}")
        return _tree(leaf=leaf, ind=ind, method=f"评分 {{ {m} }}")

    base = _outcome(text(method), None, tmp_path / "a", units)
    assert base[0] == "scored", base
    mutated = _outcome(text(f"{method} {clause}"), None, tmp_path / "b", units)
    assert mutated[0] == "refused" or mutated != base, f"{how} {method} {clause} changed nothing: {mutated}"


GROUPS = """
方案 "g" {{
  类别 c 满分 10 {{ 1-1 "甲" 权重 10 }}
  输入 v {input}
  加分组 g {group} {{ e {entry} }}
  得分 总分 = c + v × 10% + g {formula}
}}
"""


@pytest.mark.parametrize("slot, written, values", [
    ("input", "满分 50", {"1-1": "5", "v": "80", "g": {"e": "1"}}),  # 80 over its 满分: a problem
    ("input", "可缺", {"1-1": "5", "g": {"e": "1"}}),
    ("input", "默认 50", {"1-1": "5", "g": {"e": "1"}}),
    ("input", "缺失 取 50", {"1-1": "5", "g": {"e": "1"}}),
    ("input", "全体", {"1-1": "5", "v": "80", "g": {"e": "1"}}),  # 乙局 gives no v: it takes 甲局's
    ("group", "上限 1", {"1-1": "5", "v": "80", "g": {"e": "3"}}),
    ("group", "可为负", {"1-1": "5", "v": "80", "g": "-1"}),
    ("entry", "上限 1", {"1-1": "5", "v": "80", "g": {"e": "3"}}),
    ("entry", "评分 { 每次 加 2 }", {"1-1": "5", "v": "80", "g": {"e": "3"}}),
    ("formula", "精度 0 位", {"1-1": "5.5", "v": "80", "g": {"e": "1"}}),
])
def test_every_input_group_and_formula_attribute_acts_or_is_refused(slot, written, values, tmp_path):
    fill = dict.fromkeys(("input", "group", "entry", "formula"), "")
    units = [unit("甲局", values), unit("乙局", {k: v for k, v in values.items() if slot != "input" or k != "v"})]
    base = _outcome(GROUPS.format(**fill), None, tmp_path / "a", units)
    assert base[0] == "scored", base
    mutated = _outcome(GROUPS.format(**{**fill, slot: written}), None, tmp_path / "b", units)
    assert mutated[0] == "refused" or mutated != base, f"{slot} {written} changed nothing: {mutated}"


def test_the_cases_cover_every_scoring_attribute_at_every_place_it_attaches():
    """Every "score" attribute that the resolver lets a category or an indicator carry has a case."""
    scoring = {k for k in typing.get_args(A.AttrKey) if L.attribute_effect(k) == "score"}
    same = ("满分", "分值", "权重")  # one attribute, three words
    words = {"full": same, "points": same, "weight": same, "cap": "上限", "counts_as": "计分", "method": "评分",
             "not_summed": "不计入总分", "range": "范围", "may_negative": "可为负", "may_exceed": "可超分值",
             "applies": "适用", "not_applicable": "不适用", "gate": "门槛", "missing": "缺失", "optional": "可缺",
             "fields": "输入项", "value": "取值", "precision": "精度", "default": "默认", "shared": "全体",
             "unit_items": "单位自列"}
    for kind, places in (("category", ("category",)), ("indicator", ("indicator", "leaf"))):
        for key in scoring & APPLIES[kind]:
            for place in places:
                spelled = words[key] if isinstance(words[key], tuple) else (words[key],)
                assert any(c[0] == place and any(w in c[1] for w in spelled) for c in NODE_CASES), (place, key)
    # 假定 records an assumption (a note); 平均 states what 评委 always does (the mean); 每 … is in every case
    clause_words = {L.clause_word(k) for k in typing.get_args(A.ClauseKind)} - {"假定", "平均", "每 … 扣/加"}
    written = " ".join(f"{c[1]} {c[2]}" for c in CLAUSE_CASES)
    assert [w for w in clause_words if w.split()[0] not in written] == []


# Statements' own parameters (小数 rows and rounding, 比例's class and rounding): written or not, the score
# or the grades differ in both back ends, or the scheme is refused.
STATEMENTS = """
方案 "s" {{
  类别 c 满分 20 {{ 1-1 "甲" 权重 4 1-2 "乙" 权重 16 }}
  单位类别 局 {{}}
  单位类别 镇 {{}}
  排名 依据 总分
  得分 总分 = c
  等次 {{ 优秀 >= 15, 合格 其余 }} {quota}
  {extra}
}}
"""


@pytest.mark.parametrize("slot, base, written, units", [
    ("extra", "", "小数 { 分值 <= 5: 1 位 }", [("甲", "局", "3.25", "14")]),
    ("extra", "小数 { 分值 <= 5: 1 位 }", "小数 { 分值 <= 5: 1 位 } 四舍五入", [("甲", "局", "3.25", "14")]),
    ("extra", "", "小数 { 其余: 0 位 }", [("甲", "局", "3", "14.5")]),
    ("quota", "", "比例 优秀 <= 50%", [("甲", "局", "4", "16"), ("乙", "局", "4", "15"), ("丙", "镇", "4", "14")]),
    ("quota", "比例 优秀 <= 50%", "比例 优秀 <= 50% 按 单位类别",  # 甲 乙 优秀 over all; 甲 丙 by class
     [("甲", "局", "4", "16"), ("乙", "局", "4", "15"), ("丙", "镇", "4", "14"), ("丁", "镇", "4", "13")]),
    ("quota", "比例 优秀 <= 50% 按 单位类别", "比例 优秀 <= 50% 按 单位类别 四舍五入",
     [("甲", "局", "4", "16"), ("乙", "局", "4", "15"), ("丙", "局", "4", "14")]),
])
def test_every_statement_parameter_acts_or_is_refused(slot, base, written, units, tmp_path):
    results = [unit(n, {"1-1": a, "1-2": b}, c) for n, c, a, b in units]

    def outcome(text, folder):
        r = check(text)
        if not r.ok:
            return "refused", [d.code for d in r.errors]
        folder.mkdir(parents=True, exist_ok=True)
        scored = Both(r, folder).rank(results)
        return "scored", [(s["total"], s["grade"], s["problems"] and s["problems"][0]["code"]) for s in scored]

    fill = {"quota": "", "extra": ""}
    before = outcome(STATEMENTS.format(**{**fill, slot: base}), tmp_path / "a")
    after = outcome(STATEMENTS.format(**{**fill, slot: written}), tmp_path / "b")
    assert before[0] == "scored", before
    assert after[0] == "refused" or after != before, f"{written} changed nothing: {after}"
