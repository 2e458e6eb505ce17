"""What one unit fills in a results workbook: one column per key of the one-unit-per-row ("wide")
table that results_table reads — 单位, 类别 (when the scheme has unit classes), then every reported
indicator (with "KEY.晋档" after a tier that allows promotion), every category reported directly,
every input, bonus/deduction group, external score and fact a condition reads — each with the values
it accepts, taken from the scoring IR (what `kaoping check` produced; nothing is parsed here).
Results that a table cannot hold (per level, per part, 输入项) are listed apart: they need JSON.
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from kaoping.dsl import ir

from . import runtime as R

YES_NO = ("是", "否")


@attrs.frozen
class Column:
    key: str  # the header, exactly as the reader and the scoring core expect it
    label: str  # what it is, for people (indicator text, input label)
    kind: str  # tier / yes_no / number / whole / text
    hint: str  # 填写 … (Chinese)
    choices: tuple[str, ...] = ()
    low: Fraction | None = None
    high: Fraction | None = None
    by_unit: tuple[tuple[str, Fraction | None, Fraction | None], ...] = ()  # unit blocks: a unit's own bounds


@attrs.frozen
class Plan:
    columns: tuple[Column, ...]
    classes: tuple[str, ...]
    json_only: tuple[tuple[str, str], ...]  # (key, why) of results a table cannot hold
    block_units: frozenset[str] = frozenset()  # units with a 单位 block of their own


def _number(low: Fraction | None, high: Fraction | None) -> str:
    if low is not None and high is not None:
        return f"{R.show(low)}～{R.show(high)} 之间的数"
    if low is not None:
        return f"不小于 {R.show(low)} 的数"
    return "数值"


def _leaf_columns(leaf: ir.Leaf) -> list[Column] | str:
    """The columns of a reported leaf, or why a table cannot hold its result."""
    label = leaf.label or leaf.key
    if leaf.fields is not None:
        return "按输入项（" + "、".join(leaf.fields) + "）分别填报"
    method = leaf.rule.method
    weight = leaf.weight
    if isinstance(method, ir.Tiers):
        names = tuple(row[0] for row in method.rows)
        out = [Column(leaf.key, label, "tier", "选择档次：" + "、".join(names), names)]
        if method.promote:
            out.append(Column(f"{leaf.key}.晋档", f"{label}（晋档）", "whole",
                              f"可晋档数，0～{method.promote}（不晋档可不填）", low=Fraction(0), high=Fraction(method.promote)))
        return out
    if isinstance(method, ir.YesNo):
        return [Column(leaf.key, label, "yes_no", "选择 是 或 否", YES_NO)]
    if isinstance(method, ir.Direct):
        low, high = (Fraction(0), weight) if leaf.check_direct else (None, None)
        return [Column(leaf.key, label, "number", "得分：" + _number(low, high), low=low, high=high)]
    if isinstance(method, (ir.Ratio, ir.Efficacy, ir.Deviation, ir.Ranges, ir.VsBest)):
        return [Column(leaf.key, label, "number", "完成率或实际值（数值，可写 85%）")]
    if isinstance(method, (ir.Count, ir.Steps)):
        return [Column(leaf.key, label, "whole", "次数（非负整数）", low=Fraction(0))]
    if isinstance(method, ir.Rank):
        return [Column(leaf.key, label, "whole", "名次（从 1 起的整数）", low=Fraction(1))]
    if isinstance(method, ir.Panel):
        return [Column(leaf.key, label, "text", "各评委的分数，用分号分隔，如 90;88;92")]
    if isinstance(method, ir.Highest):
        return [Column(leaf.key, label, "text", "级别：" + "、".join(r[0] for r in method.rows) + "（多个用分号分隔）")]
    if isinstance(method, ir.Levels):
        return "按级别（" + "、".join(method.levels) + "）分别填报篇数"
    return "按项目（" + "、".join(r[0] for r in method.rows) + "）分别填报次数"


def _tree_columns(nodes, out: list, json_only: list) -> None:
    """Reported leaves and directly reported categories, in the table's order (no recursion limit)."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Leaf):
            if node.reported:
                found = _leaf_columns(node)
                if isinstance(found, str):
                    json_only.append((node.key, found))
                else:
                    out.extend(found)
        elif isinstance(node, ir.Open):
            if node.full is not None:  # reported directly; its (open) children need nothing then
                out.append(Column(node.key, node.label or node.key, "number",
                                  "类别得分（方案未列出指标）：" + _number(Fraction(0), node.full), low=Fraction(0), high=node.full))
            elif node.fallback is not None:
                stack.append(node.fallback)
        else:
            stack.extend(reversed(node.children))


