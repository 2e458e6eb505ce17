"""Text → AST, fast, with lark's grammar and lark's LALR tables.

The grammar (grammar/scheme.lark) is compiled by lark once and cached on disk by grammar hash.
Parsing runs a small LALR driver over lark's own parse table and a contextual lexer built the way
lark builds its own (same terminals per parser state, same order, same keyword retyping), and calls
the AST builder at every reduction: no lark trees, no tree transformer, no recursion. Any input the
driver does not accept is parsed again by lark itself, so syntax errors are lark's (phrased for
people by syntax_errors.py), and an input lark accepts can never be refused. ``parse_with_lark`` is
the reference path: the tests check that both give the same AST, spans included.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import lark
from lark import Lark, Token, Transformer_NonRecursive
from lark.exceptions import UnexpectedInput

from kaoping.grammar import grammar_text

from . import ast as A
from .diagnostics import Diagnostic
from .source import Source, Span

_FULLWIDTH = str.maketrans("０１２３４５６７８９．－–", "0123456789.--")
_PARSER: Lark | None = None
_TABLES: "_Tables | None" = None
_TABLES_FORMAT = 4  # bump when the layout of the pickled driver tables changes


def _cache_folder() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "kaoping"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _cache_file(text: str) -> str | None:
    folder = _cache_folder()
    return None if folder is None else str(folder / f"scheme-grammar-{_digest(text)}.lark-cache")


def get_parser() -> Lark:
    """The LALR parser, built once per process; the tables are cached in the user's cache folder."""
    global _PARSER
    if _PARSER is None:
        text = grammar_text()
        options = dict(parser="lalr", lexer="contextual", strict=True, propagate_positions=True,
                       maybe_placeholders=False)
        cache = _cache_file(text)
        _PARSER = Lark(text, cache=cache, **options) if cache else Lark(text, **options)
    return _PARSER


_SHARED: dict = {}  # short texts and numbers seen before: one object each (a large scheme repeats them)


def _shared(value):
    if len(_SHARED) > 100_000:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)


def number(tok: Token) -> Decimal:
    key = ("n", str(tok))
    value = _SHARED.get(key)
    if value is None:
        value = _SHARED[key] = Decimal(key[1].translate(_FULLWIDTH))
    return value


_NO_SPAN = Span(0, 0, 0, 0)


def _span(ext) -> Span:
    """A rule's extent (line, column, end_line, end_column) as a Span; (0, 0, 0, 0) when empty."""
    return _NO_SPAN if ext is None else Span(*ext)


def tok_span(tok: Token) -> Span:
    return Span(tok.line, tok.column, tok.end_line, tok.end_column)


_ESCAPE = re.compile(r"\\(.)")


def _string(tok: Token) -> str:
    body = str(tok)[1:-1]
    if "\\" not in body:
        return _shared(body) if len(body) <= 16 else body  # people, offices, deadlines repeat
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _is(tok, kind: str) -> bool:
    return isinstance(tok, Token) and tok.type == kind


class _Marker(tuple):
    """A tagged tuple passed between builder callbacks; never reaches the AST."""

    def __new__(cls, tag, *items):
        obj = super().__new__(cls, items)
        obj.tag = tag
        return obj


_ATTR_FLAGS = {
    "attr_locked": "locked", "attr_no_level2": "no_level2", "attr_not_summed": "not_summed",
    "attr_may_negative": "may_negative", "attr_may_exceed": "may_exceed", "attr_optional": "optional",
    "attr_shared": "shared",
}
_ATTR_POINTS = {"attr_full": "full", "attr_points": "points", "attr_weight": "weight", "attr_cap": "cap",
                "attr_counts_as": "counts_as", "attr_default": "default"}
_ATTR_STRINGS = {"attr_leader": "leader", "attr_owner": "owner", "attr_person": "person",
                 "attr_assessor": "assessor", "attr_basis": "basis"}
_ATTR_STRING = {"attr_remark": "remark", "attr_assume": "assume", "attr_printed_id": "printed_id",
                "attr_source": "source"}
_ATTR_EXPR = {"attr_applies": "applies", "attr_gate": "gate", "attr_missing": "missing", "attr_value": "value"}
_METHOD_HEADS = ["tiers", "ratio", "efficacy", "reverse_rank", "rank", "steps", "deviation", "highest", "panel",
                 "quota", "direct", "yes_no", "sum", "vs_best"]
_CLAUSE_FLAGS = {"c_until_zero": "until_zero", "c_whole_steps": "whole_steps", "c_mean": "mean",
                 "c_drop_extremes": "drop_extremes", "c_ascending": "ascending"}
_CLAUSE_AMOUNT = {"c_cap": "cap", "c_floor": "floor", "c_target": "target", "c_rest": "rest", "c_full": "full",
                  "c_at_most": "at_most", "c_at_most_add": "at_most_add", "c_at_most_deduct": "at_most_deduct"}


