"""The 考评表 (assessment table) as the published documents print it, laid out from the resolved model.

One line per level-2 item (or per level-1 indicator without items), categories in the leading 项目
columns (one column per nesting level, each category's cell spanning its lines), then 序号, 文件依据,
一级指标 (with its points, "（4分）", as the documents show them), 二级指标, 权重, 完成时限, 分管领导,
责任单位, 责任人, 备注. Every category with lines under it ends with a 小计 line, the table with a 合计
line; each carries the exact sum (`value`) and what it sums (`sums`: line indexes and constants), so
that a spreadsheet can write it as a live formula and a page as a number. Unit blocks (单位 …) follow
as sections of their own. Nothing here parses: the model is the only input.
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs

from kaoping.dsl.model import CATEGORY, Node, Scheme

COLUMNS = ("序号", "文件依据", "一级指标", "二级指标", "权重", "完成时限", "分管领导", "责任单位", "责任人", "备注")
WEIGHT = COLUMNS.index("权重")

Sum = tuple[int | Decimal, ...]  # line indexes (their 权重) and constants


@attrs.define
class Line:
    """One table row: `kind` is item / indicator / category / subtotal / total / unit."""

    kind: str
    key: str  # the node's key (or the unit's name for a unit line)
    cells: dict[str, str] = attrs.field(factory=dict)  # column name → text
    weight: Decimal | None = None
    sums: Sum = ()  # subtotal / total: what is added up
    project: dict[int, str] = attrs.field(factory=dict)  # 项目 column (nesting level) → category label


@attrs.frozen
class Span:
    """Cells merged together: columns [first_col, last_col] (0-based over the whole row, 项目 columns
    first) of lines [first, last]."""

    first: int
    last: int
    first_col: int
    last_col: int


@attrs.define
class Table:
    title: str
    subtitle: str
    depth: int  # number of 项目 columns
    lines: list[Line] = attrs.field(factory=list)
    spans: list[Span] = attrs.field(factory=list)
    total: Decimal | None = None  # the scheme's checked total (when there is a 合计 line)

    @property
    def headers(self) -> tuple[str, ...]:
        return ("项目",) * self.depth + COLUMNS

    def column(self, name: str) -> int:
        return self.depth + COLUMNS.index(name)


def show(value: Decimal) -> str:
    """A decimal as a person writes it: 2, 1.5, 0.25 (never 2.0 or 1E+1)."""
    text = format(value.normalize(), "f")
    return text


_POINTS_SHOWN = re.compile(r"[（(]\s*([\d.]+)\s*分\s*[）)]\s*$")


def level1_text(node: Node) -> str:
    """The level-1 text as documents print it: its points appended, "（4分）", unless already there."""
    text = node.text or ""
    if not node.children or node.points is None:
        return text
    shown = _POINTS_SHOWN.search(text)
    if shown and Decimal(shown.group(1)) == node.points:
        return text
    return f"{text}（{show(node.points)}分）"


def category_label(node: Node) -> str:
    if node.text:
        return node.text
    if node.declared is not None:
        return f"{node.key}（{show(node.declared)}分）"
    return node.key


def _people(node: Node, field: str) -> str:
    return "\n".join(node.fields.get(field) or ())


def _deadline(node: Node) -> str:
    deadline = node.fields.get("deadline")
    return deadline.text if deadline is not None else ""


def _remark(node: Node) -> str:
    parts = []
    remark = node.fields.get("remark")
    if remark:
        parts.append(remark if isinstance(remark, str) else "；".join(remark))
    if node.fields.get("assessor"):
        parts.append("考评主体：" + "、".join(node.fields["assessor"]))
    if "not_summed" in node.flags:
        parts.append("不计入合计")
    return "\n".join(parts)


def _row_cells(node: Node, serial_of: Node, level1: str, level2: str) -> dict[str, str]:
    return {"序号": node.fields.get("printed_id") or serial_of.key, "文件依据": "\n".join(node.fields.get("basis") or ()),
            "一级指标": level1, "二级指标": level2, "完成时限": _deadline(node), "分管领导": _people(node, "leader"),
            "责任单位": _people(node, "owner"), "责任人": _people(node, "person"), "备注": _remark(node)}


def evaluate(lines: list[Line], sums: Sum) -> Decimal:
    total = Decimal(0)
    for part in sums:
        if isinstance(part, Decimal):
            total += part
        else:
            total += lines[part].weight or Decimal(0)
    return total


class _Builder:
    def __init__(self, table: Table):
        self.t = table

    def add(self, line: Line) -> int:
        self.t.lines.append(line)
        return len(self.t.lines) - 1

    def span(self, first: int, last: int, first_col: int, last_col: int) -> None:
        if first != last or first_col != last_col:
            self.t.spans.append(Span(first, last, first_col, last_col))

    def indicator(self, node: Node) -> list[int]:
        """The lines of a level-1 indicator; returns those whose 权重 count."""
        t = self.t
        if not node.children:
            line = Line("indicator", node.key, _row_cells(node, node, node.text or "", ""), node.points)
            return [self.add(line)]
        level1 = level1_text(node)
        first = len(t.lines)
        for i, item in enumerate(node.children):
            cells = _row_cells(item, item, level1 if i == 0 else "", item.text or "")
            self.add(Line("item", item.key, cells, item.points))
        last = len(t.lines) - 1
        self.span(first, last, t.column("一级指标"), t.column("一级指标"))
        if len({t.lines[i].cells["文件依据"] for i in range(first, last + 1)}) == 1:
            for i in range(first + 1, last + 1):
                t.lines[i].cells["文件依据"] = ""
            self.span(first, last, t.column("文件依据"), t.column("文件依据"))
        return [i for i in range(first, last + 1) if "not_summed" not in node.children[i - first].flags]

    def counted(self, node: Node, level: int) -> Sum:
        """Lay out a category; what it adds to its parent's sum: its 小计 (or its own directly given
        points), 计分 N instead when it counts as N, nothing when it is 不计入总分."""
        part = self.category(node, level)
        if "not_summed" in node.flags:
            return ()
        if node.counts_as is not None:
            return (node.counts_as,) if node.leaves() else ()
        return part or ()

    def category(self, node: Node, level: int) -> Sum | None:
        """The lines of a category; returns what it adds to its parent (None: nothing)."""
        t = self.t
        first = len(t.lines)
        label = category_label(node)
        notes = []
        if node.cap is not None:
            notes.append(f"上限 {show(node.cap)} 分")
        if node.counts_as is not None:
            notes.append(f"有指标时计 {show(node.counts_as)} 分")
        if not node.children:
            has_points = node.points is not None and node.counts_as is None
            notes.append("方案未列出指标" + ("，由考评直接给分" if has_points else "，计 0 分" if node.counts_as is not None else ""))
            line = Line("category", node.key, {"备注": "\n".join(filter(None, [_remark(node)] + ["；".join(notes)]))},
                        node.points if has_points else None)
            line.project[level] = label
            index = self.add(line)
            self.span(index, index, level, t.depth - 1)
            return (index,) if has_points else None
        parts: list[int | Decimal] = []
        only_indicators = all(c.kind != CATEGORY for c in node.children)
        for child in node.children:
            if child.kind == CATEGORY:
                parts.extend(self.counted(child, level + 1))
            elif "not_summed" not in child.flags:
                parts.extend(self.indicator(child))
            else:
                self.indicator(child)
        for i in range(first, len(t.lines)):
            t.lines[i].project.setdefault(level, label)
        listed = [p for p in parts if isinstance(p, Decimal) or t.lines[p].weight is not None]
        sums: Sum
        if not listed and node.points is not None and node.counts_as is None:
            sums = (node.points,)
            notes.append("方案未列出指标，由考评直接给分")
        else:
            sums = tuple(parts)
            found = evaluate(t.lines, sums)
            if node.declared is not None and found != node.declared:
                notes.append(f"方案规定 {show(node.declared)} 分，本表所列合计 {show(found)} 分")
        cells = {"序号": f"{node.key} 小计", "备注": "\n".join(filter(None, [_remark(node)] + ["；".join(notes)]))}
        subtotal = Line("subtotal", node.key, cells, evaluate(t.lines, sums), sums)
        subtotal.project[level] = label
        index = self.add(subtotal)
        self.span(index, index, t.column("序号"), t.column("二级指标"))
        self.span(first, index, level, t.depth - 1 if only_indicators else level)
        return (index,)


def _depth(node: Node) -> int:
    return 1 + max((_depth(c) for c in node.children if c.kind == CATEGORY), default=0)


def layout(scheme: Scheme) -> Table:
    """The 考评表 of a checked scheme."""
    roots = [r for r in scheme.roots]
    blocks = list(scheme.unit_blocks)
    depth = max((_depth(n) for n in roots + blocks), default=1)
    title = scheme.title if scheme.title.endswith("表") else scheme.title + ("表" if scheme.title.endswith("考评") else "考评表")
    meta = scheme.meta
    subtitle = "　　".join(filter(None, [f"文号：{meta['docno']}" if meta.get("docno") else "",
                                        f"发文：{meta['issuer']}" if meta.get("issuer") else ""]))
    table = Table(title, subtitle, depth)
    build = _Builder(table)
    if roots:
        parts = [part for root in roots for part in build.counted(root, 0)]
        table.total = scheme.total()
        value = evaluate(table.lines, tuple(parts))
        note = "" if value == table.total else f"方案合计 {show(table.total)} 分，本表所列合计 {show(value)} 分"
        total = Line("total", "合计", {"备注": note}, value, tuple(parts))
        total.project[0] = "合计"
        index = build.add(total)
        build.span(index, index, 0, table.column("二级指标"))
    unit = None
    for block in blocks:
        if block.unit != unit:
            unit = block.unit
            cls = scheme.unit_block_classes.get(unit)
            text = f"单位：{unit}" + (f"（{cls}）" if cls else "")
            line = Line("unit", unit or "")
            line.project[0] = text
            index = build.add(line)
            build.span(index, index, 0, len(table.headers) - 1)
        build.category(block, 0)
    return table