def _facts(program: ir.Program) -> tuple[set[str], set[str]]:
    """Names the conditions and 取值 read from the results: (有 X names, compared or computed names)."""
    has, values = set(), set()
    stack: list = [program]
    seen: set[int] = set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, ir.Has):
            has.add(obj.name)
        elif isinstance(obj, ir.Value):
            values.add(obj.name)
        if isinstance(obj, (tuple, list, frozenset)):
            stack.extend(obj)
        elif attrs.has(type(obj)):
            stack.extend(getattr(obj, a.name) for a in attrs.fields(type(obj)))
    return has, values


def plan(program: ir.Program) -> Plan:
    columns: list[Column] = []
    json_only: list[tuple[str, str]] = []
    _tree_columns(program.tree, columns, json_only)
    blocks: dict[str, list[tuple[str, Column]]] = {}
    sections = [(u, tuple(n for _k, n in secs)) for u, secs in program.unit_sections]  # 单位自列: each unit's own
    for unit, nodes in list(program.unit_trees) + sections:
        found: list[Column] = []
        _tree_columns(nodes, found, json_only)
        for column in found:
            blocks.setdefault(column.key, []).append((unit, column))
    for key, per_unit in blocks.items():  # a key several unit blocks share: one column, each unit's bounds
        first = per_unit[0][1]
        highs = [c.high for _, c in per_unit]
        high = None if any(h is None for h in highs) else max(h for h in highs if h is not None)
        columns.append(attrs.evolve(first, high=high, hint=first.hint if len(per_unit) == 1 else
                                    "单位块中的类别得分：不小于 0，不超过该单位的满分",
                                    by_unit=tuple((u, c.low, c.high) for u, c in per_unit)))
    for i in program.inputs:
        hint = _number(Fraction(0), i.full) if i.full is not None else "数值（可写百分比，如 85%）"
        if i.shared:
            hint += "；全体单位共用一个值，填在任一单位即可（都填须相同）"
        if i.optional or i.default is not None:
            hint += "；可不填"
        columns.append(Column(i.name, i.label or i.name, "number", hint, low=Fraction(0) if i.full is not None else None,
                              high=i.full))
    for g in program.groups:
        low = None if g.may_negative else Fraction(0)
        hint = ("合计金额（可为负）" if g.may_negative else "合计金额，写正数（加扣方向由公式决定）") + \
            (f"；上限 {R.show(g.cap)}，超出部分剪去" if g.cap is not None else "") + "；未填按 0 计"
        columns.append(Column(g.name, g.label or g.name, "number", hint, low=low))
    seen = {c.key for c in columns}
    for view in program.views:
        for f in view.every:
            if isinstance(f.expr, ir.External) and f.name not in seen:
                seen.add(f.name)
                who = "、".join(v.unit_class or "全部单位" for v in program.views
                               if any(g.name == f.name and isinstance(g.expr, ir.External) for g in v.every))
                columns.append(Column(f.name, f.expr.text, "number", f"外部给出的得分（{who}）"))
    has, values = _facts(program)
    seen |= {k for k, _ in json_only}
    formulas = {f.name for v in program.views for f in v.every}
    for name in sorted(has - seen - formulas):
        columns.append(Column(name, name, "yes_no", "条件：选择 是 或 否", YES_NO))
    for name in sorted(values - has - seen - formulas):
        columns.append(Column(name, name, "number", "条件或取值所需的数值（可写百分比）"))
    return Plan(tuple(columns), tuple(program.classes), tuple(json_only), frozenset(u for u, _ in program.unit_trees))
