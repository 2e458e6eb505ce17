"""`kaoping inspect`: the resolved tree with computed totals, counts and caps (text or JSON)."""

from __future__ import annotations

from decimal import Decimal

from . import ast as A
from . import model as M
from .checks import count_of, fmt

_KIND = {M.CATEGORY: "类别", M.INDICATOR: "指标", M.ITEM: "二级"}


def children_sum(node: M.Node) -> Decimal:
    return sum((c.contribution for c in node.children if "not_summed" not in c.flags), Decimal(0))


def _dec(value):
    return None if value is None else fmt(value)


def _field(value):
    """A field as JSON: texts as they are, a deadline as its text, 精度 as {"places", "mode"}."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, A.Precision):
        return {"places": value.places, "mode": value.mode}
    return getattr(value, "text", value)


def node_to_dict(node: M.Node) -> dict:
    out = {
        "kind": node.kind, "key": node.key, "text": node.text, "level": node.level,
        "declared": _dec(node.declared), "points": _dec(node.points), "cap": _dec(node.cap),
        "counts_as": _dec(node.counts_as), "method": node.method,
        "counts": {k: count_of(node, k) for k in ("level1", "level2", "items")},
        "declared_counts": {k: n for k, n, _p in node.declared_counts},
        "flags": sorted(node.flags),
        "fields": {k: _field(v) for k, v in node.fields.items()},
        "exceptions": [{"rule": r, "reason": why} for r, why, _p in node.exceptions],
        "line": node.place.span.line, "file": node.place.source,
    }
    if node.kind == M.CATEGORY:
        out["children_sum"] = _dec(children_sum(node)) if node.children else None
    out["children"] = [node_to_dict(c) for c in node.children]
    if node.unit is not None:
        out["unit"] = node.unit
    return out


def scheme_to_dict(s: M.Scheme) -> dict:
    return {
        "kind": s.kind, "title": s.title, "year": s.year, "file": s.source, "templates": list(s.chain),
        "meta": {k: (list(v) if isinstance(v, tuple) else v) for k, v in s.meta.items()},
        "total": fmt(s.total()),
        "tree": [node_to_dict(r) for r in s.roots],
        "unit_blocks": [node_to_dict(u) for u in s.unit_blocks],
        "unit_classes": {u: c for u, c in s.unit_block_classes.items()},
        "inputs": {n: {"full": _dec(i.full), "source": i.source_text} for n, i in s.inputs.items()},
        "groups": {n: {"kind": g.kind, "cap": _dec(g.cap), "entries": [e.name for e in g.entries]}
                   for n, g in s.groups.items()},
        "formulas": sorted(s.formulas),
        "methods": sorted(s.methods),
        "classes": {n: [f.name for f in c.formulas] for n, c in s.classes.items()},
        "rules": [{"name": r.name, "level": r.level} for r in s.rules],
        "assumptions": [{"text": a.text, "subject": a.subject, "line": a.place.span.line} for a in s.assumptions],
    }


def render_tree(s: M.Scheme, items: bool = False) -> str:
    lines = [f"{'模板' if s.kind == 'template' else '方案'} {s.title}" + (f"（{s.year} 年度）" if s.year else ""),
             f"合计 {fmt(s.total())} 分"]

    def describe(node: M.Node) -> str:
        parts = [f"{_KIND[node.kind]} {node.key}"]
        if node.kind != M.CATEGORY and node.text:
            text = node.text if len(node.text) <= 24 else node.text[:23] + "…"
            parts.append(text)
        if node.points is not None:
            parts.append(f"{fmt(node.points)} 分")
        if node.declared is not None and node.children and node.kind == M.CATEGORY:
            parts.append(f"（下级合计 {fmt(children_sum(node))}）")
        if node.cap is not None:
            parts.append(f"上限 {fmt(node.cap)}")
        if node.counts_as is not None:
            parts.append(f"计分 {fmt(node.counts_as)}")
        if node.kind == M.CATEGORY:
            parts.append(f"[一级指标 {count_of(node, 'level1')}，二级指标 {count_of(node, 'level2')}，"
                         f"条目 {count_of(node, 'items')}]")
        if "locked" in node.flags:
            parts.append("锁定")
        return "  ".join(parts)

    def walk(node: M.Node, depth: int):
        if node.kind == M.ITEM and not items:
            return
        lines.append("  " * depth + describe(node))
        for c in node.children:
            walk(c, depth + 1)

    for root in s.roots:
        walk(root, 1)
    for unit in s.unit_blocks:
        lines.append(f"  单位 {unit.unit}：")
        walk(unit, 2)
    return "\n".join(lines)
