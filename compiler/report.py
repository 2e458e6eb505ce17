"""`kaoping report`: one self-contained HTML page for leaders — the ranking per unit class with an
inline SVG bar chart, rating levels and vetoes, every unit's breakdown with the points it lost and the
rule that produced each number, and the scheme's table with its totals; print CSS for A4.

The scores are the ones `kaoping score` prints (scoring.score_units on the checked program); this
module only lays them out. Every number is formatted from its exact value (bars are pixels computed
from Fractions); the page is rendered by Jinja2 with autoescaping on, so no scheme or results text
can become markup. Nothing is fetched: no scripts, fonts or external styles.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from kaoping.dsl import ir
from kaoping.dsl.model import Scheme

from . import runtime as R
from .table_layout import Table, layout

BAR_WIDTH = 420  # pixels for the best total in a group
BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, VALUE_WIDTH = 22, 8, 190, 90


def _num(value) -> str:
    return R.show(value) if value is not None else "—"


def _pixels(value: Fraction) -> str:
    return R.show(R.round_to(value, 1, "half_up"))


def _chart(rows: list[dict]) -> dict:
    """An SVG bar chart of one group's totals: bar lengths proportional to the totals (0 for a
    negative total), the exact total written beside each bar."""
    best = max((r["value"] for r in rows), default=Fraction(0))
    bars = []
    for i, r in enumerate(rows):
        share = r["value"] / best if best > 0 and r["value"] > 0 else Fraction(0)
        y = i * (BAR_HEIGHT + BAR_GAP)
        bars.append({"y": y, "text_y": y + BAR_HEIGHT * 3 // 4, "width": _pixels(share * BAR_WIDTH),
                     "value_x": _pixels(LABEL_WIDTH + share * BAR_WIDTH + 6), "unit": r["unit"], "total": r["total"]})
    return {"bars": bars, "label_width": LABEL_WIDTH, "bar_height": BAR_HEIGHT,
            "width": LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH, "height": max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP)}


def _ranking(scores: list[dict]) -> list[dict]:
    ranked = [s for s in scores if s.get("rank") is not None]
    groups = []
    for name in dict.fromkeys(str(s.get("group")) for s in ranked):
        members = sorted((s for s in ranked if str(s.get("group")) == name), key=lambda s: s["rank"])
        rows = [{"rank": s["rank"], "unit": s["unit"], "total": _num(s["total"]), "value": Fraction(s["total"]),
                 "grade": s.get("grade") or "", "anchor": f"u{scores.index(s)}"} for s in members]
        groups.append({"name": name, "rows": rows, "chart": _chart(rows)})
    return groups


def _lines(score: dict) -> list[dict]:
    """The breakdown, depth first: every line with its rule, its points and what it lost."""
    out = []
    stack = [(line, 0) for line in reversed(score["tree"] + score["inputs"] + score["groups"])]
    while stack:
        line, depth = stack.pop()
        points, full = line["points"], line["full"]
        leaf = line["kind"] in ("item", "indicator") and not line["children"]
        lost = full - points if leaf and full is not None and points is not None and points < full else None
        out.append({"depth": depth, "key": line["key"], "kind": line["kind"], "label": line["label"] or "",
                    "rule": line["rule"] or "", "clip": line["clip"] or "", "points": _num(points),
                    "full": _num(full) if full is not None else "", "lost": _num(lost) if lost else "",
                    "input": _input_text(line.get("input"))})
        stack.extend((c, depth + 1) for c in reversed(line["children"]))
    return out


def _input_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "，".join(f"{k}: {_input_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "；".join(_input_text(v) for v in value)
    return str(value)


def _unit(score: dict, index: int) -> dict:
    vetoes = []
    for name, fired in score.get("vetoes", ()):
        if fired is True:
            vetoes.append(f"{name}：成立")
        elif fired is not False:
            vetoes.append(f"{name}：无法判断（{fired}）")
    return {"anchor": f"u{index}", "unit": score["unit"], "class": score["class"] or "",
            "total": _num(score["total"]) if score["total"] is not None else "", "total_name": score.get("total_name") or "",
            "rank": score.get("rank"), "grade": score.get("grade") or "", "vetoes": vetoes,
            "notes": list(score.get("grade_notes", ())),
            "formulas": [(k, _num(v)) for k, v in score["formulas"].items()],
            "problems": [{"code": p["code"], "place": p["place"], "message": p["message"]} for p in score["problems"]],
            "lines": _lines(score) if not score["problems"] else []}


def _rules(ranking: ir.Ranking) -> dict:
    grades = [{"grade": g, "rule": f"总分 {op} {_num(bound)}" if op else "其余"} for g, op, bound in ranking.grades]
    quotas = [f"{g} {op} {_num(share * 100)}%" + ("（按单位类别）" if by_class else "") for g, op, share, by_class, *_ in ranking.quotas]
    vetoes = [f"{v.name}：成立时" + (f"不评 {v.grade}" if v.exclude else f"等次最高 {v.grade}") for v in ranking.vetoes]
    order = ("按单位类别分别排名" if ranking.by_class else "全部单位一同排名") + ("，分数低者在前" if ranking.ascending else "，分数高者在前")
    return {"grades": grades, "quotas": quotas, "vetoes": vetoes, "order": order}


def _table(table: Table) -> dict:
    """The 考评表 as HTML rows: a merged range becomes one cell with rowspan/colspan."""
    covered: set[tuple[int, int]] = set()
    spans = {}
    for s in table.spans:
        spans[(s.first, s.first_col)] = (s.last - s.first + 1, s.last_col - s.first_col + 1)
        covered |= {(r, c) for r in range(s.first, s.last + 1) for c in range(s.first_col, s.last_col + 1)}
    rows = []
    for i, line in enumerate(table.lines):
        cells = []
        for c, _ in enumerate(table.headers):
            if (i, c) in covered and (i, c) not in spans:
                continue
            if c < table.depth:
                text = line.project.get(c, "")
            elif c == table.column("权重"):
                text = _num(line.weight) if line.weight is not None else ""
            else:
                text = line.cells.get(table.headers[c], "")
            rowspan, colspan = spans.get((i, c), (1, 1))
            cells.append({"text": text, "rowspan": rowspan, "colspan": colspan,
                          "number": c == table.column("权重")})
        rows.append({"kind": line.kind, "cells": cells})
    return {"depth": table.depth, "columns": table.headers[table.depth:], "rows": rows, "title": table.title}


def context(scheme: Scheme, program: ir.Program, scores: list[dict], scheme_name: str) -> dict:
    """Everything the page shows, formatted; the template only lays it out."""
    meta = scheme.meta
    return {"title": scheme.title, "docno": meta.get("docno") or "", "issuer": meta.get("issuer") or "",
            "scheme_name": scheme_name, "count": len(scores), "ranking": _ranking(scores), "rules": _rules(program.ranking),
            "invalid": [_unit(s, i) for i, s in enumerate(scores) if s["total"] is None],
            "units": [_unit(s, i) for i, s in enumerate(scores)], "table": _table(layout(scheme))}


def render(ctx: dict) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(ctx)
