"""AST of a .scheme file: frozen, slotted attrs nodes that carry their source spans.

The AST says what was written, nothing more: names are unresolved strings, numbers are exact
Decimals (a percent literal keeps ``percent=True`` and its value already divided by 100),
attributes are kept in the order written. The resolver (resolve.py) gives them meaning.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Union

import attrs

from .source import Span

frozen = attrs.frozen(slots=True)


@frozen
class Name:
    text: str
    span: Span


# ---------------------------------------------------------------- expressions and conditions
@frozen
class Num:
    value: Decimal
    percent: bool
    span: Span


@frozen
class Ref:
    name: str
    span: Span


@frozen
class AttrRef:
    name: str
    attr: str
    span: Span


@frozen
class Call:
    func: str
    args: tuple["Expr", ...]
    span: Span


@frozen
class ItemRef:
    id: str
    span: Span


@frozen
class External:
    text: str
    span: Span


@frozen
class BinOp:
    op: str  # one of + - * /
    left: "Expr"
    right: "Expr"
    span: Span


@frozen
class Neg:
    operand: "Expr"
    span: Span


Expr = Union[Num, Ref, AttrRef, Call, ItemRef, External, BinOp, Neg]


@frozen
class Compare:
    op: str  # one of >= <= > < != =
    left: Expr
    right: Expr
    span: Span


@frozen
class Has:
    name: str
    span: Span


@frozen
class Contains:
    subject: Expr
    needles: tuple[str, ...]
    negate: bool
    span: Span


@frozen
class BoolOp:
    op: str  # and / or / any
    items: tuple["Cond", ...]
    span: Span


@frozen
class Not:
    item: "Cond"
    span: Span


Cond = Union[Compare, Has, Contains, BoolOp, Not]


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
@frozen
class Counts:
    """声明 一级指标 15 项 二级指标 35 条: declared counts, keyed level1/level2/items."""

    entries: tuple[tuple[str, int, Span], ...]


@frozen
class Deadline:
    text: str
    quoted: bool  # written as a string, not as a deadline literal


@frozen
class Precision:
    places: int
    mode: str  # half_up / down / up


@frozen
class ExceptionNote:
    rule: Name
    reason: str


@frozen
class InputField:
    name: Name
    kind: str | None


@frozen
class Attr:
    """One attribute as written: ``key`` names it (full, weight, deadline …)."""

    key: str
    value: object
    span: Span


# ---------------------------------------------------------------- scoring methods
@frozen
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


@frozen
class Row:
    """One row of a method table: a key (name, number, count, interval, rest) and a value."""

    key_kind: str  # name / number / count / name_count / interval / rest
    key: object
    value_kind: str  # amount / deduct / add / zero / full
    value: Num | None
    span: Span


@frozen
class Interval:
    low: Num
    high: Num
    low_closed: bool
    high_closed: bool


@frozen
class Clause:
    kind: str
    value: object
    span: Span


@frozen
class Method:
    kind: str  # tiers, ratio, efficacy, ranges, … or "clauses" when only clauses are written
    arg: object  # kind-specific: threshold Num, base Name, sense
    table: tuple[Row, ...]
    clauses: tuple[Clause, ...]
    span: Span


# ---------------------------------------------------------------- declarations
@frozen
class Item:
    id: str
    text: str | None
    attrs: tuple[Attr, ...]
    span: Span
    id_span: Span


@frozen
class Indicator:
    id: str
    text: str | None
    attrs: tuple[Attr, ...]
    items: tuple[Item, ...] | None  # None: written without a block (no level 2)
    span: Span
    id_span: Span


@frozen
class Category:
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    children: tuple[Union["Category", Indicator, Item], ...]
    span: Span
    close: Span  # the closing brace


@frozen
class InputDecl:
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    span: Span


@frozen
class GroupEntry:
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    span: Span


@frozen
class GroupDecl:
    kind: str  # bonus / deduct
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    entries: tuple[GroupEntry, ...]
    span: Span


@frozen
class Formula:
    name: Name
    label: str | None
    expr: Expr
    attrs: tuple[Attr, ...]
    span: Span


@frozen
class MethodDef:
    name: Name
    method: Method
    span: Span


@frozen
class Override:
    id: str
    expr: Expr
    span: Span


@frozen
class UnitClass:
    name: Name
    label: str | None
    attrs: tuple[Attr, ...]
    stmts: tuple[Union[Formula, Override], ...]
    span: Span


@frozen
class Rule:
    name: Name
    form: str  # assert / implies / each
    scope: tuple[Name, ...]
    premise: Cond | None
    conclusion: Cond
    attrs: tuple[Attr, ...]
    span: Span


@frozen
class Invariant:
    name: Name
    premise: Cond | None
    conclusion: Cond
    span: Span


@frozen
class CaseEntry:
    target_kind: str  # name / indicator / all_level1 / all_level2 / all_items / all_in
    target: str
    value_kind: str  # amount / name / yes / no / list
    value: object
    span: Span


@frozen
class Expect:
    unit: str | None
    cond: Cond | None  # None with `veto`
    span: Span
    veto: str | None = None  # 期望 单位 "乙" 否决 一票否优: that veto applied to the unit


@frozen
class Case:
    title: str
    population: str | None
    inputs: tuple[CaseEntry, ...]
    expects: tuple[Expect, ...]
    span: Span


@frozen
class Ranking:
    by_class: bool
    basis: Name
    ascending: bool
    ties: str | None
    span: Span


@frozen
class Grade:
    name: Name
    op: str | None  # None: 其余 (every other total)
    bound: Num | None
    span: Span


@frozen
class Quota:
    grade: Name
    op: str
    amount: Num
    by_class: bool
    span: Span


@frozen
class Grades:
    grades: tuple[Grade, ...]
    quotas: tuple[Quota, ...]
    span: Span


@frozen
class Veto:
    name: Name
    cond: Cond
    effect: str  # cap / exclude
    grade: Name
    span: Span


@frozen
class Gate:
    cond: Cond
    span: Span


@frozen
class Exempt:
    name: Name
    cond: Cond
    span: Span


@frozen
class PopUnit:
    name: str
    unit_class: Name | None
    entries: tuple[CaseEntry, ...]
    span: Span


@frozen
class Population:
    name: str
    units: tuple[PopUnit, ...]
    span: Span


@frozen
class UnitBlock:
    name: str
    unit_class: Name | None
    children: tuple[Union[Category, Indicator, Item], ...]
    span: Span


@frozen
class Meta:
    key: str  # docno / basis / issuer / subject / remark / precision / assume / rescale
    value: object
    span: Span


Stmt = Union[Category, InputDecl, GroupDecl, Formula, MethodDef, UnitClass, Rule, Invariant, Case,
             Ranking, Grades, Veto, Gate, Exempt, Population, UnitBlock]


@frozen
class Scheme:
    kind: str  # scheme / template
    title: str
    year: int | None
    inherit: str | None
    inherit_span: Span | None
    meta: tuple[Meta, ...]
    body: tuple[Stmt, ...]
    span: Span
