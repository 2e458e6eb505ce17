"""Text → AST. Builds the LALR parser once per process (cached on disk by grammar hash),
turns lark's trees into attrs nodes without recursion, and phrases syntax errors for people.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from decimal import Decimal
from pathlib import Path

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kaoping.grammar import grammar_text

from . import ast as A
from .diagnostics import Diagnostic, Related, error
from .source import Source, Span

_FULLWIDTH = str.maketrans("０１２３４５６７８９．－–", "0123456789.--")
_PARSER: Lark | None = None


def _cache_file(text: str) -> str | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "kaoping"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return str(folder / f"scheme-grammar-{digest}.lark-cache")


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


def number(tok: Token) -> Decimal:
    return Decimal(str(tok).translate(_FULLWIDTH))


def _span(meta) -> Span:
    if getattr(meta, "empty", True):
        return Span(0, 0, 0, 0)
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def tok_span(tok: Token) -> Span:
    return Span(tok.line, tok.column, tok.end_line, tok.end_column)


def _string(tok: Token) -> str:
    body = str(tok)[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _is(tok, kind: str) -> bool:
    return isinstance(tok, Token) and tok.type == kind


class _Marker(tuple):
    """A tagged tuple passed between transformer callbacks; never reaches the AST."""

    def __new__(cls, tag, *items):
        obj = super().__new__(cls, items)
        obj.tag = tag
        return obj


def _split(children, *kinds):
    """Sort children into lists by type; strings come back from STRING tokens."""
    out = {k: [] for k in kinds}
    for c in children:
        for k in kinds:
            if (k == "STRING" and _is(c, "STRING")) or (isinstance(k, type) and isinstance(c, k)):
                out[k].append(c)
                break
    return out


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


@v_args(inline=True, meta=True)
class ToAst(Transformer_NonRecursive):
    """lark tree → attrs AST (iterative, so deeply nested input cannot exhaust the stack)."""

    def __default__(self, data, children, meta):
        name = str(data)
        if name in _ATTR_FLAGS:
            return A.Attr(_ATTR_FLAGS[name], True, _span(meta))
        if name in _ATTR_POINTS:
            return A.Attr(_ATTR_POINTS[name], children[0], _span(meta))
        if name in _ATTR_STRINGS:
            return A.Attr(_ATTR_STRINGS[name], tuple(_string(t) for t in children), _span(meta))
        if name in _ATTR_STRING:
            return A.Attr(_ATTR_STRING[name], _string(children[0]), _span(meta))
        if name in _ATTR_EXPR:
            return A.Attr(_ATTR_EXPR[name], children[0], _span(meta))
        if name.startswith("m_") and name[2:] in _METHOD_HEADS:
            return _Marker("head", name[2:], None)
        if name in _CLAUSE_FLAGS:
            return A.Clause(_CLAUSE_FLAGS[name], True, _span(meta))
        if name in _CLAUSE_AMOUNT:
            return A.Clause(_CLAUSE_AMOUNT[name], children[0], _span(meta))
        raise AssertionError(f"grammar rule without a transformer: {name}")  # pragma: no cover

    def __default_token__(self, token):
        return token

    # ---- scheme and meta
    def start(self, meta, scheme):
        return scheme

    def kind_scheme(self, meta):
        return _Marker("kind", "scheme")

    def kind_template(self, meta):
        return _Marker("kind", "template")

    def scheme(self, meta, kind, title, *rest):
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
        return A.Scheme(kind[0], _string(title), year, inherit, inherit_span, tuple(metas), tuple(body), _span(meta))

    def year(self, meta, num):
        return _Marker("year", int(number(num)))

    def inherit(self, meta, s):
        return _Marker("inherit", _string(s), tok_span(s))

    def meta_docno(self, meta, s):
        return A.Meta("docno", _string(s), _span(meta))

    def meta_basis(self, meta, *ss):
        return A.Meta("basis", tuple(_string(s) for s in ss), _span(meta))

    def meta_issuer(self, meta, s):
        return A.Meta("issuer", _string(s), _span(meta))

    def meta_subject(self, meta, *ss):
        return A.Meta("subject", tuple(_string(s) for s in ss), _span(meta))

    def meta_remark(self, meta, s):
        return A.Meta("remark", _string(s), _span(meta))

    def meta_precision(self, meta, p):
        return A.Meta("precision", p, _span(meta))

    def meta_assume(self, meta, s):
        return A.Meta("assume", _string(s), _span(meta))

    def meta_rescale(self, meta):
        return A.Meta("rescale", "hundred", _span(meta))

    # ---- names, numbers
    def name(self, meta, tok):
        text = str(tok)
        if tok.type == "QNAME":
            text = text[1:-1]
        return A.Name(text, tok_span(tok))

    def item_id(self, meta, tok):
        return A.Name(str(tok).translate(_FULLWIDTH), tok_span(tok))

    def signed(self, meta, *toks):
        value = number(toks[-1])
        return -value if len(toks) == 2 else value

    def points(self, meta, value):
        return value

    def amount(self, meta, num, *pct):
        value = number(num)
        return A.Num(value / 100 if pct else value, bool(pct), _span(meta))

    def signed_amount(self, meta, *toks):
        neg = _is(toks[0], "MINUS")
        toks = toks[1:] if neg else toks
        value = number(toks[0])
        if len(toks) == 2:
            value /= 100
        return A.Num(-value if neg else value, len(toks) == 2, _span(meta))

    # ---- tree
    def category(self, meta, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        attrs_ = tuple(r for r in rest if isinstance(r, A.Attr))
        children = tuple(r for r in rest if isinstance(r, (A.Category, A.Indicator, A.Item)))
        close = Span(meta.end_line, meta.end_column - 1, meta.end_line, meta.end_column)
        return A.Category(name, label, attrs_, children, _span(meta), close)

    def indicator(self, meta, ident, *rest):
        text = next((_string(r) for r in rest if _is(r, "STRING")), None)
        attrs_ = tuple(r for r in rest if isinstance(r, A.Attr))
        block = next((r for r in rest if isinstance(r, _Marker) and r.tag == "block"), None)
        return A.Indicator(ident.text, text, attrs_, tuple(block) if block is not None else None, _span(meta),
                           ident.span)

    def block(self, meta, *items):
        return _Marker("block", *items)

    def item(self, meta, ident, *rest):
        text = next((_string(r) for r in rest if _is(r, "STRING")), None)
        attrs_ = tuple(r for r in rest if isinstance(r, A.Attr))
        return A.Item(str(ident).translate(_FULLWIDTH), text, attrs_, _span(meta), tok_span(ident))

    # ---- attributes
    def attr_declare(self, meta, *counts):
        return A.Attr("declare", A.Counts(tuple(counts)), _span(meta))

    def count_level1(self, meta, num):
        return ("level1", int(number(num)), _span(meta))

    def count_level2(self, meta, num):
        return ("level2", int(number(num)), _span(meta))

    def count_items(self, meta, num):
        return ("items", int(number(num)), _span(meta))

    def attr_method(self, meta, ref):
        return A.Attr("method", ref, _span(meta))

    def inline_method(self, meta, method):
        return method

    def attr_deadline(self, meta, d):
        return A.Attr("deadline", d, _span(meta))

    def deadline(self, meta, tok):
        if tok.type == "STRING":
            return A.Deadline(_string(tok), True)
        return A.Deadline(str(tok).translate(_FULLWIDTH), False)

    def attr_exception(self, meta, rule, reason):
        return A.Attr("exception", A.ExceptionNote(rule, _string(reason)), _span(meta))

    def attr_range(self, meta, low, high):
        return A.Attr("range", (low, high), _span(meta))

    def attr_not_applicable(self, meta, policy):
        return A.Attr("not_applicable", policy, _span(meta))

    def na_zero(self, meta, num):
        return ("zero", number(num))

    def na_rescale(self, meta):
        return ("rescale", None)

    def na_full(self, meta):
        return ("full", None)

    def attr_inputs(self, meta, *fields):
        return A.Attr("fields", tuple(fields), _span(meta))

    def input_field(self, meta, name, kind=None):
        return A.InputField(name, kind)

    def kind_count(self, meta):
        return "count"

    def kind_ratio(self, meta):
        return "ratio"

    def kind_tier(self, meta):
        return "tier"

    def kind_rank(self, meta):
        return "rank"

    def kind_points(self, meta):
        return "points"

    def kind_bool(self, meta):
        return "bool"

    def attr_level(self, meta, level):
        return A.Attr("level", level, _span(meta))

    def level_error(self, meta):
        return "error"

    def level_warning(self, meta):
        return "warning"

    def level_note(self, meta):
        return "note"

    def attr_precision(self, meta, p):
        return A.Attr("precision", p, _span(meta))

    def precision(self, meta, places, mode="half_up"):
        return A.Precision(int(number(places)), mode)

    def round_half_up(self, meta):
        return "half_up"

    def round_down(self, meta):
        return "down"

    def round_up(self, meta):
        return "up"

    # ---- inputs, groups, formulas
    def input_decl(self, meta, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        return A.InputDecl(name, label, tuple(r for r in rest if isinstance(r, A.Attr)), _span(meta))

    def bonus_kind(self, meta):
        return _Marker("group", "bonus")

    def deduct_kind(self, meta):
        return _Marker("group", "deduct")

    def group_decl(self, meta, kind, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        entries = next((tuple(r) for r in rest if isinstance(r, _Marker) and r.tag == "entries"), ())
        return A.GroupDecl(kind[0], name, label, tuple(r for r in rest if isinstance(r, A.Attr)), entries,
                           _span(meta))

    def group_entries(self, meta, *entries):
        return _Marker("entries", *entries)

    def group_entry(self, meta, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        return A.GroupEntry(name, label, tuple(r for r in rest if isinstance(r, A.Attr)), _span(meta))

    def formula(self, meta, name, *rest):
        label = None
        if rest and _is(rest[0], "STRING"):
            label, rest = _string(rest[0]), rest[1:]
        return A.Formula(name, label, rest[0], tuple(rest[1:]), _span(meta))

    # ---- methods
    def method_def(self, meta, name, method):
        return A.MethodDef(name, method, _span(meta))

    def method(self, meta, head, *rest):
        table = next((tuple(r) for r in rest if isinstance(r, _Marker) and r.tag == "table"), ())
        clauses = tuple(r for r in rest if isinstance(r, A.Clause))
        return A.Method(head[0], head[1], table, clauses, _span(meta))

    def method_clauses(self, meta, *clauses):
        return A.Method("clauses", None, (), tuple(clauses), _span(meta))

    def m_ranges(self, meta, sense="higher_better"):
        return _Marker("head", "ranges", sense)

    def higher_better(self, meta):
        return "higher_better"

    def lower_better(self, meta):
        return "lower_better"

    def m_not_below(self, meta, amount):
        return _Marker("head", "not_below", amount)

    def m_not_above(self, meta, amount):
        return _Marker("head", "not_above", amount)

    def m_base(self, meta, name):
        return _Marker("head", "based_on", name)

    def table(self, meta, *rows):
        return _Marker("table", *rows)

    def row_name(self, meta, name, value):
        return A.Row("name", name.text, *value, _span(meta))

    def row_name_count(self, meta, name, num, unit, value):
        return A.Row("name_count", (name.text, int(number(num)), unit), *value, _span(meta))

    def row_number(self, meta, num, value):
        return A.Row("number", number(num), *value, _span(meta))

    def row_count(self, meta, num, unit, value):
        return A.Row("count", (int(number(num)), unit, False), *value, _span(meta))

    def row_count_or_more(self, meta, num, unit, value):
        return A.Row("count", (int(number(num)), unit, True), *value, _span(meta))

    def row_interval(self, meta, interval, value):
        return A.Row("interval", interval, *value, _span(meta))

    def row_rest(self, meta, value):
        return A.Row("rest", None, *value, _span(meta))

    def interval(self, meta, low_b, low, high, high_b):
        return A.Interval(low, high, low_b == "closed", high_b == "closed")

    def closed_bound(self, meta):
        return "closed"

    def open_bound(self, meta):
        return "open"

    def val_amount(self, meta, amount):
        return ("amount", amount)

    def val_deduct(self, meta, amount):
        return ("deduct", amount)

    def val_add(self, meta, amount):
        return ("add", amount)

    def val_zero(self, meta):
        return ("zero", None)

    def val_full(self, meta):
        return ("full", None)

    def unit(self, meta, tok):
        return str(tok)

    def c_standard(self, meta, expr):
        return A.Clause("standard", expr, _span(meta))

    def c_value(self, meta, expr):
        return A.Clause("value", expr, _span(meta))

    def c_gate(self, meta, cond):
        return A.Clause("gate", cond, _span(meta))

    def c_assume(self, meta, s):
        return A.Clause("assume", _string(s), _span(meta))

    def c_promote(self, meta, num):
        return A.Clause("promote", int(number(num)), _span(meta))

    def c_keep(self, meta, num):
        return A.Clause("keep", int(number(num)), _span(meta))

    def c_direction(self, meta, direction):
        return A.Clause("direction", direction, _span(meta))

    def dir_not_below(self, meta):
        return "not_below"

    def dir_not_above(self, meta):
        return "not_above"

    def c_quota(self, meta, first, unit=None):
        if isinstance(first, _Marker):
            return A.Clause("quota", (tuple(first), unit), _span(meta))
        return A.Clause("quota", (number(first), unit), _span(meta))

    def c_step(self, meta, step):
        return A.Clause("step", step, _span(meta))

    def c_after(self, meta, step):
        return A.Clause("after", step, _span(meta))

    def c_short(self, meta, step):
        return A.Clause("short", step, _span(meta))

    def step(self, meta, *parts):
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
        return A.Step(direction, size, percent, unit, effect, amount, table, _span(meta))

    def dir_lower(self, meta):
        return _Marker("dir", "lower")

    def dir_higher(self, meta):
        return _Marker("dir", "higher")

    def dir_fewer(self, meta):
        return _Marker("dir", "fewer")

    def dir_more(self, meta):
        return _Marker("dir", "more")

    def step_deduct(self, meta, amount):
        return _Marker("effect", "deduct", amount)

    def step_add(self, meta, amount):
        return _Marker("effect", "add", amount)

    def step_table(self, meta, *rows):
        return _Marker("step_table", *rows)

    def step_row(self, meta, name, effect):
        return (name.text, effect[0], effect[1])

    # ---- classes, rules, cases, ranking
    def unit_class(self, meta, name, *rest):
        label = next((_string(r) for r in rest if _is(r, "STRING")), None)
        attrs_ = tuple(r for r in rest if isinstance(r, A.Attr))
        stmts = tuple(r for r in rest if isinstance(r, (A.Formula, A.Override)))
        return A.UnitClass(name, label, attrs_, stmts, _span(meta))

    def class_override(self, meta, ident, expr):
        return A.Override(ident.text, expr, _span(meta))

    def rule(self, meta, name, body, *attrs_):
        form, scope, premise, conclusion = body
        return A.Rule(name, form, scope, premise, conclusion, tuple(attrs_), _span(meta))

    def rule_assert(self, meta, cond):
        return _Marker("rule", "assert", (), None, cond)

    def rule_implies(self, meta, premise, conclusion):
        return _Marker("rule", "implies", (), premise, conclusion)

    def rule_each(self, meta, *parts):
        scope = tuple(p for p in parts if isinstance(p, A.Name))
        conds = [p for p in parts if not isinstance(p, A.Name)]
        premise = conds[0] if len(conds) == 2 else None
        return _Marker("rule", "each", scope, premise, conds[-1])

    def invariant(self, meta, name, *conds):
        premise = conds[0] if len(conds) == 2 else None
        return A.Invariant(name, premise, conds[-1], _span(meta))

    def case(self, meta, title, *rest):
        population = None
        if rest and _is(rest[0], "STRING"):
            population, rest = _string(rest[0]), rest[1:]
        inputs = tuple(e for r in rest if isinstance(r, _Marker) and r.tag == "inputs" for e in r)
        expects = tuple(r for r in rest if isinstance(r, A.Expect))
        return A.Case(_string(title), population, inputs, expects, _span(meta))

    def case_inputs(self, meta, *entries):
        return _Marker("inputs", *entries)

    def case_expect(self, meta, *parts):
        unit = _string(parts[0]) if len(parts) == 2 else None
        return A.Expect(unit, parts[-1], _span(meta))

    def case_entry(self, meta, target, value):
        return A.CaseEntry(target[0], target[1], value[0], value[1], _span(meta))

    def target_name(self, meta, name):
        return ("name", name.text)

    def target_indicator(self, meta, ident):
        return ("indicator", ident.text)

    def target_id(self, meta, tok):
        return ("indicator", str(tok).translate(_FULLWIDTH))

    def target_all(self, meta, scope):
        if isinstance(scope, A.Name):
            return ("all_in", scope.text)
        return (scope, "")

    def all_level1(self, meta):
        return "all_level1"

    def all_level2(self, meta):
        return "all_level2"

    def all_items(self, meta):
        return "all_items"

    def cv_amount(self, meta, num):
        return ("amount", num)

    def cv_name(self, meta, name):
        return ("name", name.text)

    def cv_yes(self, meta):
        return ("yes", True)

    def cv_no(self, meta):
        return ("no", False)

    def cv_list(self, meta, *nums):
        return ("list", tuple(nums))

    def ranking(self, meta, *parts):
        by_class = any(isinstance(p, _Marker) and p.tag == "by_class" for p in parts)
        ascending = any(isinstance(p, _Marker) and p.tag == "ascending" for p in parts)
        basis = next(p for p in parts if isinstance(p, A.Name))
        ties = next((_string(p) for p in parts if _is(p, "STRING")), None)
        return A.Ranking(by_class, basis, ascending, ties, _span(meta))

    def by_class(self, meta):
        return _Marker("by_class")

    def ascending(self, meta):
        return _Marker("ascending")

    def grades(self, meta, *parts):
        return A.Grades(tuple(p for p in parts if isinstance(p, A.Grade)),
                        tuple(p for p in parts if isinstance(p, A.Quota)), _span(meta))

    def grade(self, meta, name, cmp=None, amount=None):
        return A.Grade(name, str(cmp) if cmp is not None else None, amount, _span(meta))

    def quota(self, meta, grade, cmp, amount, by_class=None):
        return A.Quota(grade, _cmp(cmp), amount, by_class is not None, _span(meta))

    def veto(self, meta, name, cond, effect):
        return A.Veto(name, cond, effect[0], effect[1], _span(meta))

    def veto_cap(self, meta, grade):
        return ("cap", grade)

    def veto_exclude(self, meta, grade):
        return ("exclude", grade)

    def gate_stmt(self, meta, cond):
        return A.Gate(cond, _span(meta))

    def exempt(self, meta, name, cond):
        return A.Exempt(name, cond, _span(meta))

    def population(self, meta, name, *units):
        return A.Population(_string(name), tuple(units), _span(meta))

    def pop_unit(self, meta, name, *rest):
        cls = next((r for r in rest if isinstance(r, A.Name)), None)
        return A.PopUnit(_string(name), cls, tuple(r for r in rest if isinstance(r, A.CaseEntry)), _span(meta))

    def unit_block(self, meta, name, *rest):
        cls = next((r for r in rest if isinstance(r, A.Name)), None)
        children = tuple(r for r in rest if isinstance(r, (A.Category, A.Indicator, A.Item)))
        return A.UnitBlock(_string(name), cls, children, _span(meta))

    # ---- expressions
    def num(self, meta, tok):
        return A.Num(number(tok), False, _span(meta))

    def pct(self, meta, tok, _pct):
        return A.Num(number(tok) / 100, True, _span(meta))

    def ref(self, meta, name):
        return A.Ref(name.text, _span(meta))

    def attr_ref(self, meta, name, _dot, attr):
        return A.AttrRef(name.text, attr.text, _span(meta))

    def call(self, meta, name, *args):
        return A.Call(name.text, tuple(args), _span(meta))

    def item_ref(self, meta, ident):
        return A.ItemRef(ident.text, _span(meta))

    def external(self, meta, s):
        return A.External(_string(s), _span(meta))

    def binop(self, meta, left, op, right):
        return A.BinOp(_OPS[op.type], left, right, _span(meta))

    def neg(self, meta, _minus, operand):
        return A.Neg(operand, _span(meta))

    def compare(self, meta, left, op, right):
        return A.Compare(_cmp(op), left, right, _span(meta))

    def equals(self, meta, left, right):
        return A.Compare("=", left, right, _span(meta))

    def has(self, meta, name):
        return A.Has(name.text, _span(meta))

    def contains(self, meta, subject, *needles):
        return A.Contains(subject, tuple(_string(n) for n in needles), False, _span(meta))

    def not_contains(self, meta, subject, *needles):
        return A.Contains(subject, tuple(_string(n) for n in needles), True, _span(meta))

    def any_of(self, meta, *items):
        return A.BoolOp("any", tuple(items), _span(meta))

    def or_(self, meta, left, right):
        return A.BoolOp("or", (left, right), _span(meta))

    def and_(self, meta, left, right):
        return A.BoolOp("and", (left, right), _span(meta))

    def not_(self, meta, item):
        return A.Not(item, _span(meta))


_OPS = {"PLUS": "+", "MINUS": "-", "TIMES": "*", "DIVIDE": "/"}
_CMP = {"≥": ">=", "≤": "<=", "≠": "!=", "＞": ">", "＜": "<"}


def _cmp(tok) -> str:
    return _CMP.get(str(tok), str(tok))


def parse(source: Source) -> tuple[A.Scheme | None, list[Diagnostic]]:
    """Parse one source; on a syntax error return (None, [diagnostic])."""
    from .syntax_errors import describe  # local: only needed on failure

    parser = get_parser()
    was_enabled = gc.isenabled()
    gc.disable()  # the cyclic collector rescans the growing tree: parsing turns quadratic without this
    try:
        tree = parser.parse(source.text)
        scheme = ToAst().transform(tree)
    except UnexpectedInput as err:
        return None, [describe(err, source)]
    finally:
        if was_enabled:
            gc.enable()
    return scheme, []