def _generic(name: str):
    """The builder of a rule that has no method of its own: the attributes and clauses built alike."""
    if name in _ATTR_FLAGS:
        key = _ATTR_FLAGS[name]
        return lambda ext, *children: A.Attr(key, True, _span(ext))
    if name in _ATTR_POINTS or name in _ATTR_EXPR:
        key = _ATTR_POINTS.get(name) or _ATTR_EXPR[name]
        return lambda ext, value, *children: A.Attr(key, value, _span(ext))
    if name in _ATTR_STRINGS:
        key = _ATTR_STRINGS[name]
        return lambda ext, *children: A.Attr(key, tuple(_string(t) for t in children), _span(ext))
    if name in _ATTR_STRING:
        key = _ATTR_STRING[name]
        return lambda ext, value, *children: A.Attr(key, _string(value), _span(ext))
    if name.startswith("m_") and name[2:] in _METHOD_HEADS:
        return lambda ext, *children: _Marker("head", name[2:], None)
    if name in _CLAUSE_FLAGS:
        key = _CLAUSE_FLAGS[name]
        return lambda ext, *children: A.Clause(key, True, _span(ext))
    if name in _CLAUSE_AMOUNT:
        key = _CLAUSE_AMOUNT[name]
        return lambda ext, value, *children: A.Clause(key, value, _span(ext))

    def missing(ext, *children):  # pragma: no cover - a grammar rule added without its builder
        raise AssertionError(f"grammar rule without a builder: {name}")
    return missing


