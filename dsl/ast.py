"""AST of a .scheme file: frozen, slotted attrs nodes that carry their source spans.

The AST says what was written, nothing more: names are unresolved strings, numbers are exact
Decimals (a percent literal keeps ``percent=True`` and its value already divided by 100),
attributes are kept in the order written. The resolver (resolve.py) gives them meaning.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, Union

import attrs

from .source import Span



@attrs.frozen
class Name:
    text: str
    span: Span


# ---------------------------------------------------------------- expressions and conditions
@attrs.frozen
class Num:
    value: Decimal
    percent: bool
    span: Span


@attrs.frozen
class Ref:
    name: str
    span: Span


@attrs.frozen
class AttrRef:
    name: str
    attr: str
    span: Span


@attrs.frozen
class Call:
    func: str
    args: tuple["Expr", ...]
    span: Span


@attrs.frozen
class ItemRef:
    id: str
    span: Span


@attrs.frozen
class External:
    text: str
    span: Span


@attrs.frozen
class BinOp:
    op: str  # one of + - * /
    left: "Expr"
    right: "Expr"
    span: Span


@attrs.frozen
class Neg:
    operand: "Expr"
    span: Span


Expr = Union[Num, Ref, AttrRef, Call, ItemRef, External, BinOp, Neg]


@attrs.frozen
class Compare:
    op: str  # one of >= <= > < != =
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Has:
    name: str
    span: Span


@attrs.frozen
class Contains:
    subject: Expr
    needles: tuple[str, ...]
    negate: bool
    span: Span


@attrs.frozen
class BoolOp:
    op: str  # and / or / any
    items: tuple["Cond", ...]
    span: Span


@attrs.frozen
class Not:
    item: "Cond"
    span: Span


@attrs.frozen
class AllAre:
    """全部 二级指标 为 一档: every leaf in the scope is reported as `value` (in 性质 and 期望)."""

    scope_kind: str  # all_level1 / all_level2 / all_items / all_in
    scope: str  # the category or indicator for all_in
    value: str
    span: Span


@attrs.frozen
class Vetoed:
    """否决 一票否优: that veto applied to the unit (in 性质 and 期望)."""

    name: str
    span: Span


Cond = Union[Compare, Has, Contains, BoolOp, Not, AllAre, Vetoed]


def walk(node):
    """Every expression/condition node under `node` (itself first), iteratively, in source order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (BinOp, Compare)):
            stack += [n.right, n.left]
        elif isinstance(n, Neg):
            stack.append(n.operand)
        elif isinstance(n, Call):
            stack += reversed(n.args)
        elif isinstance(n, Contains):
            stack.append(n.subject)
        elif isinstance(n, BoolOp):
            stack += reversed(n.items)
        elif isinstance(n, Not):
            stack.append(n.item)


def refs(node) -> set[str]:
    """Names referred to (not through a dot) anywhere under `node`."""
    return {n.name for n in walk(node) if isinstance(n, Ref)}


# ---------------------------------------------------------------- attributes
# The closed sets of what the grammar can write: the lowering (lower.py) handles each member, and
# the type checker fails the build when one is added without being handled there.
AttrKey = Literal[
    "full", "points", "weight", "cap", "counts_as", "declare", "method", "deadline", "leader", "owner", "person",
    "assessor", "basis", "remark", "locked", "no_level2", "exception", "assume", "printed_id", "not_summed",
    "range", "may_negative", "may_exceed", "applies", "not_applicable", "gate", "missing", "optional", "fields",
    "value", "source", "shared", "level", "precision", "default", "unit_items"]
ClauseKind = Literal[
    "cap", "floor", "target", "standard", "at_most", "at_most_add", "at_most_deduct", "step", "after", "short",
    "rest", "until_zero", "whole_steps", "mean", "drop_extremes", "promote", "keep", "direction", "ascending",
    "value", "gate", "full", "quota", "assume", "into"]
MethodKind = Literal[
    "tiers", "ratio", "efficacy", "ranges", "rank", "reverse_rank", "steps", "deviation", "highest", "panel",
    "quota", "direct", "yes_no", "sum", "vs_best", "not_below", "not_above", "based_on", "clauses"]

@attrs.frozen
class Counts:
    """声明 一级指标 15 项 二级指标 35 条: declared counts, keyed level1/level2/items."""

    entries: tuple[tuple[str, int, Span], ...]


@attrs.frozen(cache_hash=True)  # hashed each time the fields of an item are shared (resolve.py)
class Deadline:
    text: str
    quoted: bool  # written as a string, not as a deadline literal


@attrs.frozen
class Precision:
    places: int
    mode: str  # half_up / down / up


@attrs.frozen
class ExceptionNote:
    rule: Name
    reason: str


@attrs.frozen
class InputField:
    name: Name
    kind: str | None


@attrs.frozen
class Attr:
    """One attribute as written: ``key`` names it (full, weight, deadline …)."""

    key: AttrKey
    value: Any  # kind-specific (see the parser's attr_* rules)
    span: Span


# ---------------------------------------------------------------- scoring methods
@attrs.frozen
class Step:
    """每 [低|高|少|多] [N[%]] [单位] 扣/加 X, or a table of amounts per level."""

    direction: str | None
    size: Decimal | None
    percent: bool
    unit: str | None
    effect: str | None  # deduct / add; None with a table
    amount: Num | None
    table: tuple[tuple[str, str, Num], ...]  # (level name, deduct/add, amount)
    span: Span


