"""The 得分说明 and the JSON of a unit the fast path scored (fastrun.py), the same text as
explain.explain_text and json.dumps(explain.unit_json(…)) give for the runtime's breakdown.

A unit scored fast holds records, not lines: each record is shared by every unit whose node read the
same thing, and holds the runtime's line for it. A record's text and JSON are made once, when it is
first written, by explain.py's own functions; a unit's output is those texts joined.
"""

from __future__ import annotations

import json

from kaoping.dsl.source import visible

from .explain import head_lines, line_text, node_json, tree_lines, unit_head_json

_TEXT, _JSON = 2, 3  # the record's slots for its text and its JSON (fastrun.Lines)


def _positions(shape: tuple, items: bool) -> tuple[int, ...]:
    """The positions of the tree's nodes that are printed: without --items, no item nor what is under it."""
    key = (id(shape), items)
    done = _POSITIONS.get(key)
    if done is None:
        out, skip_until = [], -1
        sizes = _sizes(shape)
        for i, (_depth, kind, _kids) in enumerate(shape):
            if i < skip_until:
                continue
            if not items and kind == "item":
                skip_until = i + sizes[i]
                continue
            out.append(i)
        done = _POSITIONS[key] = (shape, tuple(out))  # the shape is kept alive with its key
    return done[1]


_POSITIONS: dict = {}


def _sizes(shape: tuple) -> list[int]:
    """How many nodes each node's subtree holds (itself included)."""
    sizes = [1] * len(shape)
    for i in reversed(range(len(shape))):
        sizes[i] += sum(sizes[k] for k in shape[i][2])
    return sizes


def _node_text(record, depth: int) -> str:
    text = record[_TEXT]
    if text is None:
        text = record[_TEXT] = visible("  " * depth + line_text(record[1]))
    return text


def _subtree_text(record, items: bool) -> str:
    """An input's or a group's lines (a group's entries under it): they hold their children."""
    text = record[_TEXT]
    if text is None:
        out: list[str] = []
        tree_lines([record[1]], 1, items, out)
        text = record[_TEXT] = visible("\n".join(out), newline=True)
    return text


def fast_text(score: dict, items: bool = True) -> str:
    """explain_text(score, items) made safe to print (dsl.source.visible), each record's text escaped
    once, when it is first written."""
    _total, _formulas, records, inputs, groups, shape = score["fast"]
    positions = _positions(shape, items)
    texts = [records[i][_TEXT] for i in positions]
    if None in texts:  # a record written for the first time
        texts = [_node_text(records[i], shape[i][0]) for i in positions]
    texts += [_subtree_text(r, items) for r in inputs + groups]
    return "\n".join([visible("\n".join(head_lines(score)), newline=True)] + texts)


def _leaf_json(record) -> str:
    text = record[_JSON]
    if text is None:
        text = record[_JSON] = json.dumps(node_json(record[1]), ensure_ascii=False)
    return text


def _open_json(record) -> str:
    """A sum's JSON up to its children's list: `{… "children": [`."""
    text = record[_JSON]
    if text is None:
        text = record[_JSON] = json.dumps(node_json(dict(record[1], children=[])), ensure_ascii=False)[:-2]
    return text


def _closers(shape: tuple) -> tuple[str, ...]:
    """What follows each node's JSON in the breakdown, in order: ", " before a sibling, "]}" closing
    each sum it ends, nothing before its own first child."""
    done = _CLOSERS.get(id(shape))
    if done is None:
        after = [""] * len(shape)
        roots = [i for i, (depth, _kind, _kids) in enumerate(shape) if depth == 1]

        def close(kids, tail):  # the last of `kids` ends with `tail`; the others are followed by ", "
            for i, k in enumerate(kids):
                end = tail if i == len(kids) - 1 else ", "
                grand = shape[k][2]
                if grand:
                    close(grand, "]}" + end)
                else:
                    after[k] = end

        close(roots, "")
        done = _CLOSERS[id(shape)] = (shape, tuple(after))
    return done[1]


_CLOSERS: dict = {}


def fast_json(score: dict) -> str:
    _total, _formulas, records, inputs, groups, shape = score["fast"]
    parts = []
    for record, (_depth, _kind, kids), after in zip(records, shape, _closers(shape)):
        text = record[_JSON]
        parts.append(text if text is not None else _open_json(record) if kids else _leaf_json(record))
        parts.append(after)
    head = json.dumps(unit_head_json(score), ensure_ascii=False)[:-1]
    return (head + ', "breakdown": [' + "".join(parts)
            + '], "inputs": [' + ", ".join([_leaf_json(r) for r in inputs])
            + '], "groups": [' + ", ".join([_leaf_json(r) for r in groups]) + "]}")
