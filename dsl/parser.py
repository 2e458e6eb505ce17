"""Text → AST, fast, with lark's grammar and lark's LALR tables.

The grammar (grammar/scheme.lark) is compiled by lark once; lark's parser and the driver's tables
are cached as JSON in the user's cache folder, by grammar hash (see _read_cache: never trusted).
Parsing runs a small LALR driver over lark's own parse table and a contextual lexer built the way
lark builds its own (same terminals per parser state, same order, same keyword retyping), and calls
the AST builder at every reduction: no lark trees, no tree transformer, no recursion. Any input the
driver does not accept is parsed again by lark itself, so syntax errors are lark's (phrased for
people by syntax_errors.py), and an input lark accepts can never be refused. ``parse_with_lark`` is
the reference path: the tests check that both give the same AST, spans included.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from decimal import Decimal
from importlib.util import find_spec
from operator import itemgetter
from pathlib import Path

from kaoping.grammar import grammar_text

try:  # CPython's own SHA-256: hashlib would load OpenSSL, 10 ms of a fresh process, for the same digest
    from _sha2 import sha256 as _sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256 as _sha256  # Python 3.11
    except ImportError:
        from hashlib import sha256 as _sha256

from . import ast as A
from .diagnostics import Diagnostic
from .names import GRADE
from .source import Source, Span, cache_folder, prune_cache, read_private, touch

# lark is imported only where it is needed (building the tables, the reference path, syntax errors):
# checking a scheme with the tables cached never imports it.

_FULLWIDTH = str.maketrans("０１２３４５６７８９．－–", "0123456789.--")
_PARSER = None  # lark.Lark, built or loaded once per process
_TABLES: "_Tables | None" = None
_TABLES_FORMAT = 8  # bump when the layout of the cached driver tables changes
_LARK_FORMAT = 1  # bump when the options of the lark parser or the layout of its cache change
_CACHE_LIMIT = 32 << 20  # a cache file larger than this is not read
_CACHE_KEEP = 8  # grammar caches kept, the most recently used (two files a grammar, kaoping, lark and Python)
_OPTIONS = dict(parser="lalr", lexer="contextual", strict=True, propagate_positions=True, maybe_placeholders=False)


def _digest(text: str) -> str:
    return _sha256(text.encode("utf-8")).hexdigest()[:16]


_VERSION = re.compile(r"""^__version__\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.M)


def _lark_version() -> str:
    """lark's version, read from its package without importing it (a cache made by another lark is not used)."""
    try:
        spec = find_spec("lark")
        origin = spec.origin if spec else None
        if origin:
            data = _head_of(origin)
            m = _VERSION.search(data)
            if m:
                return m.group(1)
            return f"m{os.stat(origin).st_mtime_ns}"
    except (OSError, ValueError, ImportError):
        pass
    import lark

    return lark.__version__


def _head_of(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read(1 << 16)


def _cache_tag() -> str:
    return f"lark{_lark_version()}-py{sys.version_info[0]}{sys.version_info[1]}"


def _read_cache(path: Path | None) -> object | None:
    """A cache file's JSON payload, or None when it is missing, not ours, not a regular file, too large,
    damaged (its first line is the SHA-256 of the rest) or not JSON. Nothing in it can run code."""
    if path is None:
        return None
    data = read_private(path, _CACHE_LIMIT)
    if data is None:
        return None
    head, sep, payload = data.partition(b"\n")
    if not sep or _sha256(payload).hexdigest().encode() != head:
        return None
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    touch(path)
    return value


def _write_cache(path: Path | None, value) -> None:
    """Write a cache file whole (a new file renamed over the old one, so a FIFO or link there is replaced)."""
    if path is None:
        return
    import tempfile  # only when the cache is written

    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".tmp-", delete=False) as f:
            f.write(_sha256(payload).hexdigest().encode() + b"\n" + payload)
        os.replace(f.name, path)
    except OSError:
        try:
            os.unlink(f.name)
        except (OSError, UnboundLocalError, NameError):
            pass
    prune_cache(path.parent, "scheme-grammar-", _CACHE_KEEP)