@attrs.frozen
class Row:
    """One row of a method table: a key (name, number, count, interval, rest) and a value."""

    key_kind: str  # name / number / count / name_count / interval / rest
    key: Any  # by key_kind: a name, a number, (count, unit, or more), (name, count, unit), Interval, None
    value_kind: str  # amount / deduct / add / zero / full / step
    value: Any  # Num, a Step (step), or None (zero / full)
    span: Span


@attrs.frozen
class Interval:
    low: Num
    high: Num
    low_closed: bool
    high_closed: bool


@attrs.frozen
class Clause:
    kind: ClauseKind
    value: Any  # kind-specific (see the parser's c_* rules)
    span: Span


@attrs.frozen
class Method:
    kind: MethodKind  # "clauses" when only clauses are written
    arg: Any  # kind-specific: threshold Num, base Name, sense
    table: tuple[Row, ...]
    clauses: tuple[Clause, ...]
    span: Span


# ---------------------------------------------------------------- declarations
@attrs.frozen
class Item:
    id: str
    text: str | None
    attrs: tuple[Attr, ...]
    span: Span
    id_span: Span


@attrs.frozen
class Indicator:
    id: str
    text: str | None
    attrs: tuple[Attr, ...]
    items: tuple[Item, ...] | None  # None: written without a block (no level 2)
    span: Span
    id_span: Span


@attrs.frozen
class Category:
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    children: tuple[Union["Category", Indicator, Item], ...]
    span: Span
    close: Span  # the closing brace


@attrs.frozen
class InputDecl:
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    span: Span


@attrs.frozen
class GroupEntry:
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    span: Span


@attrs.frozen
class GroupDecl:
    kind: str  # bonus / deduct
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    entries: tuple[GroupEntry, ...]
    span: Span


@attrs.frozen
class Formula:
    name: Name
    label: str | None
    expr: Expr
    attrs: tuple[Attr, ...]
    span: Span


@attrs.frozen
class MethodDef:
    name: Name
    method: Method
    span: Span


@attrs.frozen
class Override:
    id: str
    expr: Expr
    span: Span


@attrs.frozen
class UnitClass:
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    stmts: tuple[Union[Formula, Override], ...]
    span: Span


@attrs.frozen
class Rule:
    name: Name
    form: str  # assert / implies / each
    scope: tuple[Name, ...]
    premise: Cond | None
    conclusion: Cond
    attrs: tuple[Attr, ...]
    span: Span


@attrs.frozen
class Invariant:
    name: Name
    premise: Cond | None
    conclusion: Cond
    span: Span
    exception: str | None = None  # 例外 "…": the author knows it does not hold, and says why


@attrs.frozen
class CaseEntry:
    target_kind: str  # name / indicator / all_level1 / all_level2 / all_items / all_in
    target: str
    value_kind: str  # amount / name / yes / no / list / map
    value: Any  # map: ((key, (value_kind, value)), …)
    span: Span


@attrs.frozen
class Expect:
    unit: str | None
    cond: Cond
    span: Span


@attrs.frozen
class Case:
    title: str
    population: str | None
    inputs: tuple[CaseEntry, ...]
    expects: tuple[Expect, ...]
    span: Span


@attrs.frozen
class Ranking:
    by_class: bool
    basis: Name
    ascending: bool
    ties: str | None
    span: Span


@attrs.frozen
class Grade:
    name: Name
    op: str | None  # None: 其余 (every other total)
    bound: Num | None
    span: Span


@attrs.frozen
class Quota:
    grade: Name
    op: str
    amount: Num
    by_class: bool
    span: Span
    rounding: str | None = None  # how n × p% becomes a number of units (None: rounded down)


@attrs.frozen
class Grades:
    grades: tuple[Grade, ...]
    quotas: tuple[Quota, ...]
    span: Span


@attrs.frozen
class Veto:
    name: Name
    cond: Cond
    effect: str  # cap / exclude
    grade: Name
    span: Span


@attrs.frozen
class DecimalRow:
    """分值 <= 5: 2 位 (op and bound None: 其余)."""

    op: str | None
    bound: Num | None
    places: int
    span: Span


@attrs.frozen
class Decimals:
    """小数 { 分值 <= 5: 2 位, 分值 >= 10: 0 位 } [四舍五入]: an item's declared points and a score reported
    for it carry at most that many decimals (the first row its points meet); rounding: a reported score
    with more is rounded so, else refused."""

    rows: tuple[DecimalRow, ...]
    rounding: str | None
    span: Span


@attrs.frozen
class Gate:
    cond: Cond
    span: Span


@attrs.frozen
class Exempt:
    name: Name
    cond: Cond
    span: Span


@attrs.frozen
class PopUnit:
    name: str
    unit_class: Name | None
    entries: tuple[CaseEntry, ...]
    span: Span


@attrs.frozen
class Population:
    name: str
    units: tuple[PopUnit, ...]
    span: Span


@attrs.frozen
class UnitBlock:
    name: str
    unit_class: Name | None
    children: tuple[Union[Category, Indicator, Item], ...]
    span: Span


@attrs.frozen
class Meta:
    key: str  # docno / basis / issuer / subject / remark / precision / assume / rescale
    value: Any
    span: Span


Stmt = Union[Category, InputDecl, GroupDecl, Formula, MethodDef, UnitClass, Rule, Invariant, Case,
             Ranking, Grades, Veto, Gate, Exempt, Population, UnitBlock, Decimals]


@attrs.frozen
class Scheme:
    kind: str  # scheme / template
    title: str
    year: int | None
    inherit: str | None
    inherit_span: Span | None
    meta: tuple[Meta, ...]
    body: tuple[Stmt, ...]
    span: Span
