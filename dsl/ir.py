"""The scoring IR: what a checked scheme means, and the only thing the back ends read.

The lowering (lower.py) turns the resolved model into these records; every attribute the
language lets a scheme write either becomes a field here or is refused at check time. The
interpreter executes the records through the shared runtime; the emitter prints the same
records into the generated module (as `P(tag=…, field=…)` records the runtime reads the same
way). Each record that takes part in a union carries a class-level `tag` the runtime dispatches
on. Numbers are exact Fractions.
"""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar, Union

import attrs


Step = tuple[Fraction, str, Fraction]  # (size, "deduct" | "add", amount): 每 N 扣/加 X
Amount = tuple[str, Fraction]  # ("share" | "points" | "full" | "zero" | "deduct" | "add", amount)


# ---------------------------------------------------------------- values
@attrs.frozen
class Const:
    tag: ClassVar[str] = "const"
    value: Fraction
    text: str  # as written (85%, 1.5)


@attrs.frozen
class Field:
    """An input field of the item's own result (输入项)."""

    tag: ClassVar[str] = "field"
    name: str
    yes_no: bool = False  # declared 是否: read as 是 = 1, 否 = 0 (「三项均完成的得满分」)


@attrs.frozen
class Value:
    """A value the unit's results report by name (a fact in a condition, an input in 取值)."""

    tag: ClassVar[str] = "value"
    name: str


@attrs.frozen
class Ref:
    """A computed value of the unit: a formula, an input's points, a group, a node's points."""

    tag: ClassVar[str] = "ref"
    name: str
    of: str  # formula / input / group / node


@attrs.frozen
class Bin:
    tag: ClassVar[str] = "bin"
    op: str  # + - * /
    left: "Expr"
    right: "Expr"


@attrs.frozen
class Neg:
    tag: ClassVar[str] = "neg"
    operand: "Expr"


@attrs.frozen
class Pick:
    """较大(a, b, …) / 较小(…): per unit."""

    tag: ClassVar[str] = "pick"
    largest: bool
    args: tuple["Expr", ...]


@attrs.frozen
class Cross:
    """均值 / 最大 / 最小 / 名次 of `name` over the units scored together (scope: a class or all)."""

    tag: ClassVar[str] = "cross"
    func: str  # 均值 / 最大 / 最小 / 名次 / 单位数
    name: str  # "" for 单位数
    scope: str | None
    own: "Expr | None"  # 名次: this unit's own value
    own_class: bool = False  # 本类: the scope is the unit's own class (computed for every class)


@attrs.frozen
class External:
    """得分 X = 外部 "…": the value is reported under the formula's name."""

    tag: ClassVar[str] = "external"
    text: str


Expr = Union[Const, Field, Value, Ref, Bin, Neg, Pick, Cross, External]


# ---------------------------------------------------------------- conditions
@attrs.frozen
class Has:
    """有 X: the results say yes to X (是/有/true/1 …); absent or 否/无/false/0 is no."""

    tag: ClassVar[str] = "has"
    name: str


@attrs.frozen
class Cmp:
    tag: ClassVar[str] = "cmp"
    op: str  # >= <= > < = !=
    left: Expr
    right: Expr


@attrs.frozen
class All:
    tag: ClassVar[str] = "all"
    items: tuple["Cond", ...]


@attrs.frozen
class AnyOf:
    tag: ClassVar[str] = "any"
    items: tuple["Cond", ...]


@attrs.frozen
class Not:
    tag: ClassVar[str] = "not"
    item: "Cond"


Cond = Union[Has, Cmp, All, AnyOf, Not]


# ---------------------------------------------------------------- methods (评分法)
@attrs.frozen
class Tiers:
    tag: ClassVar[str] = "tiers"
    rows: tuple[tuple[str, str, Fraction], ...]  # (tier, amount kind, amount)
    promote: int  # 可晋档 N


@attrs.frozen
class Ratio:
    tag: ClassVar[str] = "ratio"
    cap: Fraction


@attrs.frozen
class Efficacy:
    tag: ClassVar[str] = "efficacy"
    floor: Fraction
    target: Fraction


@attrs.frozen
class Ranges:
    tag: ClassVar[str] = "ranges"
    rows: tuple[tuple[Fraction, Fraction, bool, bool, str, Fraction], ...]  # low, high, closed?, closed?, amount
    rest: Amount | None


@attrs.frozen
class Rank:
    tag: ClassVar[str] = "rank"
    reverse: bool  # 倒数排名: the table lists what is lost
    rows: tuple[tuple[int, str, Fraction], ...]
    after: Step | None  # 此后 每名 扣/加
    rest: Amount | None


@attrs.frozen
class Steps:
    tag: ClassVar[str] = "steps"
    rows: tuple[tuple[int, bool, str, Fraction], ...]  # (times, or more, amount kind, amount)


