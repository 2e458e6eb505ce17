"""The explanation (得分说明) as text a unit can read, and the stable JSON contract.

JSON contract (version 1), printed by `kaoping score --format json`:
{"version": 1, "scheme": title, "units": [{"unit", "class", "total", "rank", "grade",
  "problems": [{"code", "message", "key", "place"}],
  "formulas": {name: value}, "breakdown": [node…], "inputs": [node…], "groups": [node…]}],
 "ranking": [{"group", "unit", "total", "rank", "grade"}]}
node: {"key", "kind", "label", "input", "rule", "points", "full", "clipped", "clip", "source", "bonus",
       "children": [node…]}. Every number is a string: an exact decimal ("87.35") or, when the
decimal does not terminate, an exact fraction ("524/3").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction

from kaoping.dsl.source import visible

from . import runtime as R


def _jsonable(value):
    if isinstance(value, Fraction):
        return R.exact(value)
    if isinstance(value, Decimal):
        return R.exact(Fraction(value))
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def node_json(line: dict) -> dict:
    out = {k: _jsonable(line[k]) for k in ("key", "kind", "label", "input", "rule", "points", "full", "clipped",
                                           "clip", "source")}
    out["bonus"] = _jsonable(line.get("bonus"))
    out["children"] = [node_json(c) for c in line["children"]]
    return out


def unit_json(score: dict) -> dict:
    out = unit_head_json(score)
    out["breakdown"] = [node_json(n) for n in score["tree"]]
    out["inputs"] = [node_json(n) for n in score["inputs"]]
    out["groups"] = [node_json(n) for n in score["groups"]]
    return out


def unit_head_json(score: dict) -> dict:
    """A unit's JSON before its lines: unit, class, total, rank, grade, vetoes, problems, formulas."""
    return {
        "unit": score["unit"], "class": score["class"], "total": _jsonable(score["total"]),
        "rank": score.get("rank"), "grade": score.get("grade"),
        "vetoes": [{"name": name, "fired": fired if isinstance(fired, bool) else None,
                    "reason": None if isinstance(fired, bool) else fired} for name, fired in score.get("vetoes", ())],
        "problems": score["problems"],
        "formulas": {k: _jsonable(v) for k, v in score["formulas"].items()},
    }


def unit_json_text(score: dict) -> str:
    """json.dumps(unit_json(score)), written from the fast path's records when it scored the unit."""
    if "fast" in score:
        from .explain_fast import fast_json
        return fast_json(score)
    return json.dumps(unit_json(score), ensure_ascii=False)


def unit_text(score: dict, items: bool = True) -> str:
    """explain_text(score) made safe to print (dsl.source.visible, newlines kept), written from the
    fast path's records when it scored the unit."""
    if "fast" in score:
        from .explain_fast import fast_text
        return fast_text(score, items)
    return visible(explain_text(score, items), newline=True)


def ranking_json(summaries: list[dict]) -> list[dict]:
    return [{"group": s.get("group"), "unit": s["unit"], "total": _jsonable(s["total"]),
             "rank": s.get("rank"), "grade": s.get("grade")}
            for s in sorted(summaries, key=lambda s: (str(s.get("group")), s.get("rank") or 10 ** 9))
            if s.get("rank") is not None]


def report_json_chunks(title: str, summaries: list[dict], scores: Iterable[dict]) -> Iterator[str]:
    """The same document as report_json, written unit by unit (never all units in memory)."""
    yield '{"version": 1, "scheme": ' + json.dumps(title, ensure_ascii=False) + ', "units": ['
    for i, score in enumerate(scores):
        yield ("," if i else "") + "\n  " + unit_json_text(score)
    yield '\n], "ranking": ' + json.dumps(ranking_json(summaries), ensure_ascii=False, indent=2) + "}\n"


def line_text(line: dict) -> str:
    """One line of the 得分说明, without its indentation."""
    pts, full, kind, rule, show = line["points"], line["full"], line["kind"], line["rule"], R.show
    parts = [line["key"], " ", rule] if rule else [line["key"]]
    if (kind == "item" or kind == "indicator") and not line["children"]:
        parts += ("，得 ", show(pts), " 分")
        if full is not None:
            parts += ("（权重 ", show(full), "）")
            if pts < full and not line.get("rescaled_away"):  # 折算: its points went to the others
                parts += ("，失 ", show(full - pts), " 分")
    elif kind == "input" or kind == "group" or kind == "entry":
        parts += ("：", show(pts))
        if full is not None:
            parts += ("（满分 " if kind == "input" else "（上限 ", show(full), "）")
    else:
        parts += ("，得 ", show(pts), " 分")
        if full is not None:
            parts += ("（满分 ", show(full), "）")
    if line["clip"]:
        parts += ("；", line["clip"])
    return "".join(parts)


def explain_text(score: dict, items: bool = True) -> str:
    """得分说明: the total, then every node with its rule, clip and points."""
    out = head_lines(score)
    if not score["problems"]:
        tree_lines(score["tree"] + score["inputs"] + score["groups"], 1, items, out)
    return "\n".join(out)


def head_lines(score: dict) -> list[str]:
    """The unit, its problems or its total, vetoes, grade notes and formulas."""
    head = f"【{score['unit']}】" + (f"（{score['class']}）" if score["class"] else "")
    out = [head]
    if score["problems"]:
        out.append("  结果有问题，未计算总分：")
        out += [f"    [{p['code']}] {p['place']}：{p['message']}" for p in score["problems"]]
        return out
    total = score["total"]
    out.append(f"  总分 {R.show(total)}" + (f"（{score['total_name']}）" if score.get("total_name") else "")
               + (f"，第 {score['rank']} 名" if score.get("rank") else "")
               + (f"，等次 {score['grade']}" if score.get("grade") else ""))
    for name, fired in score.get("vetoes", ()):
        if fired is True:
            out.append(f"  否决 {name}：成立")
        elif fired is not False:
            out.append(f"  否决 {name}：无法判断（{fired}）")
    for note in score.get("grade_notes", []):
        out.append(f"  {note}")
    for name, value in score["formulas"].items():
        out.append(f"  得分 {name} = {R.show(value)}")
    return out


def tree_lines(lines: list[dict], depth: int, items: bool, out: list[str]) -> None:
    """Every line under `lines` with its rule, clip and points, indented from `depth`."""
    # depth first, iteratively (a recursive closure would be a reference cycle per unit)
    stack = [(line, depth) for line in reversed(lines)]
    while stack:
        line, depth = stack.pop()
        if not items and line["kind"] == "item":
            continue
        out.append("  " * depth + line_text(line))
        stack += [(child, depth + 1) for child in reversed(line["children"])]


def ranking_text(scores: list[dict]) -> str:
    """排名: per group (unit class, or all units), best first; units with invalid results are listed apart."""
    ranked = [s for s in scores if s.get("rank") is not None]
    out = ["排名："]
    for group in dict.fromkeys(str(s.get("group")) for s in ranked):
        members = sorted((s for s in ranked if str(s.get("group")) == group), key=lambda s: s["rank"])
        out.append(f"  {group}")
        out += [f"    第 {s['rank']} 名  {s['unit']}  {R.show(s['total'])}" + (f"  {s['grade']}" if s.get("grade") else "")
                for s in members]
    invalid = [s["unit"] for s in scores if s.get("rank") is None]
    if invalid:
        out.append("  结果有问题、未排名：" + "、".join(invalid))
    return "\n".join(out)