def _lark_file(text: str) -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    return folder / f"scheme-grammar-{_digest(text)}.l{_LARK_FORMAT}-{_cache_tag()}.json"


def _lark_from_json(d):
    """A lark parser from the data lark's own `save` would pickle, read back from JSON."""
    from lark import Lark

    d["memo"] = {int(k): v for k, v in d["memo"].items()}
    table = d["data"]["parser"]["parser"]
    table["states"] = {int(k): v for k, v in table["states"].items()}
    return Lark.__new__(Lark)._load(d)


def get_parser():
    """The lark LALR parser, built once per process; cached as JSON in the user's cache folder."""
    global _PARSER
    if _PARSER is None:
        from lark import Lark
        from lark.grammar import Rule
        from lark.lexer import TerminalDef

        text = grammar_text()
        path = _lark_file(text)
        cached = _read_cache(path)
        parser = None
        if isinstance(cached, dict) and cached.get("grammar") == _digest(text):
            try:
                parser = _lark_from_json(cached["lark"])
            except Exception:  # a damaged or foreign cache: built anew below
                parser = None
        if parser is None:
            parser = Lark(text, **_OPTIONS)
            data, memo = parser.memo_serialize([TerminalDef, Rule])
            try:
                _write_cache(path, {"grammar": _digest(text), "lark": {"data": data, "memo": memo}})
            except (TypeError, ValueError):  # a lark whose tables are not plain data: not cached
                pass
        _PARSER = parser
    return _PARSER


_SHARED: dict = {}  # short texts and numbers seen before: one object each (a large scheme repeats them)
_DEADLINES: dict = {}  # deadline text as written → its (frozen) AST node


def _shared(value):
    if len(_SHARED) > 100_000:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)


class Tok(tuple):
    """A token as the builder sees it: (type, value, line, column, end_line, end_column).

    The fast path makes these directly; the reference path converts lark's tokens to them."""

    __slots__ = ()
    type = property(itemgetter(0))
    value = property(itemgetter(1))
    line = property(itemgetter(2))
    column = property(itemgetter(3))
    end_line = property(itemgetter(4))
    end_column = property(itemgetter(5))

    def __str__(self) -> str:
        return self[1]


def number(tok: Tok) -> Decimal:
    key = ("n", tok[1])
    value = _SHARED.get(key)
    if value is None:
        value = _SHARED[key] = Decimal(key[1].translate(_FULLWIDTH))
    return value


_NO_SPAN = Span(0, 0, 0, 0)


def _span(ext) -> Span:
    """A rule's extent (line, column, end_line, end_column) as a Span; (0, 0, 0, 0) when empty."""
    return _NO_SPAN if ext is None else Span(*ext)


def tok_span(tok: Tok) -> Span:
    return Span(tok[2], tok[3], tok[4], tok[5])


_ESCAPE = re.compile(r"\\(.)")


def _string(tok: Tok) -> str:
    body = tok[1][1:-1]
    if "\\" not in body:
        if len(body) > 16:
            return body
        if len(_SHARED) > 100_000:
            _SHARED.clear()
        return _SHARED.setdefault(body, body)  # people, offices, deadlines repeat
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _strings(toks) -> tuple:
    """The texts of STRING tokens; one shared tuple for one short text (责任 "办公室" on every item)."""
    if len(toks) == 1:
        texts = _SHARED.get(("s", toks[0][1]))  # the same token as written: its tuple, without unquoting again
        if texts is None:
            text = _string(toks[0])
            if len(text) > 16:
                return (text,)
            texts = _SHARED[("s", toks[0][1])] = _shared((text,))
        return texts
    return tuple(map(_string, toks))