@attrs.frozen
class Count:
    """每次 扣/加, 配额 … 不足 … 此后 …: per-occurrence rules over one count."""

    tag: ClassVar[str] = "count"
    quota: Fraction | None
    step: Step | None
    short: Step | None
    after: Step | None
    whole: bool
    from_zero: bool  # the points start from 0 and grow (每次 加, and every entry of a 加分组/扣分组)


@attrs.frozen
class Levels:
    """Counts per level: 配额 { 省级 2, 市级 4 } 此后 每篇 { 省级 加 1.5 }; the caps act on the parts."""

    tag: ClassVar[str] = "levels"
    levels: tuple[str, ...]
    quota: tuple[tuple[str, Fraction], ...] | None
    step: tuple[tuple[str, Step], ...] | None  # "*" for every level
    short: tuple[tuple[str, Step], ...] | None
    after: tuple[tuple[str, Step], ...] | None
    whole: bool
    at_most_add: Fraction | None
    at_most_deduct: Fraction | None


@attrs.frozen
class Deviation:
    tag: ClassVar[str] = "deviation"
    standard: Expr
    below: bool  # 不低于 (a shortfall loses points) or 不高于 (an excess does)
    step: Step
    whole: bool


@attrs.frozen
class VsBest:
    tag: ClassVar[str] = "vs_best"
    best: Cross
    full: Fraction | None


@attrs.frozen
class Highest:
    tag: ClassVar[str] = "highest"
    rows: tuple[tuple[str, int, str, Fraction], ...]  # (level, how many needed, amount kind, amount)


@attrs.frozen
class Panel:
    tag: ClassVar[str] = "panel"
    drop_extremes: bool
    keep: int | None
    full: Fraction | None


@attrs.frozen
class Direct:
    tag: ClassVar[str] = "direct"


@attrs.frozen
class YesNo:
    tag: ClassVar[str] = "yes_no"


@attrs.frozen
class Parts:
    """合计 { 逾期: 每次 扣 0.3, 错报: 每次 扣 0.6 }: every part reported, each with its count."""

    tag: ClassVar[str] = "sum"
    rows: tuple[tuple[str, str, Fraction], ...]  # (part, deduct/add, amount per occurrence)
    at_most_add: Fraction | None
    at_most_deduct: Fraction | None


Method = Union[Tiers, Ratio, Efficacy, Ranges, Rank, Steps, Count, Levels, Deviation, VsBest, Highest, Panel,
               Direct, YesNo, Parts]


@attrs.frozen
class Rule:
    """A method as applied, with the clauses every method takes. Order: the gate (0 when not met),
    the method on the value (取值 when given), then 最多 加/扣 around `base`, 下限, 扣完为止."""

    tag: ClassVar[str] = "rule"
    method: Method
    gate: Cond | None
    value: Expr | None  # 取值 of the method
    base_zero: bool  # the points start from 0 (最多 加 N caps them at N), else from the weight
    at_most_add: Fraction | None
    at_most_deduct: Fraction | None
    floor: Fraction | None  # 下限 (points)
    until_zero: bool  # 扣完为止
    into: str | None = None  # 计入 G: the points above the start go to the bonus group G (docs/scoring.md)


# ---------------------------------------------------------------- the tree
@attrs.frozen
class Conditions:
    """适用 … 不适用 …, 门槛, 免扣: decided before the node is scored, in that order."""

    tag: ClassVar[str] = "conditions"
    applies: Cond | None
    na: tuple[str, Fraction | None]  # ("zero", N) 计 N / ("full", None) 满分 / ("rescale", None) 折算
    gate: Cond | None
    exempt: Cond | None = None  # 免扣 X 若 …: when it holds, the node keeps its full points


@attrs.frozen
class Leaf:
    tag: ClassVar[str] = "leaf"
    key: str
    kind: str  # indicator / item
    label: str | None
    source: str  # file:line
    weight: Fraction | None
    rule: Rule
    low: Fraction | None  # the clamp; None: no bound
    high: Fraction | None
    check_direct: bool  # a direct score outside [0, weight] is a results error, not clipped
    default: Fraction | None  # 默认 / 缺失 取 N
    optional: bool  # 可缺
    fields: tuple[str, ...] | None  # 输入项: the result is a dict of these
    value: Expr | None  # 取值 over the fields (or over the unit's values)
    reported: bool  # the leaf reads a result under its key
    precision: tuple[int, str] | None
    conditions: Conditions | None
    pure: bool  # its line depends only on its own result (no gate, 取值, or cross-unit value)
    default_expr: "Expr | None" = None  # 缺失 取 均值(指标 X, …): the points of a leaf not reported
    places: tuple[int, str | None] | None = None  # 小数 规则: a reported score's decimals at most; rounding or refuse


@attrs.frozen
class Sum:
    tag: ClassVar[str] = "sum"
    key: str
    kind: str  # category / indicator
    label: str | None
    source: str
    full: Fraction | None  # its points (declared, else the children's)
    children: tuple["Node", ...]
    summed: tuple[bool, ...]
    limit: Fraction | None  # clipped to this (满分/分值 or 上限, the smaller; 范围's upper bound)
    limit_word: str
    low: Fraction | None  # floor (0 for an indicator unless 可为负; 范围's lower bound)
    counts_as: Fraction | None
    precision: tuple[int, str] | None
    conditions: Conditions | None


