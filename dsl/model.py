"""The resolved scheme: what the checker and every back end read.

Names are resolved, the template is merged, attributes set on a level-1 indicator are inherited
by its items, and every tree node knows its declared and computed points. Expressions, conditions
and methods keep their AST form (plain attrs nodes, never lark trees).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from . import ast as A
from .source import Span


CATEGORY, INDICATOR, ITEM = "category", "indicator", "item"


@attrs.frozen
class Place:
    """Where something was written: file name and span."""

    source: str
    span: Span


@attrs.frozen
class Node:
    """A category, a level-1 indicator or a level-2 item of the assessment tree."""

    kind: str  # category / indicator / item
    key: str  # category name, or the id (1-1, 1-1-1, 4)
    text: str | None  # indicator text, or a category's printed label
    level: int  # 0 category, 1 level-1 indicator, 2 level-2 item
    declared: Decimal | None  # 满分 / 分值 / 权重 as written
    points: Decimal | None  # declared, else the sum of the children (None: open)
    cap: Decimal | None  # 上限
    counts_as: Decimal | None  # 计分
    method: str | None  # method name (inherited from the nearest category that names one)
    inline_method: A.Method | None
    fields: dict  # leader / owner / person / assessor / basis / deadline / remark / printed_id (inherited)
    flags: frozenset  # locked / no_level2 / not_summed / may_negative / may_exceed / optional
    value_range: tuple[Decimal, Decimal] | None
    default: Decimal | None
    exceptions: tuple[tuple[str, str, Place], ...]  # (rule, reason, place)
    declared_counts: tuple[tuple[str, int, Place], ...]  # 声明: (level1/level2/items, n, place)
    extra: dict  # the node's own scoring attributes as written: key → (value, Place) (lower.py reads them)
    children: tuple["Node", ...]
    place: Place
    points_place: Place | None  # where 满分/分值/权重 was written
    unit: str | None = None  # the unit a unit block belongs to

    @property
    def is_leaf(self) -> bool:
        return self.kind != CATEGORY and not self.children

    def leaves(self):
        """Every leaf indicator under this node (iteratively, depth first, in order)."""
        stack = [self]
        out = []
        while stack:
            node = stack.pop()
            if node.is_leaf:
                out.append(node)
            else:
                stack.extend(reversed(node.children))
        return out

    def has_leaves(self) -> bool:
        """Whether any leaf indicator is under this node (stops at the first one)."""
        stack = [self]
        while stack:
            node = stack.pop()
            if node.is_leaf:
                return True
            stack.extend(node.children)
        return False

    def walk(self):
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    @property
    def contribution(self) -> Decimal:
        """Points this node adds to its parent's total (计分 replaces them when it has leaves)."""
        if self.kind == CATEGORY and self.counts_as is not None:
            return self.counts_as if self.has_leaves() else Decimal(0)
        return self.points or Decimal(0)


@attrs.frozen
class Input:
    name: str
    label: str | None
    full: Decimal | None  # 满分 (scale) of the input
    source_text: str | None
    shared: bool
    optional: bool
    default: Decimal | None
    place: Place
    extra: dict = attrs.field(factory=dict)  # scoring attributes as written (缺失 取 …), with their places


@attrs.frozen
class GroupEntryModel:
    name: str
    label: str | None
    cap: Decimal | None
    method: str | None
    inline_method: A.Method | None
    place: Place


@attrs.frozen
class Group:
    kind: str  # bonus / deduct
    name: str
    label: str | None
    cap: Decimal | None
    entries: tuple[GroupEntryModel, ...]
    may_negative: bool  # 可为负: a 加（减）分 group whose total may be below 0
    place: Place


@attrs.frozen
class FormulaModel:
    name: str
    label: str | None
    expr: A.Expr
    precision: A.Precision | None
    unit_class: str | None  # None: the scheme's own formula
    place: Place


@attrs.frozen
class MethodModel:
    name: str
    method: A.Method
    place: Place


@attrs.frozen
class UnitClassModel:
    name: str
    label: str | None
    formulas: tuple[FormulaModel, ...]
    overrides: tuple[A.Override, ...]
    place: Place


@attrs.frozen
class RuleModel:
    name: str
    rule: A.Rule
    level: str  # error / warning / note
    place: Place


@attrs.frozen
class Assumption:
    text: str
    subject: str  # what it is attached to
    place: Place


@attrs.frozen
class Scheme:
    kind: str
    title: str
    year: int | None
    meta: dict  # docno / issuer / subject / remark / basis (tuples)
    precision: A.Precision | None
    rescale: bool  # 折算 百分制: inputs and categories rescaled to 100 before formulas
    roots: tuple[Node, ...]  # top-level categories
    unit_blocks: tuple[Node, ...]  # categories of 单位 blocks, each carrying .unit
    unit_block_classes: dict  # unit name → class name or None
    inputs: dict  # name → Input
    groups: dict  # name → Group
    formulas: dict  # name → FormulaModel
    methods: dict  # name → MethodModel
    classes: dict  # name → UnitClassModel
    rules: tuple[RuleModel, ...]
    invariants: tuple[A.Invariant, ...]
    cases: tuple[A.Case, ...]
    ranking: A.Ranking | None
    grades: A.Grades | None
    vetoes: tuple[tuple[A.Veto, str], ...]  # (veto, the file it is written in)
    gates: tuple[tuple[A.Gate, str], ...]
    exempts: tuple[tuple[A.Exempt, str], ...]
    populations: tuple[A.Population, ...]
    assumptions: tuple[Assumption, ...]
    source: str  # the main file's name
    chain: tuple[str, ...]  # templates inherited, nearest first
    decimals: tuple[tuple[A.Decimals, str], ...] = ()  # 小数 { … } statements (one allowed), with their file

    def categories(self):
        """Every category node by name (the tree's and unit blocks')."""
        out = {}
        for root in self.roots:
            for node in root.walk():
                if node.kind == CATEGORY:
                    out.setdefault(node.key, node)
        return out

    def leaves(self):
        return [leaf for root in self.roots for leaf in root.leaves()]

    def total(self) -> Decimal:
        return sum((r.contribution for r in self.roots if "not_summed" not in r.flags), Decimal(0))