def _is(tok, kind: str) -> bool:
    return tok.__class__ is Tok and tok[0] == kind


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
        return lambda ext, value, *children: A.Attr(key, value, Span(*ext))  # a keyword first: never empty
    if name in _ATTR_STRINGS:
        key = _ATTR_STRINGS[name]
        return lambda ext, *children: A.Attr(key, _strings(children), Span(*ext))
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
        text = tok[1]
        if tok[0] == "QNAME":
            text = text[1:-1]
        return A.Name(text, tok_span(tok))

    decl_name = scope_name = name  # grammar rules of their own, for the lexer's sake (scheme.lark)

    def item_id(self, ext, tok):
        return A.Name(tok[1].translate(_FULLWIDTH), tok_span(tok))

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
        if rest and rest[0].__class__ is Tok:
            text, rest = _string(rest[0]), rest[1:]
        block = None
        if rest and rest[-1].__class__ is _Marker:
            block, rest = tuple(rest[-1]), rest[:-1]
        return A.Indicator(ident.text, text, rest, block, _span(ext), ident.span)

    def block(self, ext, *items):
        return _Marker("block", *items)

    def item(self, ext, ident, *rest):  # ID STRING? attr*
        text = None
        if rest and rest[0].__class__ is Tok:
            text, rest = _string(rest[0]), rest[1:]
        return A.Item(ident[1].translate(_FULLWIDTH), text, rest, Span(*ext), Span(ident[2], ident[3], ident[4], ident[5]))

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
        if tok[0] == "STRING":
            return A.Deadline(_string(tok), True)
        value = _DEADLINES.get(tok[1])  # a scheme writes a handful of deadlines thousands of times: one node each
        if value is None:
            if len(_DEADLINES) > 10_000:
                _DEADLINES.clear()
            value = _DEADLINES[tok[1]] = A.Deadline(tok[1].translate(_FULLWIDTH), False)
        return value

    def attr_unit_items(self, ext, name=None):
        return A.Attr("unit_items", name, _span(ext))

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
        return tok[1]

    def c_standard(self, ext, expr):
        return A.Clause("standard", expr, _span(ext))

    def c_value(self, ext, expr):
        return A.Clause("value", expr, _span(ext))

    def c_gate(self, ext, cond):
        return A.Clause("gate", cond, _span(ext))

    def c_assume(self, ext, s):
        return A.Clause("assume", _string(s), _span(ext))

    def c_into(self, ext, name):
        return A.Clause("into", name, _span(ext))

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
            elif p.__class__ is str:
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

    def invariant(self, ext, name, *parts):
        exception = _string(parts[-1]) if _is(parts[-1], "STRING") else None
        conds = parts[:-1] if exception is not None else parts
        premise = conds[0] if len(conds) == 2 else None
        return A.Invariant(name, premise, conds[-1], _span(ext), exception)

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

    def case_entry(self, ext, target, value):
        return A.CaseEntry(target[0], target[1], value[0], value[1], _span(ext))

    def target_name(self, ext, name):
        return ("name", name.text)

    def target_indicator(self, ext, ident):
        return ("indicator", ident.text)

    def target_id(self, ext, tok):
        return ("indicator", tok[1].translate(_FULLWIDTH))

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

    def cv_map(self, ext, *entries):
        return ("map", tuple(entries))

    def map_entry(self, ext, key, value):
        return (key.text if isinstance(key, A.Name) else key, value)

    def map_key_string(self, ext, s):
        return _string(s)

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
        return A.Grade(name, _cmp(cmp) if cmp is not None else None, amount, _span(ext))

    def quota(self, ext, grade, cmp, amount, *rest):
        rounding = next((p for p in rest if p.__class__ is str), None)
        by_class = any(isinstance(p, _Marker) and p.tag == "by_class" for p in rest)
        return A.Quota(grade, _cmp(cmp), amount, by_class, _span(ext), rounding)

    def veto(self, ext, name, cond, effect):
        return A.Veto(name, cond, effect[0], effect[1], _span(ext))

    def veto_cap(self, ext, grade):
        return ("cap", grade)

    def veto_exclude(self, ext, grade):
        return ("exclude", grade)

    def decimals(self, ext, *parts):
        rows = tuple(p for p in parts if isinstance(p, A.DecimalRow))
        rounding = next((p for p in parts if p.__class__ is str), None)
        return A.Decimals(rows, rounding, _span(ext))

    def decimal_row(self, ext, cmp, amount, places, _wei=None):
        return A.DecimalRow(_cmp(cmp), amount, int(number(places)), _span(ext))

    def decimal_rest(self, ext, places, _wei=None):
        return A.DecimalRow(None, None, int(number(places)), _span(ext))

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

    def all_are(self, ext, scope, value):
        kind, name = ("all_in", scope.text) if isinstance(scope, A.Name) else (scope, "")
        return A.AllAre(kind, name, value.text, _span(ext))

    def grade_ref(self, ext, _word):
        return A.Ref(GRADE, _span(ext))

    def vetoed(self, ext, name):
        return A.Vetoed(name.text, _span(ext))

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