@attrs.frozen
class Open:
    """A category that lists no indicators: reported directly, else its (open) children's sum."""

    tag: ClassVar[str] = "open"
    key: str
    kind: str
    label: str | None
    source: str
    full: Fraction | None  # the most a reported score may be: the least of its 满分/分值, 上限, 计分
    fallback: Sum | None
    conditions: Conditions | None
    required: bool = False  # it declares points (满分/分值): a unit must report it (else it counts 0)


Node = Union[Leaf, Sum, Open]


# ---------------------------------------------------------------- inputs, groups, formulas
@attrs.frozen
class Input:
    tag: ClassVar[str] = "input"
    name: str
    label: str | None
    source: str
    full: Fraction | None
    optional: bool
    default: Fraction | None
    shared: bool  # 全体: one value for every unit scored together (given by one unit or by all, equal)


@attrs.frozen
class Entry:
    tag: ClassVar[str] = "entry"
    name: str
    label: str | None
    source: str
    cap: Fraction | None
    rule: Rule


@attrs.frozen
class Group:
    tag: ClassVar[str] = "group"
    name: str
    label: str | None
    source: str
    deduct: bool
    cap: Fraction | None
    may_negative: bool
    entries: tuple[Entry, ...]
    exempt: Cond | None = None  # 免扣 X 若 …: when it holds, a 扣分组 deducts nothing


@attrs.frozen
class Formula:
    tag: ClassVar[str] = "formula"
    name: str
    source: str
    expr: Expr
    precision: tuple[int, str] | None


@attrs.frozen
class View:
    """The formulas one unit class uses (the scheme's, with the class's own replacing them)."""

    tag: ClassVar[str] = "view"
    unit_class: str | None
    formulas: tuple[Formula, ...]  # those the total needs, in declaration order
    every: tuple[Formula, ...]  # every formula of the view (cross-unit stages may read any)
    total: str | None
    needed: frozenset[str]  # inputs a unit of this class must report
    overrides: tuple[tuple[str, Expr], ...] = ()  # 指标 X 取 …: the node's points for this class


@attrs.frozen
class CrossSpec:
    tag: ClassVar[str] = "cross_spec"
    func: str
    name: str  # a formula, input or node name; "#id" for a leaf's own value
    scope: str | None


@attrs.frozen
class Veto:
    tag: ClassVar[str] = "veto"
    name: str
    cond: Cond
    exclude: bool  # 不评 X (else 等次 最高 X)
    grade: str


@attrs.frozen
class Ranking:
    tag: ClassVar[str] = "ranking"
    by_class: bool
    ascending: bool
    grades: tuple[tuple[str, str | None, Fraction | None], ...]
    quotas: tuple[tuple[str, str, Fraction, bool, str | None], ...]  # grade, op, share, by class, rounding
    vetoes: tuple[Veto, ...]


@attrs.frozen
class Program:
    tag: ClassVar[str] = "program"
    title: str
    meta: tuple[tuple[str, object], ...]  # year, docno, templates, total, leaves … (the module's SCHEME)
    source: str
    precision: tuple[int, str] | None
    rescale: bool
    tree: tuple[Node, ...]
    root_summed: tuple[bool, ...]
    unit_trees: tuple[tuple[str, tuple[Node, ...]], ...]
    classes: tuple[str, ...]
    inputs: tuple[Input, ...]
    groups: tuple[Group, ...]
    views: tuple[View, ...]  # the scheme's own first (unit_class None)
    stages: tuple[tuple[CrossSpec, ...], ...]  # in dependency order
    own_values: tuple[tuple[str, Leaf], ...]  # "#id" → the leaf whose value a cross-unit function reads
    ranking: Ranking
    known: frozenset[str]  # every key a results file may give
    unit_known: tuple[tuple[str, frozenset[str]], ...]
    # a section only unit blocks declare → the classes (属于 X) of the units declaring it: a unit of
    # such a class must have its block; for other units the section does not apply (counts 0)
    block_classes: tuple[tuple[str, frozenset[str]], ...]
    # 单位自列 sections: (key, the classes whose units must list it (none: the units that do), the points
    # of a unit that lists none: ("zero", N) / ("full", None)); each unit's own lowered section; the
    # class each 单位 block says its unit belongs to (属于)
    listed: tuple[tuple[str, frozenset[str], tuple[str, Fraction | None]], ...] = ()
    unit_sections: tuple[tuple[str, tuple[tuple[str, "Node"], ...]], ...] = ()
    members: tuple[tuple[str, str], ...] = ()


def walk_nodes(nodes):
    """Every node under `nodes`, depth first, in order."""
    stack = list(reversed(nodes))
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Sum):
            stack.extend(reversed(n.children))
        elif isinstance(n, Open) and n.fallback is not None:
            stack.append(n.fallback)