class _Builder:
    """Builds the attrs AST, one grammar rule at a time.

    Every method takes ``ext``, the rule's source extent ``(line, column, end_line, end_column)`` as
    lark's ``propagate_positions`` computes it (None when the rule covers no token), then the rule's
    children as lark passes them (anonymous tokens filtered out, ``_rules`` inlined, a ``?rule`` with
    one child replaced by that child).
    """

    # ---- scheme and meta
    def start(self, ext, scheme):
        return scheme

    def kind_scheme(self, ext):
        return _Marker("kind", "scheme")

    def kind_template(self, ext):
        return _Marker("kind", "template")

    def scheme(self, ext, kind, title, *rest):
        year = inherit = inherit_span = None
        metas, body = [], []
        for r in rest:
            if isinstance(r, _Marker) and r.tag == "year":
                year = r[0]
            elif isinstance(r, _Marker) and r.tag == "inherit":
                inherit, inherit_span = r
            elif isinstance(r, A.Meta):
                metas.append(r)
            else:
                body.append(r)
        return A.Scheme(kind[0], _string(title), year, inherit, inherit_span, tuple(metas), tuple(body), _span(ext))

    def year(self, ext, num):
        return _Marker("year", int(number(num)))

    def inherit(self, ext, s):
        return _Marker("inherit", _string(s), tok_span(s))

    def meta_docno(self, ext, s):
        return A.Meta("docno", _string(s), _span(ext))

    def meta_basis(self, ext, *ss):
        return A.Meta("basis", tuple(_string(s) for s in ss), _span(ext))

    def meta_issuer(self, ext, s):
        return A.Meta("issuer", _string(s), _span(ext))

    def meta_subject(self, ext, *ss):
        return A.Meta("subject", tuple(_string(s) for s in ss), _span(ext))

    def meta_remark(self, ext, s):
        return A.Meta("remark", _string(s), _span(ext))

    def meta_precision(self, ext, p):
        return A.Meta("precision", p, _span(ext))

    def meta_assume(self, ext, s):
        return A.Meta("assume", _string(s), _span(ext))

    def meta_rescale(self, ext):
        return A.Meta("rescale", "hundred", _span(ext))

    # ---- names, numbers
    def name(self, ext, tok):
        text = str(tok)
        if tok.type == "QNAME":
            text = text[1:-1]
        return A.Name(text, tok_span(tok))

    decl_name = scope_name = name  # grammar rules of their own, for the lexer's sake (scheme.lark)

    def item_id(self, ext, tok):
        return A.Name(str(tok).translate(_FULLWIDTH), tok_span(tok))

    def signed(self, ext, *toks):
        value = number(toks[-1])
        return -value if len(toks) == 2 else value

    def points(self, ext, value):
        return value

    def amount(self, ext, num, *pct):
        value = number(num)
        return A.Num(value / 100 if pct else value, bool(pct), _span(ext))

    def signed_amount(self, ext, *toks):
        neg = _is(toks[0], "MINUS")
        toks = toks[1:] if neg else toks
        value = number(toks[0])
        if len(toks) == 2:
            value /= 100
        return A.Num(-value if neg else value, len(toks) == 2, _span(ext))

    # ---- tree
    def category(self, ext, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        attrs_ = tuple(r for r in rest if isinstance(r, A.Attr))
        children = tuple(r for r in rest if isinstance(r, (A.Category, A.Indicator, A.Item)))
        close = Span(ext[2], ext[3] - 1, ext[2], ext[3])
        return A.Category(name, label, attrs_, children, _span(ext), close)

    def indicator(self, ext, ident, *rest):  # 指标 ID STRING? attr* block?
        text = None
        if rest and rest[0].__class__ is Token:
            text, rest = _string(rest[0]), rest[1:]
        block = None
        if rest and rest[-1].__class__ is _Marker:
            block, rest = tuple(rest[-1]), rest[:-1]
        return A.Indicator(ident.text, text, rest, block, _span(ext), ident.span)

    def block(self, ext, *items):
        return _Marker("block", *items)

    def item(self, ext, ident, *rest):  # ID STRING? attr*
        text = None
        if rest and rest[0].__class__ is Token:
            text, rest = _string(rest[0]), rest[1:]
        return A.Item(str(ident).translate(_FULLWIDTH), text, rest, Span(*ext),
                      Span(ident.line, ident.column, ident.end_line, ident.end_column))

    # ---- attributes
    def attr_declare(self, ext, *counts):
        return A.Attr("declare", A.Counts(tuple(counts)), _span(ext))

    def count_level1(self, ext, num):
        return ("level1", int(number(num)), _span(ext))

    def count_level2(self, ext, num):
        return ("level2", int(number(num)), _span(ext))

    def count_items(self, ext, num):
        return ("items", int(number(num)), _span(ext))

    def attr_method(self, ext, ref):
        return A.Attr("method", ref, _span(ext))

    def inline_method(self, ext, method):
        return method

    def attr_deadline(self, ext, d):
        return A.Attr("deadline", d, _span(ext))

    def deadline(self, ext, tok):
        if tok.type == "STRING":
            return A.Deadline(_string(tok), True)
        return A.Deadline(_shared(str(tok).translate(_FULLWIDTH)), False)

    def attr_exception(self, ext, rule, reason):
        return A.Attr("exception", A.ExceptionNote(rule, _string(reason)), _span(ext))

    def attr_range(self, ext, low, high):
        return A.Attr("range", (low, high), _span(ext))

    def attr_not_applicable(self, ext, policy):
        return A.Attr("not_applicable", policy, _span(ext))

    def na_zero(self, ext, num):
        return ("zero", number(num))

    def na_rescale(self, ext):
        return ("rescale", None)

    def na_full(self, ext):
        return ("full", None)

    def attr_inputs(self, ext, *fields):
        return A.Attr("fields", tuple(fields), _span(ext))

    def input_field(self, ext, name, kind=None):
        return A.InputField(name, kind)

    def kind_count(self, ext):
        return "count"

    def kind_ratio(self, ext):
        return "ratio"

    def kind_tier(self, ext):
        return "tier"

    def kind_rank(self, ext):
        return "rank"

    def kind_points(self, ext):
        return "points"

    def kind_bool(self, ext):
        return "bool"

    def attr_level(self, ext, level):
        return A.Attr("level", level, _span(ext))

    def level_error(self, ext):
        return "error"

    def level_warning(self, ext):
        return "warning"

    def level_note(self, ext):
        return "note"

    def attr_precision(self, ext, p):
        return A.Attr("precision", p, _span(ext))

    def precision(self, ext, places, mode="half_up"):
        return A.Precision(int(number(places)), mode)

    def round_half_up(self, ext):
        return "half_up"

    def round_down(self, ext):
        return "down"

    def round_up(self, ext):
        return "up"

    # ---- inputs, groups, formulas
    def input_decl(self, ext, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        return A.InputDecl(name, label, tuple(r for r in rest if isinstance(r, A.Attr)), _span(ext))

    def bonus_kind(self, ext):
        return _Marker("group", "bonus")

    def deduct_kind(self, ext):
        return _Marker("group", "deduct")

    def group_decl(self, ext, kind, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        entries = next((tuple(r) for r in rest if isinstance(r, _Marker) and r.tag == "entries"), ())
        return A.GroupDecl(kind[0], name, label, tuple(r for r in rest if isinstance(r, A.Attr)), entries,
                           _span(ext))

    def group_entries(self, ext, *entries):
        return _Marker("entries", *entries)

    def group_entry(self, ext, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        return A.GroupEntry(name, label, tuple(r for r in rest if isinstance(r, A.Attr)), _span(ext))

    def formula(self, ext, name, *rest):
        label = None
        if rest and _is(rest[0], "STRING"):
            label, rest = _string(rest[0]), rest[1:]
        return A.Formula(name, label, rest[0], tuple(rest[1:]), _span(ext))

    # ---- methods
    def method_def(self, ext, name, method):
        return A.MethodDef(name, method, _span(ext))

    def method(self, ext, head, *rest):
        table = next((tuple(r) for r in rest if isinstance(r, _Marker) and r.tag == "table"), ())
        clauses = tuple(r for r in rest if isinstance(r, A.Clause))
        return A.Method(head[0], head[1], table, clauses, _span(ext))

    def method_clauses(self, ext, *clauses):
        return A.Method("clauses", None, (), tuple(clauses), _span(ext))

    def m_ranges(self, ext, sense="higher_better"):
        return _Marker("head", "ranges", sense)

    def higher_better(self, ext):
        return "higher_better"

    def lower_better(self, ext):
        return "lower_better"

    def m_not_below(self, ext, amount):
        return _Marker("head", "not_below", amount)

    def m_not_above(self, ext, amount):
        return _Marker("head", "not_above", amount)

    def m_base(self, ext, name):
        return _Marker("head", "based_on", name)

    def table(self, ext, *rows):
        return _Marker("table", *rows)

    def row_name(self, ext, name, value):
        return A.Row("name", name.text, *value, _span(ext))

    def row_name_count(self, ext, name, num, unit, value):
        return A.Row("name_count", (name.text, int(number(num)), unit), *value, _span(ext))

    def row_number(self, ext, num, value):
        return A.Row("number", number(num), *value, _span(ext))

    def row_count(self, ext, num, unit, value):
        return A.Row("count", (int(number(num)), unit, False), *value, _span(ext))

    def row_count_or_more(self, ext, num, unit, value):
        return A.Row("count", (int(number(num)), unit, True), *value, _span(ext))

    def row_interval(self, ext, interval, value):
        return A.Row("interval", interval, *value, _span(ext))

    def row_rest(self, ext, value):
        return A.Row("rest", None, *value, _span(ext))

    def interval(self, ext, low_b, low, high, high_b):
        return A.Interval(low, high, low_b == "closed", high_b == "closed")

    def closed_bound(self, ext):
        return "closed"

    def open_bound(self, ext):
        return "open"

    def val_amount(self, ext, amount):
        return ("amount", amount)

    def val_deduct(self, ext, amount):
        return ("deduct", amount)

    def val_add(self, ext, amount):
        return ("add", amount)

    def val_zero(self, ext):
        return ("zero", None)

    def val_full(self, ext):
        return ("full", None)

    def val_step(self, ext, step):
        return ("step", step)

    def unit(self, ext, tok):
        return str(tok)

    def c_standard(self, ext, expr):
        return A.Clause("standard", expr, _span(ext))

    def c_value(self, ext, expr):
        return A.Clause("value", expr, _span(ext))

    def c_gate(self, ext, cond):
        return A.Clause("gate", cond, _span(ext))

    def c_assume(self, ext, s):
        return A.Clause("assume", _string(s), _span(ext))

    def c_promote(self, ext, num):
        return A.Clause("promote", int(number(num)), _span(ext))

    def c_keep(self, ext, num):
        return A.Clause("keep", int(number(num)), _span(ext))

    def c_direction(self, ext, direction):
        return A.Clause("direction", direction, _span(ext))

    def dir_not_below(self, ext):
        return "not_below"

    def dir_not_above(self, ext):
        return "not_above"

    def c_quota(self, ext, first, unit=None):
        if isinstance(first, _Marker):
            return A.Clause("quota", (tuple(first), unit), _span(ext))
        return A.Clause("quota", (number(first), unit), _span(ext))

    def c_step(self, ext, step):
        return A.Clause("step", step, _span(ext))

    def c_after(self, ext, step):
        return A.Clause("after", step, _span(ext))

    def c_short(self, ext, step):
        return A.Clause("short", step, _span(ext))

    def step(self, ext, *parts):
        direction = size = unit = effect = amount = None
        percent = False
        table = ()
        for p in parts:
            if isinstance(p, _Marker) and p.tag == "dir":
                direction = p[0]
            elif _is(p, "NUMBER"):
                size = number(p)
            elif _is(p, "PERCENT"):
                percent = True
            elif isinstance(p, str) and not isinstance(p, Token):
                unit = p
            elif isinstance(p, _Marker) and p.tag == "effect":
                effect, amount = p
            elif isinstance(p, _Marker) and p.tag == "step_table":
                table = tuple(p)
        return A.Step(direction, size, percent, unit, effect, amount, table, _span(ext))

    def dir_lower(self, ext):
        return _Marker("dir", "lower")

    def dir_higher(self, ext):
        return _Marker("dir", "higher")

    def dir_fewer(self, ext):
        return _Marker("dir", "fewer")

    def dir_more(self, ext):
        return _Marker("dir", "more")

    def step_deduct(self, ext, amount):
        return _Marker("effect", "deduct", amount)

    def step_add(self, ext, amount):
        return _Marker("effect", "add", amount)

    def step_table(self, ext, *rows):
        return _Marker("step_table", *rows)

    def step_row(self, ext, name, effect):
        return (name.text, effect[0], effect[1])

    # ---- classes, rules, cases, ranking
    def unit_class(self, ext, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        attrs_ = tuple(r for r in rest if isinstance(r, A.Attr))
        stmts = tuple(r for r in rest if isinstance(r, (A.Formula, A.Override)))
        return A.UnitClass(name, label, attrs_, stmts, _span(ext))

    def class_override(self, ext, ident, expr):
        return A.Override(ident.text, expr, _span(ext))

    def rule(self, ext, name, body, *attrs_):
        form, scope, premise, conclusion = body
        return A.Rule(name, form, scope, premise, conclusion, tuple(attrs_), _span(ext))

    def rule_assert(self, ext, cond):
        return _Marker("rule", "assert", (), None, cond)

    def rule_implies(self, ext, premise, conclusion):
        return _Marker("rule", "implies", (), premise, conclusion)

    def rule_each(self, ext, *parts):
        scope = tuple(p for p in parts if isinstance(p, A.Name))
        conds = [p for p in parts if not isinstance(p, A.Name)]
        premise = conds[0] if len(conds) == 2 else None
        return _Marker("rule", "each", scope, premise, conds[-1])

    def invariant(self, ext, name, *conds):
        premise = conds[0] if len(conds) == 2 else None
        return A.Invariant(name, premise, conds[-1], _span(ext))

    def case(self, ext, title, *rest):
        population = None
        if rest and _is(rest[0], "STRING"):
            population, rest = _string(rest[0]), rest[1:]
        inputs = tuple(e for r in rest if isinstance(r, _Marker) and r.tag == "inputs" for e in r)
        expects = tuple(r for r in rest if isinstance(r, A.Expect))
        return A.Case(_string(title), population, inputs, expects, _span(ext))

    def case_inputs(self, ext, *entries):
        return _Marker("inputs", *entries)

    def case_expect(self, ext, *parts):
        unit = _string(parts[0]) if len(parts) == 2 else None
        return A.Expect(unit, parts[-1], _span(ext))

    def case_expect_veto(self, ext, *parts):
        unit = _string(parts[0]) if len(parts) == 2 else None
        return A.Expect(unit, None, _span(ext), parts[-1].text)

    def case_entry(self, ext, target, value):
        return A.CaseEntry(target[0], target[1], value[0], value[1], _span(ext))

    def target_name(self, ext, name):
        return ("name", name.text)

    def target_indicator(self, ext, ident):
        return ("indicator", ident.text)

    def target_id(self, ext, tok):
        return ("indicator", str(tok).translate(_FULLWIDTH))

    def target_all(self, ext, scope):
        if isinstance(scope, A.Name):
            return ("all_in", scope.text)
        return (scope, "")

    def all_level1(self, ext):
        return "all_level1"

    def all_level2(self, ext):
        return "all_level2"

    def all_items(self, ext):
        return "all_items"

    def cv_amount(self, ext, num):
        return ("amount", num)

    def cv_name(self, ext, name):
        return ("name", name.text)

    def cv_yes(self, ext):
        return ("yes", True)

    def cv_no(self, ext):
        return ("no", False)

    def cv_list(self, ext, *nums):
        return ("list", tuple(nums))

    def ranking(self, ext, *parts):
        by_class = any(isinstance(p, _Marker) and p.tag == "by_class" for p in parts)
        ascending = any(isinstance(p, _Marker) and p.tag == "ascending" for p in parts)
        basis = next(p for p in parts if isinstance(p, A.Name))
        ties = next((_string(p) for p in parts if _is(p, "STRING")), None)
        return A.Ranking(by_class, basis, ascending, ties, _span(ext))

    def by_class(self, ext):
        return _Marker("by_class")

    def ascending(self, ext):
        return _Marker("ascending")

    def grades(self, ext, *parts):
        return A.Grades(tuple(p for p in parts if isinstance(p, A.Grade)),
                        tuple(p for p in parts if isinstance(p, A.Quota)), _span(ext))

    def grade(self, ext, name, cmp=None, amount=None):
        return A.Grade(name, str(cmp) if cmp is not None else None, amount, _span(ext))

    def quota(self, ext, grade, cmp, amount, by_class=None):
        return A.Quota(grade, _cmp(cmp), amount, by_class is not None, _span(ext))

    def veto(self, ext, name, cond, effect):
        return A.Veto(name, cond, effect[0], effect[1], _span(ext))

    def veto_cap(self, ext, grade):
        return ("cap", grade)

    def veto_exclude(self, ext, grade):
        return ("exclude", grade)

    def gate_stmt(self, ext, cond):
        return A.Gate(cond, _span(ext))

    def exempt(self, ext, name, cond):
        return A.Exempt(name, cond, _span(ext))

    def population(self, ext, name, *units):
        return A.Population(_string(name), tuple(units), _span(ext))

    def pop_unit(self, ext, name, *rest):
        cls = next((r for r in rest if isinstance(r, A.Name)), None)
        return A.PopUnit(_string(name), cls, tuple(r for r in rest if isinstance(r, A.CaseEntry)), _span(ext))

    def unit_block(self, ext, name, *rest):
        cls = next((r for r in rest if isinstance(r, A.Name)), None)
        children = tuple(r for r in rest if isinstance(r, (A.Category, A.Indicator, A.Item)))
        return A.UnitBlock(_string(name), cls, children, _span(ext))

    # ---- expressions
    def num(self, ext, tok):
        return A.Num(number(tok), False, _span(ext))

    def pct(self, ext, tok, _pct):
        return A.Num(number(tok) / 100, True, _span(ext))

    def ref(self, ext, name):
        return A.Ref(name.text, _span(ext))

    def attr_ref(self, ext, name, _dot, attr):
        return A.AttrRef(name.text, attr.text, _span(ext))

    def call(self, ext, name, *args):
        return A.Call(name.text, tuple(args), _span(ext))

    def item_ref(self, ext, ident):
        return A.ItemRef(ident.text, _span(ext))

    def external(self, ext, s):
        return A.External(_string(s), _span(ext))

    def binop(self, ext, left, op, right):
        return A.BinOp(_OPS[op.type], left, right, _span(ext))

    def neg(self, ext, _minus, operand):
        return A.Neg(operand, _span(ext))

    def compare(self, ext, left, op, right):
        return A.Compare(_cmp(op), left, right, _span(ext))

    def equals(self, ext, left, right):
        return A.Compare("=", left, right, _span(ext))

    def has(self, ext, name):
        return A.Has(name.text, _span(ext))

    def contains(self, ext, subject, *needles):
        return A.Contains(subject, tuple(_string(n) for n in needles), False, _span(ext))

    def not_contains(self, ext, subject, *needles):
        return A.Contains(subject, tuple(_string(n) for n in needles), True, _span(ext))

    def any_of(self, ext, *items):
        return A.BoolOp("any", tuple(items), _span(ext))

    def or_(self, ext, left, right):
        return A.BoolOp("or", (left, right), _span(ext))

    def and_(self, ext, left, right):
        return A.BoolOp("and", (left, right), _span(ext))

    def not_(self, ext, item):
        return A.Not(item, _span(ext))


_OPS = {"PLUS": "+", "MINUS": "-", "TIMES": "*", "DIVIDE": "/"}
_CMP = {"≥": ">=", "≤": "<=", "≠": "!=", "＞": ">", "＜": "<", "＞＝": ">=", "＜＝": "<="}


def _cmp(tok) -> str:
    return _CMP.get(str(tok), str(tok))


_BUILDER = _Builder()
_CALLBACKS: dict = {}


def _callback(name: str):
    """The builder for a rule (or alias) name."""
    fn = _CALLBACKS.get(name)
    if fn is None:
        fn = _CALLBACKS[name] = getattr(_BUILDER, name, None) or _generic(name)
    return fn


class ToAst(Transformer_NonRecursive):
    """lark tree → attrs AST with the same builder (the reference path; iterative, so deep input is safe)."""

    def __init__(self):
        super().__init__(visit_tokens=False)

    def __default__(self, data, children, meta):
        ext = None if meta.empty else (meta.line, meta.column, meta.end_line, meta.end_column)
        return _callback(str(data))(ext, *children)


def parse_with_lark(text: str) -> A.Scheme:
    """The reference path: lark's own parser and trees, then the builder. Raises lark's UnexpectedInput."""
    return ToAst().transform(get_parser().parse(text))


# ---------------------------------------------------------------------------------------------
# The fast path: lark's LALR table and lexer rules, driven without trees.

_INLINE, _EXPAND1, _NODE, _UNSUPPORTED = 0, 1, 2, 3


def _build_tables(lk: Lark) -> dict:
    """Plain, picklable tables derived from a built lark parser (nothing here is lark-specific at run time)."""
    from lark.lexer import PatternRE, PatternStr
    from lark.parsers.lalr_analysis import Shift

    table = lk.parser.parser.parser.parse_table
    flags = lk.lexer_conf.g_regex_flags
    rule_index: dict = {}
    rules: list = []
    actions = {}
    for state, row in table.states.items():
        out = {}
        for sym, (action, arg) in row.items():
            sym = sys.intern(str(sym))  # lark's names may be Tokens, whose __eq__ slows every lookup
            if action is Shift:
                out[sym] = arg
            else:
                if arg not in rule_index:
                    rule_index[arg] = len(rules)
                    rules.append(arg)
                out[sym] = ~rule_index[arg]
        actions[state] = out

    # Children of each rule as lark's parse-tree builder passes them (maybe_placeholders=False, LALR).
    plans, kept = [], set()
    for rule in rules:
        opts = rule.options
        incl = []
        for j, sym in enumerate(rule.expansion):
            if opts.keep_all_tokens or not (sym.is_term and sym.filter_out):
                incl.append((j, (not sym.is_term) and sym.name.startswith("_")))
                if sym.is_term:
                    kept.add(sys.intern(str(sym.name)))
        if rule.origin.name.startswith("_"):
            kind = _UNSUPPORTED if opts.expand1 else _INLINE
        elif opts.expand1 and not rule.alias:
            kind = _EXPAND1
        else:
            kind = _NODE
        name = rule.alias or opts.template_source or rule.origin.name
        plans.append((len(rule.expansion), tuple(incl), kind, str(name), sys.intern(str(rule.origin.name))))

    # One lexer per set of acceptable terminals, built as lark's ContextualLexer builds it: the same
    # order (priority, width, length of the pattern, name) and the same retyping of keywords that
    # a regex terminal (NAME, UNIT) matches in full.
    terms = {t.name: t for t in lk.terminals}
    ignore = list(lk.lexer_conf.ignore)
    specs, spec_of, state_spec = [], {}, {}
    for state, row in table.states.items():
        key = frozenset(n for n in row if n in terms and n not in ignore)
        if key not in spec_of:
            ts = [terms[n] for n in key] + [terms[n] for n in ignore]
            ts.sort(key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
            embedded, retype = set(), {}
            for re_t in (t for t in ts if isinstance(t.pattern, PatternRE)):
                unless = {}
                for str_t in (t for t in ts if isinstance(t.pattern, PatternStr)):
                    if str_t.priority != re_t.priority:
                        continue
                    s = str_t.pattern.value
                    m = re.match(re_t.pattern.to_regexp(), s, flags)
                    if m and m.group(0) == s:
                        unless[str(s)] = sys.intern(str(str_t.name))
                        if str_t.pattern.flags <= re_t.pattern.flags:
                            embedded.add(str_t.name)
                if unless:
                    retype[str(re_t.name)] = unless
            ts = [t for t in ts if t.name not in embedded and t.name not in ignore]
            # (name, regex, first character): a string terminal can only match where the text holds its
            # first character, so each lexer is split by the character at the token's start.
            alts = tuple((str(t.name), t.pattern.to_regexp(),
                          t.pattern.value[0] if isinstance(t.pattern, PatternStr) and not t.pattern.flags else None)
                         for t in ts)
            spec_of[key] = len(specs)
            specs.append((alts, retype))
        state_spec[state] = spec_of[key]
    skip = "(?:" + "|".join(terms[n].pattern.to_regexp() for n in ignore) + ")*"
    # Characters that begin whitespace or a comment (every ignored terminal matches one such character alone).
    skip_re = re.compile(skip, flags)
    skip_chars = "".join(c for c in map(chr, range(0x10000)) if skip_re.match(c).end())
    return dict(format=_TABLES_FORMAT, lark=lark.__version__, actions=actions, rules=plans, kept=frozenset(kept),
                start=table.start_states["start"], end=table.end_states["start"], specs=specs,
                state_spec=state_spec, skip=skip, skip_chars=skip_chars, flags=flags)


class _StateLexer:
    """The lexer of one set of acceptable terminals, compiled per first character on demand."""

    __slots__ = ("alts", "retype", "by_char", "flags")

    def __init__(self, alts, retype, flags):
        self.alts, self.retype, self.flags = alts, retype, flags
        self.by_char: dict = {}

    def for_char(self, c: str):
        names = tuple(name for name, _rx, first in self.alts if first is None or first == c)
        match = _COMPILED.get(names)
        if match is None:
            pattern = "|".join(f"(?P<{name}>{rx})" for name, rx, first in self.alts if name in names) or "(?!)"
            match = _COMPILED[names] = re.compile(pattern, self.flags).match
        self.by_char[c] = match
        return match


_COMPILED: dict = {}  # tuple of terminal names → compiled alternation, shared by all state lexers


class _Tables:
    def __init__(self, data: dict):
        self.actions = data["actions"]
        self.rules = [(size, incl, _fast_kind(size, incl, kind), _callback(name) if kind >= _EXPAND1 else None,
                       origin, kind) for size, incl, kind, name, origin in data["rules"]]
        self.kept = data["kept"]
        self.start, self.end = data["start"], data["end"]
        self.specs = data["specs"]
        self.state_spec = data["state_spec"]
        self.flags = data["flags"]
        self.skip = re.compile(data["skip"], self.flags).match
        self.skip_chars = frozenset(data["skip_chars"])
        self.by_spec: dict = {}
        # States reached by shifting a keyword, where every lookahead reduces the keyword's `_k_…` rule:
        # the driver reduces at the shift (the next token is still lexed in the shifted state).
        self.fused = {}
        for state, row in self.actions.items():
            acts = set(row.values())
            if len(acts) == 1:
                a = acts.pop()
                if a < 0 and self.rules[~a][2] == _K_EMPTY:
                    self.fused[state] = self.rules[~a][4]
        self.lexers: dict = {}  # state → _StateLexer, made on first use

    def lexer_for(self, state) -> _StateLexer:
        index = self.state_spec[state]
        lx = self.by_spec.get(index)
        if lx is None:
            alts, retype = self.specs[index]
            lx = self.by_spec[index] = _StateLexer(alts, retype, self.flags)
        self.lexers[state] = lx
        return lx


# How a reduction is carried out (derived from the rule's plan; see parse_fast).
_K_RELABEL = 10  # one child that passes through unchanged (`?a: b`): only the state changes
_K_EMPTY = 11    # an inlined rule of one filtered token (every keyword `_k_…`): value ()
_K_APPEND = 12   # `__x_star: __x_star x`: append to the list built so far
_K_WRAP = 13     # `__x_star: x`: a list of one
_K_NODE1 = 14    # a node of one kept child
_K_KW_NODE = 15  # a node of a keyword (inlined) and one kept child: `attr_weight: _k_weight points`
_K_KW_LIST = 16  # a node of a keyword and a list: `attr_owner: _k_owner STRING+`


def _fast_kind(size, incl, kind):
    if kind == _EXPAND1 and size == 1 and incl == ((0, False),):
        return _K_RELABEL
    if kind == _INLINE:
        if size == 1 and incl == ():
            return _K_EMPTY
        if size == 1 and incl == ((0, False),):
            return _K_WRAP
        if size == 2 and incl == ((0, True), (1, False)):
            return _K_APPEND
    if kind == _NODE:
        if size == 1 and incl == ((0, False),):
            return _K_NODE1
        if size == 2 and incl == ((0, True), (1, False)):
            return _K_KW_NODE
        if size == 2 and incl == ((0, True), (1, True)):
            return _K_KW_LIST
    return kind


def _tables_file(text: str) -> Path | None:
    folder = _cache_folder()
    if folder is None:
        return None
    tag = f"d{_TABLES_FORMAT}-lark{lark.__version__}-py{sys.version_info[0]}{sys.version_info[1]}"
    return folder / f"scheme-grammar-{_digest(text)}.{tag}.pickle"


def _tables() -> _Tables:
    """The driver's tables: read from the cache folder, else derived from lark's parser and cached."""
    global _TABLES
    if _TABLES is None:
        path = _tables_file(grammar_text())
        data = None
        if path is not None and path.exists():
            try:
                data = pickle.loads(path.read_bytes())
                if data.get("format") != _TABLES_FORMAT or data.get("lark") != lark.__version__:
                    data = None
            except Exception:  # a truncated or foreign file: rebuild it
                data = None
        if data is None:
            data = _build_tables(get_parser())
            if path is not None:
                try:
                    with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as f:
                        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
                    os.replace(f.name, path)
                except OSError:
                    pass
        _TABLES = _Tables(data)
    return _TABLES


_new_token = getattr(Token, "_future_new", Token)  # lark's constructor without its keyword-argument shim


class _Refused(Exception):
    """The fast path met something it does not handle (usually a syntax error): lark decides."""


def parse_fast(text: str) -> A.Scheme:
    """Parse with the table-driven path; raises _Refused instead of reporting errors.

    Mirrors lark's LALR parser state by state: a token is lexed in the state left by the last
    shift, reductions build what lark's tree builder and propagate_positions would give the
    transformer, the extent of a rule runs from its first to its last token (tokens filtered
    out of the tree included).
    """
    t = _tables()
    actions, rules, kept, end_state = t.actions, t.rules, t.kept, t.end
    lexers, lexer_for, skip, skip_chars = t.lexers, t.lexer_for, t.skip, t.skip_chars
    new_token = _new_token
    states, values, exts = [t.start], [], []
    lex_state, fused = t.start, t.fused
    pos, n, line, line_start = 0, len(text), 1, 0
    count, rfind = text.count, text.rfind
    while True:
        # ---- the next token, lexed in the state left by the last shift (as lark does)
        if pos < n:
            c = text[pos]
            if c in skip_chars or c > "\uffff":
                if c == " " and pos + 1 < n and text[pos + 1] not in skip_chars:
                    pos += 1  # one space between tokens: the common case, without a regex
                else:
                    e = skip(text, pos).end()
                    k = count("\n", pos, e)
                    if k:
                        line += k
                        line_start = rfind("\n", pos, e) + 1
                    pos = e
        state = lex_state
        if pos >= n:
            typ, tok, ext = "$END", None, None
        else:
            lx = lexers.get(state) or lexer_for(state)
            c = text[pos]
            m = (lx.by_char.get(c) or lx.for_char(c))(text, pos)
            if m is None:
                raise _Refused
            typ = m.lastgroup
            e = m.end()
            value = text[pos:e]
            if typ in lx.retype:
                typ = lx.retype[typ].get(value, typ)
            col = pos - line_start + 1
            ext = (line, col, line, col + e - pos)
            tok = new_token(typ, value, pos, line, col, line, col + e - pos, e) if typ in kept else None
            pos = e
        # ---- reduce as long as the table says so, then shift the token
        row = actions[states[-1]]
        while True:
            a = row.get(typ)
            if a is None:
                raise _Refused
            if a >= 0:
                lex_state = a
                values.append(tok)
                exts.append(ext)
                reduce_now = fused.get(a)
                if reduce_now is None:
                    states.append(a)
                else:  # `_k_…` after its keyword, whatever follows: reduce it now, lex the next token in `a`
                    goto = actions[states[-1]].get(reduce_now)
                    if goto is None:
                        raise _Refused
                    values[-1] = ()
                    states.append(goto)
                break
            size, incl, kind, fn, origin, base = rules[~a]
            if kind == _K_EMPTY:
                values[-1] = ()
            elif kind == _K_APPEND and values[-2].__class__ is list:
                item = values.pop()
                values[-1].append(item)
                states.pop()
                x = exts.pop()
                if x is not None:
                    first = exts[-1]
                    exts[-1] = x if first is None else (first[0], first[1], x[2], x[3])
            elif kind == _K_NODE1:
                values[-1] = fn(exts[-1], values[-1])
            elif (kind == _K_KW_NODE or kind == _K_KW_LIST) and values[-2].__class__ in (tuple, list):
                value = values.pop()
                keyword = values[-1]
                states.pop()
                x = exts.pop()
                first = exts[-1]
                if first is None:
                    first = x
                elif x is not None:
                    first = (first[0], first[1], x[2], x[3])
                if kind == _K_KW_NODE:
                    values[-1] = fn(first, *keyword, value) if keyword else fn(first, value)
                else:
                    values[-1] = fn(first, *keyword, *value)
                exts[-1] = first
            elif kind == _K_WRAP:
                values[-1] = [values[-1]]
            elif kind != _K_RELABEL:
                if size:
                    vals = values[-size:]
                    xs = exts[-size:]
                    del states[-size:], values[-size:], exts[-size:]
                    x = None
                    for first in xs:
                        if first is not None:
                            for last in reversed(xs):
                                if last is not None:
                                    break
                            x = first if first is last else (first[0], first[1], last[2], last[3])
                            break
                else:
                    vals, x = (), None
                children = []
                for j, expand in incl:
                    if expand:
                        v = vals[j]
                        if v:
                            if children:
                                children += v
                            else:
                                children = v  # reuse the list: left-recursive repetition stays linear
                    else:
                        children.append(vals[j])
                if base == _INLINE:
                    value = children
                elif base == _EXPAND1 and len(children) == 1:
                    value = children[0]
                    if value.__class__ is Token:  # lark positions a passed-through token by itself
                        x = (value.line, value.column, value.end_line, value.end_column)
                elif base == _UNSUPPORTED:
                    raise _Refused
                else:
                    value = fn(x, *children)
                states.append(0)
                values.append(value)
                exts.append(x)
            goto = states[-2]
            goto = actions[goto].get(origin)
            if goto is None or goto < 0:
                raise _Refused
            states[-1] = goto
            if goto == end_state and typ == "$END":
                return values[-1]
            row = actions[goto]


def parse(source: Source) -> tuple[A.Scheme | None, list[Diagnostic]]:
    """Parse one source; on a syntax error return (None, [diagnostic])."""
    was_enabled = gc.isenabled()
    gc.disable()  # the cyclic collector rescans the growing AST: parsing turns quadratic without this
    try:
        try:
            return parse_fast(source.text), []
        except Exception:  # _Refused, or any slip of the fast path: lark's own parse is the reference
            pass
        try:
            return parse_with_lark(source.text), []
        except UnexpectedInput as err:
            from .syntax_errors import describe  # local: only needed on failure

            return None, [describe(err, source)]
    finally:
        if was_enabled:
            gc.enable()