_TO_AST = None


def _to_ast():
    """lark tree → attrs AST with the same builder (the reference path; iterative, so deep input is safe)."""
    global _TO_AST
    if _TO_AST is None:
        from lark import Transformer_NonRecursive

        class ToAst(Transformer_NonRecursive):
            def __init__(self):
                super().__init__(visit_tokens=True)

            def __default__(self, data, children, meta):
                ext = None if meta.empty else (meta.line, meta.column, meta.end_line, meta.end_column)
                return _callback(str(data))(ext, *children)

            def __default_token__(self, token):
                return Tok((token.type, str(token), token.line, token.column, token.end_line, token.end_column))

        _TO_AST = ToAst
    return _TO_AST()


def parse_with_lark(text: str) -> A.Scheme:
    """The reference path: lark's own parser and trees, then the builder. Raises lark's UnexpectedInput."""
    return _to_ast().transform(get_parser().parse(text))


# ---------------------------------------------------------------------------------------------
# The fast path: lark's LALR table and lexer rules, driven without trees.

_INLINE, _EXPAND1, _NODE, _UNSUPPORTED = 0, 1, 2, 3


def _build_tables(lk) -> dict:
    """Plain tables (JSON data) derived from a built lark parser (nothing here is lark-specific at run time)."""
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
            # (name, regex, first characters): a terminal can only match where the text holds one of the
            # characters it can begin with, so each lexer is split by the character at the token's start.
            alts = tuple((str(t.name), t.pattern.to_regexp(), _first_chars(t.pattern.to_regexp(), flags))
                         for t in ts)
            spec_of[key] = len(specs)
            specs.append((alts, retype))
        state_spec[state] = spec_of[key]
    skip = "(?:" + "|".join(terms[n].pattern.to_regexp() for n in ignore) + ")*"
    # Characters that begin whitespace or a comment (every ignored terminal matches one such character alone).
    skip_re = re.compile(skip, flags)
    skip_chars = "".join(c for c in map(chr, range(0x10000)) if skip_re.match(c).end())
    # States reached by shifting a keyword, where every lookahead reduces the keyword's `_k_…` rule:
    # the driver reduces at the shift (the next token is still lexed in the shifted state).
    fused = []
    for state, row in actions.items():
        acts = set(row.values())
        if len(acts) == 1:
            a = acts.pop()
            size, incl, kind, _name, origin = plans[~a] if a < 0 else (0, (), None, None, None)
            if a < 0 and _fast_kind(size, incl, kind) == _K_EMPTY:
                fused.append((state, origin))
    _skip_relabels(actions, plans, table.end_states["start"])
    # Each row as one string of numbers "symbol,action,symbol,action…": quick to read as JSON, and
    # turned into a dict only when the driver first meets the state.
    syms = sorted({sym for row in actions.values() for sym in row})
    number_of = {sym: i for i, sym in enumerate(syms)}
    rows = [(state, ",".join(f"{number_of[sym]},{act}" for sym, act in row.items())) for state, row in actions.items()]
    return dict(format=_TABLES_FORMAT, syms=syms, actions=rows, rules=plans, kept=sorted(kept), fused=fused,
                start=table.start_states["start"], end=table.end_states["start"], specs=specs,
                state_spec=sorted(state_spec.items()), skip=skip, skip_chars=skip_chars, flags=flags)


def _first_chars(rx: str, flags: int) -> list | None:
    """The characters a match of `rx` can begin with, as sorted [low, high] code point ranges; None when
    that is not known for sure (a match may be empty, or begin with any character, or the pattern uses
    a form not read here). Read from the pattern's parse by Python's own regex parser, at table build
    time only. Never too few: a lexer tries a terminal wherever the text's character is in its ranges."""
    from re import _constants as c, _parser as sre  # type: ignore[attr-defined]

    repeats = {c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT}

    def seq(items) -> tuple[set, bool] | None:  # (first ranges, may the sequence match empty?)
        out: set = set()
        for op, av in items:
            got = one(op, av)
            if got is None:
                return None
            ranges, empty = got
            out |= ranges
            if not empty:
                return out, False
        return out, True

    def one(op, av) -> tuple[set, bool] | None:
        if op is c.LITERAL:
            return {(av, av)}, False
        if op is c.IN:
            ranges = set()
            for iop, iav in av:
                if iop is c.LITERAL:
                    ranges.add((iav, iav))
                elif iop is c.RANGE:
                    ranges.add(tuple(iav))
                else:  # NEGATE, CATEGORY (\d, \w …): not read here
                    return None
            return ranges, False
        if op is c.BRANCH:
            out, empty = set(), False
            for branch in av[1]:
                got = seq(branch)
                if got is None:
                    return None
                out |= got[0]
                empty = empty or got[1]
            return out, empty
        if op is c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            return None if add_flags or del_flags else seq(sub)
        if op is c.ATOMIC_GROUP:
            return seq(av)
        if op in repeats:
            low, _high, sub = av
            got = seq(sub)
            return None if got is None else (got[0], got[1] or low == 0)
        return None  # ANY, NOT_LITERAL, anchors, lookarounds, backreferences …

    try:
        parsed = sre.parse(rx, flags)
    except Exception:  # a pattern this parser does not read: no filter
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):  # (?i) for the whole pattern, or passed in
        return None
    got = seq(parsed)
    if got is None or got[1] or not got[0]:
        return None
    return [list(r) for r in sorted(got[0])]


def _skip_relabels(actions: dict, plans: list, end_state: int) -> None:
    """Gotos past the states that only relabel (`?node_attr: attr`, `?entry: item`).

    Such a state holds one completed item `X: Y .` of a rule that passes its one child through
    unchanged: whatever the lookahead, the driver would reduce it at once, which changes nothing but
    the state, to the goto of X from the same state below (the rule pops one symbol). So a goto to it
    is a goto to that state instead. Only gotos (on nonterminals) are rewritten: a shift decides the
    state the next token is lexed in, and stays as it is. An input the composed table takes is taken by
    the original one (the skipped reductions are the ones it would have made); any other is refused and
    parsed by lark, as before."""
    nonterminals = {origin for *_rest, origin in plans}
    relabel = {}  # state → the origin of the only rule it reduces
    for state, row in actions.items():
        acts = set(row.values())
        if len(acts) == 1 and state != end_state:
            a = next(iter(acts))
            if a < 0:
                size, incl, kind, _name, origin = plans[~a]
                if _fast_kind(size, incl, kind) == _K_RELABEL:
                    relabel[state] = origin

    def target(row: dict, goto: int) -> int:
        for _ in range(len(relabel) + 1):  # a chain of relabels; a cycle (not LR) is left as it is
            origin = relabel.get(goto)
            if origin is None or row.get(origin, -1) < 0:
                return goto
            goto = row[origin]
        return goto

    for row in actions.values():
        for sym, act in row.items():
            if sym in nonterminals and act >= 0 and act in relabel:
                row[sym] = target(row, act)


class _StateLexer:
    """The lexer of one set of acceptable terminals, compiled per first character on demand."""

    __slots__ = ("alts", "retype", "by_char", "flags")

    def __init__(self, alts, retype, flags):
        self.alts, self.retype, self.flags = alts, retype, flags
        self.by_char: dict = {}

    def for_char(self, c: str):
        o = ord(c)
        names = tuple(name for name, _rx, first in self.alts
                      if first is None or any(low <= o <= high for low, high in first))
        match = _COMPILED.get(names)
        if match is None:
            pattern = "|".join(f"(?P<{name}>{rx})" for name, rx, first in self.alts if name in names) or "(?!)"
            match = _COMPILED[names] = re.compile(pattern, self.flags).match
        self.by_char[c] = match
        return match


_COMPILED: dict = {}  # tuple of terminal names → compiled alternation, shared by all state lexers


class _Tables:
    """The driver's tables from their plain form (_build_tables, or the same read back from JSON).

    Raises (KeyError, TypeError, ValueError …) on data of another shape: a damaged cache is rebuilt."""

    def __init__(self, data: dict):
        intern = sys.intern
        syms = [intern(str(x)) for x in data["syms"]]
        raw = {int(state): str(flat) for state, flat in data["actions"]}
        self.raw, self.syms = raw, syms
        self.rows: dict = {}  # state → {symbol: action}: a plain dict (quicker to index than a subclass)
        self.rules = []
        for size, incl, kind, name, origin in data["rules"]:
            size, kind, incl = int(size), int(kind), tuple((int(j), bool(x)) for j, x in incl)
            self.rules.append((size, incl, _fast_kind(size, incl, kind),
                               _callback(str(name)) if kind >= _EXPAND1 else None, intern(origin), kind))
        self.kept = frozenset(intern(k) for k in data["kept"])
        self.fused = {int(state): intern(origin) for state, origin in data["fused"]}
        self.start, self.end = int(data["start"]), int(data["end"])
        self.raw_specs = data["specs"]
        self.state_spec = {int(state): int(i) for state, i in data["state_spec"]}
        self.flags = int(data["flags"])
        self.skip = re.compile(data["skip"], self.flags).match
        self.skip_chars = frozenset(data["skip_chars"])
        self.by_spec: dict = {}
        self.lexers: dict = {}  # state → _StateLexer, made on first use
        if self.start not in raw or self.end not in raw:
            raise ValueError("no start state")

    def row(self, state: int) -> dict:
        """state → {symbol: action}, each row made from its flat form the first time the driver needs it."""
        row = self.rows.get(state)
        if row is None:
            text = self.raw[state]
            flat = [int(x) for x in text.split(",")] if text else []
            syms = self.syms
            if len(flat) % 2 or min(flat[::2], default=0) < 0:
                raise ValueError("a damaged row")
            row = self.rows[state] = dict(zip([syms[i] for i in flat[::2]], flat[1::2]))
        return row

    @property
    def actions(self) -> dict:
        """Every row (the driver reads only the rows it meets)."""
        for state in self.raw:
            self.row(state)
        return self.rows

    def lexer_for(self, state) -> _StateLexer:
        index = self.state_spec[state]
        lx = self.by_spec.get(index)
        if lx is None:
            alts, retype = self.raw_specs[index]
            alts = tuple((sys.intern(str(n)), str(rx), None if first is None else tuple((int(lo), int(hi)) for lo, hi in first))
                         for n, rx, first in alts)
            retype = {sys.intern(str(k)): {str(w): sys.intern(str(t)) for w, t in v.items()} for k, v in retype.items()}
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
    folder = cache_folder()
    if folder is None:
        return None
    return folder / f"scheme-grammar-{_digest(text)}.d{_TABLES_FORMAT}-{_cache_tag()}.json"


def _tables() -> _Tables:
    """The driver's tables: read from the cache folder, else derived from lark's parser and cached.

    The cache is plain JSON checked by its SHA-256, read only from a regular file of the current
    user; anything else there is ignored and replaced."""
    global _TABLES
    if _TABLES is None:
        text = grammar_text()
        path = _tables_file(text)
        data = _read_cache(path)
        tables = None
        if isinstance(data, dict) and data.get("format") == _TABLES_FORMAT and data.get("grammar") == _digest(text):
            try:
                tables = _Tables(data)
            except Exception:  # of another shape: rebuilt below
                tables = None
        if tables is None:
            data = _build_tables(get_parser())
            data["grammar"] = _digest(text)
            _write_cache(path, data)
            tables = _Tables(json.loads(json.dumps(data)))  # exactly what a later run reads back
        _TABLES = tables
    return _TABLES


class _Refused(Exception):
    """The fast path met something it does not handle (usually a syntax error): lark decides."""


def parse_fast(text: str) -> A.Scheme:
    """Parse with the table-driven path; raises _Refused instead of reporting errors.

    Mirrors lark's LALR parser state by state: a token is lexed in the state left by the last
    shift, reductions build what lark's tree builder and propagate_positions would give the
    transformer, the extent of a rule runs from its first to its last token (tokens filtered
    out of the tree included).
    """
    try:
        return _drive(_tables(), text)
    except (KeyError, IndexError, TypeError) as err:  # a table that does not fit: lark decides
        raise _Refused from err


def _drive(t: _Tables, text: str) -> A.Scheme:
    actions, row_of, rules, kept, end_state = t.rows, t.row, t.rules, t.kept, t.end
    lexers, lexer_for, skip, skip_chars = t.lexers, t.lexer_for, t.skip, t.skip_chars
    new_tok = tuple.__new__
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
                    c = text[pos]
                else:
                    e = skip(text, pos).end()
                    k = count("\n", pos, e)
                    if k:
                        line += k
                        line_start = rfind("\n", pos, e) + 1
                    pos = e
                    if pos < n:
                        c = text[pos]
        if pos >= n:
            typ, tok, ext = "$END", None, None
        else:
            lx = lexers.get(lex_state) or lexer_for(lex_state)
            m = (lx.by_char.get(c) or lx.for_char(c))(text, pos)
            if m is None:
                raise _Refused
            typ = m.lastgroup
            e = m.end()
            col = pos - line_start + 1
            ext = (line, col, line, col + e - pos)
            if typ in lx.retype:  # a keyword that NAME (or UNIT) matches whole
                value = text[pos:e]
                typ = lx.retype[typ].get(value, typ)
                tok = new_tok(Tok, (typ, value) + ext) if typ in kept else None
            elif typ in kept:
                tok = new_tok(Tok, (typ, text[pos:e], line, col, line, ext[3]))
            else:
                tok = None
            pos = e
        # ---- reduce as long as the table says so, then shift the token
        row = actions.get(states[-1]) or row_of(states[-1])
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
                    values[-1] = ()
                    states.append(actions[states[-1]][reduce_now])
                break
            size, incl, kind, fn, origin, base = rules[~a]
            if kind == _K_RELABEL:
                pass
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
            elif kind == _K_WRAP:
                values[-1] = [values[-1]]
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
                if keyword:
                    values[-1] = fn(first, *keyword, value) if kind == _K_KW_NODE else fn(first, *keyword, *value)
                else:
                    values[-1] = fn(first, value) if kind == _K_KW_NODE else fn(first, *value)
                exts[-1] = first
            elif kind == _K_EMPTY:
                values[-1] = ()
            else:
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
                    if value.__class__ is Tok:  # lark positions a passed-through token by itself
                        x = value[2:]
                elif base == _UNSUPPORTED:
                    raise _Refused
                else:
                    value = fn(x, *children)
                states.append(0)
                values.append(value)
                exts.append(x)
            goto = states[-1] = actions[states[-2]][origin]
            if goto == end_state and typ == "$END":
                return values[-1]
            row = actions.get(goto) or row_of(goto)


def parse(source: Source) -> tuple[A.Scheme | None, list[Diagnostic]]:
    """Parse one source; on a syntax error return (None, [diagnostic])."""
    was_enabled = gc.isenabled()
    gc.disable()  # the cyclic collector rescans the growing AST: parsing turns quadratic without this
    try:
        try:
            return parse_fast(source.text), []
        except Exception:  # _Refused, or any slip of the fast path: lark's own parse is the reference
            pass
        from lark.exceptions import UnexpectedInput

        try:
            return parse_with_lark(source.text), []
        except UnexpectedInput as err:
            from .syntax_errors import describe  # local: only needed on failure

            return None, [describe(err, source)]
    finally:
        if was_enabled:
            gc.enable()
