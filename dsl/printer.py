"""AST → canonical .scheme text (`kaoping fmt`), keeping the comments of the source.

The printer writes what the AST says, in the canonical layout: Chinese keywords, two spaces per
level, one declaration per line (a category, an indicator with level-2 items, a unit class, a case, a
population, a unit block and a group with entries open a block; everything else is one line), numbers
exactly as their Decimals hold them (a percent as a percent), strings re-quoted with escapes, ids as
written. It never guesses: a tree the grammar cannot write (a condition that would need brackets)
raises PrintError.

Comments are not in the AST (the grammar ignores them), so ``format_text`` recovers them from the
source: a comment on a line of its own goes before the declaration that follows it (or before the
closing brace of its block), a comment after code stays at the end of the printed line of the
declaration it follows. A comment inside a declaration that is printed on one line goes on a line of
its own just before it, so every comment survives, in order. ``format_text`` checks its own output:
it must parse to the same AST (spans aside) and hold the same comments, or nothing is written.
"""

from __future__ import annotations

import bisect
import codecs
import decimal
import os
import re
import stat
import tempfile
from decimal import Decimal
from typing import Any, Callable, Iterable

import attrs

from kaoping.grammar import grammar_text

from . import ast as A
from .diagnostics import Diagnostic, error
from .parser import parse
from .resolve import check_depth
from .source import MAX_SCHEME_BYTES, DecodeProblem, FileProblem, Source, Span, decode, read_file

INDENT = "  "


class PrintError(Exception):
    """An AST that the grammar cannot write as text (only trees not made by the parser)."""


# ---------------------------------------------------------------- vocabulary
ATTR_KEYWORDS: dict[str, str] = {
    "full": "满分", "points": "分值", "weight": "权重", "cap": "上限", "counts_as": "计分", "declare": "声明",
    "method": "评分", "deadline": "时限", "leader": "分管", "owner": "责任", "person": "责任人",
    "assessor": "主体", "basis": "依据", "remark": "备注", "locked": "锁定", "no_level2": "无二级指标",
    "exception": "例外", "assume": "假定", "printed_id": "原号", "not_summed": "不计入总分", "range": "范围",
    "may_negative": "可为负", "may_exceed": "可超分值", "applies": "适用", "not_applicable": "不适用",
    "gate": "门槛", "missing": "缺失", "optional": "可缺", "fields": "输入项", "value": "取值", "source": "来源",
    "shared": "全体", "level": "级别", "precision": "精度", "default": "默认", "unit_items": "单位自列",
}
CLAUSE_KEYWORDS: dict[str, str] = {
    "cap": "上限", "floor": "下限", "target": "目标", "standard": "标准", "at_most": "最多",
    "at_most_add": "最多 加", "at_most_deduct": "最多 扣", "step": "", "after": "此后", "short": "不足",
    "rest": "其余", "until_zero": "扣完为止", "whole_steps": "整档", "mean": "平均", "drop_extremes": "去掉最高最低",
    "promote": "可晋档", "keep": "保留", "direction": "方向", "ascending": "升序", "value": "取值", "gate": "门槛",
    "full": "满分", "quota": "配额", "assume": "假定", "into": "计入",
}
METHOD_KEYWORDS: dict[str, str] = {
    "tiers": "分档", "ratio": "按比例", "efficacy": "功效", "ranges": "区间", "rank": "排名",
    "reverse_rank": "倒数排名", "steps": "阶梯", "deviation": "偏离", "highest": "取最高", "panel": "评委",
    "quota": "定额", "direct": "直接赋分", "yes_no": "是否", "sum": "合计", "vs_best": "比最优",
    "not_below": "不低于", "not_above": "不高于", "based_on": "沿用", "clauses": "",
}
_FLAG_ATTRS = {"locked", "no_level2", "not_summed", "may_negative", "may_exceed", "optional", "shared"}
_POINT_ATTRS = {"full", "points", "weight", "cap", "counts_as", "default"}
_STRINGS_ATTRS = {"leader", "owner", "person", "assessor", "basis"}
_STRING_ATTRS = {"remark", "assume", "printed_id", "source"}
_FLAG_CLAUSES = {"until_zero", "whole_steps", "mean", "drop_extremes", "ascending"}
_AMOUNT_CLAUSES = {"cap", "floor", "target", "rest", "full", "at_most", "at_most_add", "at_most_deduct"}
_STEP_CLAUSES = {"step", "after", "short"}
_INPUT_KINDS = {"count": "计数", "ratio": "比例", "tier": "档次", "rank": "名次", "points": "得分", "bool": "是否"}
_LEVELS = {"error": "错误", "warning": "警告", "note": "提示"}
_ROUNDING = {"half_up": "四舍五入", "down": "截断", "up": "进一"}
_STEP_DIRS = {"lower": "低", "higher": "高", "fewer": "少", "more": "多"}
_EFFECTS = {"deduct": "扣", "add": "加"}
_SENSES = {"higher_better": "高优", "lower_better": "低优"}
_DIRECTIONS = {"not_below": "不低于", "not_above": "不高于"}
_COUNT_WORDS = {"level1": ("一级指标", " 项"), "level2": ("二级指标", " 条"), "items": ("条目", "")}
_OPS = {"+": "+", "-": "-", "*": "×", "/": "÷"}
_OP_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}
_CMPS = {">=", "<=", ">", "<", "!=", "=", "≥", "≤", "≠", "＞", "＜", "＞＝", "＜＝"}
_CHINESE_UNITS = set("次名篇件项个份条场家人天日")
_UNITS = _CHINESE_UNITS | {"times", "ranks", "articles", "cases"}

NAME = re.compile(r"[^\W\d][\w·]*")
_ID = re.compile(r"[0-9]+(?:-[0-9]+)+|[0-9]+(?:\.[0-9]+)?")
_ITEM_ID = re.compile(r"[0-9]+(?:-[0-9]+)+")


def keyword_spellings() -> frozenset[str]:
    """Every spelling of every keyword of the grammar (Chinese and English)."""
    return frozenset(w for pair in re.findall(r'^_k_\w+:\s*"([^"]+)"(?:\s*\|\s*"([^"]+)")?', grammar_text(), re.M)
                     for w in pair if w)


_KEYWORDS: frozenset[str] | None = None


def _keywords() -> frozenset[str]:
    global _KEYWORDS
    if _KEYWORDS is None:
        _KEYWORDS = keyword_spellings() | frozenset(_UNITS)
    return _KEYWORDS


# ---------------------------------------------------------------- the lines of a printed scheme
Pos = tuple[int, int]
_NOWHERE: Pos = (0, 0)


@attrs.define
class _Line:
    """One printed line: its text (without indentation) and the part of the source it stands for."""

    indent: int
    text: str
    start: Pos  # the first character of the source it stands for
    end: Pos  # just after its last character
    kind: str = "decl"  # decl / open / close


def _start(span: Span | None) -> Pos:
    return _NOWHERE if span is None else (span.line, span.column)


def _stop(span: Span | None) -> Pos:
    return _NOWHERE if span is None else (span.end_line, span.end_column)


def _close_pos(span: Span) -> Pos:
    """The closing brace that ends a block statement."""
    return (span.end_line, span.end_column - 1)


class Printer:
    """Writes one AST as lines. `quote_keywords`: names spelled like a keyword or unit are written
    in 「」 (the fallback when writing them plain would not read back the same)."""

    def __init__(self, quote_keywords: bool = False, braces: "_Braces | None" = None):
        self.quote_keywords = quote_keywords
        self.braces = braces or _Braces([])
        self.lines: list[_Line] = []

    # ---- atoms
    def name(self, text: str) -> str:
        if NAME.fullmatch(text) and not (self.quote_keywords and text in _keywords()):
            return text
        if text and "」" not in text and "\n" not in text:
            return f"「{text}」"
        raise PrintError(f"名称“{text}”无法写出")

    @staticmethod
    def string(text: str) -> str:
        if any(ch in text for ch in "\r\u2028\u2029"):
            raise PrintError("文字中的回车符无法写出")  # a file read back turns them into line ends
        return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                      .replace("\t", "\\t")) + '"'

    def strings(self, texts: Iterable[str]) -> str:
        out = " ".join(self.string(t) for t in texts)
        if not out:
            raise PrintError("至少要有一段文字")
        return out

    @staticmethod
    def number(value: Decimal | int, signed: bool = False) -> str:
        if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
            raise PrintError(f"不是数字：{value!r}")
        value = Decimal(value)
        if not value.is_finite():
            raise PrintError(f"不是有限的数：{value}")
        if value.is_signed() and not signed:
            raise PrintError(f"这里不能写负数：{value}")
        text = format(value, "f")
        return text

    def amount(self, num: A.Num, signed: bool = False) -> str:
        if not num.percent:
            return self.number(num.value, signed)
        with decimal.localcontext(prec=1000):
            return self.number(num.value.scaleb(2), signed) + "%"

    @staticmethod
    def ident(text: str) -> str:
        if not _ID.fullmatch(text):
            raise PrintError(f"编号“{text}”无法写出")
        return text

    def deadline(self, d: A.Deadline) -> str:
        return self.string(d.text) if d.quoted else d.text

    # ---- expressions and conditions
    def expr(self, e: A.Expr) -> str:
        return self._expr(e)[0]

    def _expr(self, e: Any) -> tuple[str, int]:
        """The text and its binding strength: 1 sum, 2 product, 3 unary, 4 atom."""
        if isinstance(e, A.Num):
            return self.amount(e), 4
        if isinstance(e, A.Ref):
            return self.name(e.name), 4
        if isinstance(e, A.AttrRef):
            return f"{self.name(e.name)}.{self.name(e.attr)}", 4
        if isinstance(e, A.Call):
            return f"{self.name(e.func)}({', '.join(self.expr(a) for a in e.args)})", 4
        if isinstance(e, A.ItemRef):
            return f"指标 {self.ident(e.id)}", 4
        if isinstance(e, A.External):
            return f"外部 {self.string(e.text)}", 4
        if isinstance(e, A.Neg):
            text, prec = self._expr(e.operand)
            return "-" + (text if prec >= 3 else f"({text})"), 3
        if isinstance(e, A.BinOp):
            if e.op not in _OPS:
                raise PrintError(f"未知的运算符 {e.op!r}")
            prec = _OP_PREC[e.op]
            left, lp = self._expr(e.left)
            right, rp = self._expr(e.right)
            left = left if lp >= prec else f"({left})"
            right = right if rp > prec else f"({right})"
            return f"{left} {_OPS[e.op]} {right}", prec
        raise PrintError(f"不是表达式：{type(e).__name__}")

    def cond(self, c: A.Cond) -> str:
        return self._cond(c, 1)

    def _cond(self, c: Any, need: int) -> str:
        """A condition where the grammar needs strength `need`: 1 或, 2 且, 3 非, 4 a comparison.
        Conditions have no brackets: a weaker condition where a stronger one is needed cannot be written."""
        if isinstance(c, A.BoolOp) and c.op in ("or", "and"):
            strength = 1 if c.op == "or" else 2
            if strength < need or len(c.items) != 2:
                raise PrintError("这个条件需要括号，而条件不能加括号")
            word = "或" if c.op == "or" else "且"
            return f"{self._cond(c.items[0], strength)} {word} {self._cond(c.items[1], strength + 1)}"
        if isinstance(c, A.Not):
            if need > 3:
                raise PrintError("这个条件需要括号，而条件不能加括号")
            return f"非 {self._cond(c.item, 3)}"
        if isinstance(c, A.BoolOp) and c.op == "any":
            if not c.items:
                raise PrintError("任一 { } 至少要有一个条件")
            return f"任一 {{ {', '.join(self._cond(i, 1) for i in c.items)} }}"
        if isinstance(c, A.Compare):
            if c.op not in _CMPS:
                raise PrintError(f"未知的比较符 {c.op!r}")
            return f"{self.expr(c.left)} {c.op} {self.expr(c.right)}"
        if isinstance(c, A.Has):
            return f"有 {self.name(c.name)}"
        if isinstance(c, A.Contains):
            return f"{self.expr(c.subject)} {'不含' if c.negate else '含'} {self.strings(c.needles)}"
        if isinstance(c, A.AllAre):
            return f"{self.all_scope(c.scope_kind, c.scope)} 为 {self.name(c.value)}"
        if isinstance(c, A.Vetoed):
            return f"否决 {self.name(c.name)}"
        raise PrintError(f"不是条件：{type(c).__name__}")

    # ---- attributes
    def attrs(self, attrs_: Iterable[A.Attr]) -> str:
        return "".join(" " + self.attr(a) for a in attrs_)

    def attr(self, a: A.Attr) -> str:
        key, v = a.key, a.value
        word = ATTR_KEYWORDS.get(key)
        if word is None:
            raise PrintError(f"未知的属性 {key!r}")
        if key in _FLAG_ATTRS:
            return word
        if key in _POINT_ATTRS:
            return f"{word} {self.number(v, signed=True)}"
        if key in _STRINGS_ATTRS:
            return f"{word} {self.strings(v)}"
        if key in _STRING_ATTRS:
            return f"{word} {self.string(v)}"
        if key == "declare":
            parts = []
            for kind, count, _span in v.entries:
                kw, unit = _COUNT_WORDS[kind]
                parts.append(f"{kw} {self.number(count)}{unit}")
            if not parts:
                raise PrintError("声明 至少要有一个个数")
            return f"{word} {' '.join(parts)}"
        if key == "unit_items":
            return word if v is None else f"{word} {self.name(v.text)}"
        if key == "method":
            if isinstance(v, A.Name):
                return f"{word} {self.name(v.text)}"
            return f"{word} {{ {self.method(v)} }}"
        if key == "deadline":
            return f"{word} {self.deadline(v)}"
        if key == "exception":
            return f"{word} {self.name(v.rule.text)} {self.string(v.reason)}"
        if key == "range":
            low, high = v
            return f"{word} [{self.number(low, True)}, {self.number(high, True)}]"
        if key in ("applies", "gate"):
            return f"{word} {self.cond(v)}"
        if key == "not_applicable":
            policy, count = v
            if policy == "zero":
                return f"{word} 计 {self.number(count)}"
            return f"{word} {'折算' if policy == 'rescale' else '满分'}"
        if key == "missing":
            return f"{word} 取 {self.expr(v)}"
        if key == "value":
            return f"{word} {self.expr(v)}"
        if key == "fields":
            return f"{word} {self.fields(v)}"
        if key == "level":
            return f"{word} {_LEVELS[v]}"
        if key == "precision":
            return self.precision(v)
        raise PrintError(f"属性 {key!r} 没有写法")  # pragma: no cover - every key is handled above

    def fields(self, fields: Iterable[A.InputField]) -> str:
        parts = [self.name(f.name.text) + (f" {_INPUT_KINDS[f.kind]}" if f.kind else "") for f in fields]
        if not parts:
            raise PrintError("输入项 至少要有一项")
        return "{ " + ", ".join(parts) + " }"

    def precision(self, p: A.Precision) -> str:
        return f"精度 {self.number(p.places)} 位 {_ROUNDING[p.mode]}"

    # ---- methods
    def method(self, m: A.Method) -> str:
        if m.kind == "clauses":
            if not m.clauses or m.table:
                raise PrintError("只写子句的评分法至少要有一个子句，且没有表格")
            return " ".join(self.clause(c) for c in m.clauses)
        word = METHOD_KEYWORDS.get(m.kind)
        if word is None:
            raise PrintError(f"未知的评分法种类 {m.kind!r}")
        head = word
        if m.kind == "ranges":
            head += " " + _SENSES[m.arg or "higher_better"]
        elif m.kind in ("not_below", "not_above"):
            head += " " + self.amount(m.arg)
        elif m.kind == "based_on":
            head += " " + self.name(m.arg.text)
        parts = [head]
        if m.table:
            parts.append(self.table(m.table))
        parts += [self.clause(c) for c in m.clauses]
        return " ".join(parts)

    def table(self, rows: Iterable[A.Row]) -> str:
        return "{ " + ", ".join(self.row(r) for r in rows) + " }"

    def row(self, r: A.Row) -> str:
        if r.key_kind == "name":
            key = self.name(r.key)
        elif r.key_kind == "name_count":
            name, count, unit = r.key
            key = f"{self.name(name)} {self.number(count)} {self.unit(unit)}:"
        elif r.key_kind == "number":
            key = self.number(r.key) + ":"
        elif r.key_kind == "count":
            count, unit, or_more = r.key
            key = f"{self.number(count)}{self.unit(unit)}{'及以上' if or_more else ''}:"
        elif r.key_kind == "interval":
            i = r.key
            key = (f"{'[' if i.low_closed else '('}{self.amount(i.low)}, "
                   f"{self.amount(i.high)}{']' if i.high_closed else ')'}")
        elif r.key_kind == "rest":
            key = "其余"
        else:
            raise PrintError(f"未知的表格行 {r.key_kind!r}")
        return f"{key} {self.row_value(r.value_kind, r.value)}"

    def row_value(self, kind: str, value: Any) -> str:
        if kind == "amount":
            return self.amount(value)
        if kind in _EFFECTS:
            return f"{_EFFECTS[kind]} {self.amount(value)}"
        if kind == "zero":
            return "不得分"
        if kind == "full":
            return "满分"
        if kind == "step":
            return self.step(value)
        raise PrintError(f"未知的表格值 {kind!r}")

    @staticmethod
    def unit(unit: str) -> str:
        if unit not in _UNITS:
            raise PrintError(f"未知的计数单位 {unit!r}")
        return unit

    def step(self, s: A.Step) -> str:
        text = "每"
        if s.direction is not None:
            text += _STEP_DIRS[s.direction]
        if s.size is not None:
            text += " " + self.number(s.size) + ("%" if s.percent else "")
            if s.unit is not None:
                if s.percent:
                    raise PrintError("步长不能既是百分数又有单位")
                text += " " + self.unit(s.unit)
        elif s.unit is not None and not s.percent:
            text += self.unit(s.unit) if s.unit in _CHINESE_UNITS else " " + self.unit(s.unit)
        else:
            raise PrintError("步长要写数量或单位")
        if s.table:
            if s.effect is not None:
                raise PrintError("分级步长不能再写扣/加")
            rows = [f"{self.name(level)} {_EFFECTS[effect]} {self.amount(amount)}" for level, effect, amount in s.table]
            return f"{text} {{ {', '.join(rows)} }}"
        if s.effect not in _EFFECTS or s.amount is None:
            raise PrintError("步长要写 扣 或 加")
        return f"{text} {_EFFECTS[s.effect]} {self.amount(s.amount)}"

    def clause(self, c: A.Clause) -> str:
        kind, v = c.kind, c.value
        word = CLAUSE_KEYWORDS.get(kind)
        if word is None:
            raise PrintError(f"未知的子句 {kind!r}")
        if kind in _FLAG_CLAUSES:
            return word
        if kind in _AMOUNT_CLAUSES:
            return f"{word} {self.amount(v)}"
        if kind in _STEP_CLAUSES:
            return self.step(v) if kind == "step" else f"{word} {self.step(v)}"
        if kind in ("standard", "value"):
            return f"{word} {self.expr(v)}"
        if kind == "gate":
            return f"{word} {self.cond(v)}"
        if kind == "assume":
            return f"{word} {self.string(v)}"
        if kind == "into":
            return f"{word} {self.name(v.text)}"
        if kind == "promote":
            return f"{word} {self.number(v)}"
        if kind == "keep":
            return f"{word} {self.number(v)} 位"
        if kind == "direction":
            return f"{word} {_DIRECTIONS[v]}"
        if kind == "quota":
            first, unit = v
            if isinstance(first, tuple):
                return f"{word} {self.table(first)}" + (f" {self.unit(unit)}" if unit is not None else "")
            if unit is None:
                raise PrintError("配额 数量 后要写单位")
            return f"{word} {self.number(first)} {self.unit(unit)}"
        raise PrintError(f"子句 {kind!r} 没有写法")  # pragma: no cover - every kind is handled above

    # ---- cases
    def case_entry(self, e: A.CaseEntry) -> str:
        kind = e.target_kind
        if kind == "name":
            target = self.name(e.target)
        elif kind == "indicator":
            target = f"指标 {self.ident(e.target)}"
        else:
            target = self.all_scope(kind, e.target)
        return f"{target}: {self.case_value(e.value_kind, e.value)}"

    def all_scope(self, kind: str, name: str) -> str:
        """全部 一级指标 / 二级指标 / 指标 / 全部 类别名称 (case targets and 全部 … 为 … conditions)."""
        if kind == "all_level1":
            return "全部 一级指标"
        if kind == "all_level2":
            return "全部 二级指标"
        if kind == "all_items":
            return "全部 指标"
        if kind == "all_in":
            return f"全部 {self.name(name)}"
        raise PrintError(f"未知的范围 {kind!r}")

    def case_value(self, kind: str, value: Any) -> str:
        if kind == "amount":
            return self.amount(value, signed=True)
        if kind == "name":
            return self.name(value)
        if kind == "yes":
            return "是"
        if kind == "no":
            return "否"
        if kind == "list":
            if not value:
                raise PrintError("评委分数列表至少要有一个数")
            return "[" + ", ".join(self.amount(v, signed=True) for v in value) + "]"
        if kind == "map":  # { 省级: 3, 市级: 3 }
            return "{ " + ", ".join(f"{self.name(k)}: {self.case_value(*v)}" for k, v in value) + " }" if value \
                else "{}"
        raise PrintError(f"未知的输入值 {kind!r}")

    def entries(self, entries: Iterable[A.CaseEntry]) -> str:
        parts = [self.case_entry(e) for e in entries]
        return "{ " + ", ".join(parts) + " }" if parts else "{}"

    # ---- lines
    def emit(self, indent: int, text: str, start: Pos, end: Pos, kind: str = "decl") -> None:
        self.lines.append(_Line(indent, text, start, end, kind))

    def block(self, indent: int, head: str, span: Span, children: list, each: Callable[[int, Any], None],
              first_brace: bool = False, first_child: Pos | None = None) -> None:
        """`head {`, the children one level deeper, `}`; `head {}` on one line when there are none."""
        if not children:
            self.emit(indent, head + " {}", _start(span), _stop(span))
            return
        close = _close_pos(span)
        if first_brace:
            brace = self.braces.after(_start(span))
        else:
            brace = self.braces.before(first_child or _start(children[0].span))
        self.emit(indent, head + " {", _start(span), (brace[0], brace[1] + 1) if brace else _start(span), "open")
        for child in children:
            each(indent + 1, child)
        self.emit(indent, "}", close, (close[0], close[1] + 1), "close")

    def scheme(self, s: A.Scheme) -> list[_Line]:
        head = f"{'模板' if s.kind == 'template' else '方案'} {self.string(s.title)}"
        if s.year is not None:
            head += f" 年度 {self.number(s.year)}"
        if s.inherit is not None:
            head += f" 继承 {self.string(s.inherit)}"
        items: list = list(s.meta) + list(s.body)
        if not items:
            self.emit(0, head + " {}", _start(s.span), _stop(s.span))
            return self.lines
        self.block(0, head, s.span, items, self.statement)
        return self.lines

    def meta(self, m: A.Meta) -> str:
        v = m.value
        if m.key == "docno":
            return f"文号 {self.string(v)}"
        if m.key == "basis":
            return f"依据 {self.strings(v)}"
        if m.key == "issuer":
            return f"发文 {self.string(v)}"
        if m.key == "subject":
            return f"对象 {self.strings(v)}"
        if m.key == "remark":
            return f"备注 {self.string(v)}"
        if m.key == "precision":
            return self.precision(v)
        if m.key == "assume":
            return f"假定 {self.string(v)}"
        if m.key == "rescale":
            return "折算 百分制"
        raise PrintError(f"未知的元信息 {m.key!r}")

    def decimals(self, s: A.Decimals) -> str:
        if not s.rows:
            raise PrintError("小数 至少要有一行")
        rows = [(f"分值 {r.op} {self.amount(r.bound)}" if r.bound is not None and r.op is not None else "其余")
                + f": {self.number(r.places)} 位" for r in s.rows]
        return f"小数 {{ {', '.join(rows)} }}" + (f" {_ROUNDING[s.rounding]}" if s.rounding is not None else "")

    def _labelled(self, keyword: str, name: A.Name, label: str | None) -> str:
        return f"{keyword} {self.name(name.text)}" + (f" {self.string(label)}" if label is not None else "")

    def statement(self, indent: int, s: Any) -> None:
        one_line = self.one_line(s)
        if one_line is not None:
            self.emit(indent, one_line, _start(s.span), _stop(s.span))
        elif isinstance(s, (A.Category, A.Indicator, A.Item)):
            self.entry(indent, s)
        elif isinstance(s, A.UnitClass):
            head = self._labelled("单位类别", s.name, s.label) + self.attrs(s.attrs)
            self.block(indent, head, s.span, list(s.stmts), self.class_statement)
        elif isinstance(s, A.GroupDecl):
            head = self._labelled("加分组" if s.kind == "bonus" else "扣分组", s.name, s.label) + self.attrs(s.attrs)
            self.block(indent, head, s.span, list(s.entries), self.group_entry)
        elif isinstance(s, A.Case):
            self.case(indent, s)
        elif isinstance(s, A.Population):
            head = f"总体 {self.string(s.name)}"
            self.block(indent, head, s.span, list(s.units), self.pop_unit, first_brace=True)
        elif isinstance(s, A.UnitBlock):
            head = f"单位 {self.string(s.name)}" + (f" 属于 {self.name(s.unit_class.text)}" if s.unit_class else "")
            self.block(indent, head, s.span, list(s.children), self.entry)
        else:
            raise PrintError(f"不是语句：{type(s).__name__}")

    def one_line(self, s: Any) -> str | None:
        """The text of a statement printed on one line; None for a block statement."""
        if isinstance(s, A.Meta):
            return self.meta(s)
        if isinstance(s, A.InputDecl):
            return self._labelled("输入", s.name, s.label) + self.attrs(s.attrs)
        if isinstance(s, A.GroupDecl) and not s.entries:
            return self._labelled("加分组" if s.kind == "bonus" else "扣分组", s.name, s.label) + self.attrs(s.attrs)
        if isinstance(s, A.Formula):
            return self.formula(s)
        if isinstance(s, A.MethodDef):
            return f"评分法 {self.name(s.name.text)} = {self.method(s.method)}"
        if isinstance(s, A.Rule):
            return f"规则 {self.name(s.name.text)}: {self.rule_body(s)}{self.attrs(s.attrs)}"
        if isinstance(s, A.Invariant):
            body = self.cond(s.conclusion)
            if s.premise is not None:
                body = f"若 {self.cond(s.premise)} 则 {body}"
            tail = f" 例外 {self.string(s.exception)}" if s.exception is not None else ""
            return f"性质 {self.name(s.name.text)}: {body}{tail}"
        if isinstance(s, A.Ranking):
            text = "排名" + (" 按 单位类别" if s.by_class else "") + f" 依据 {self.name(s.basis.text)}"
            text += " 升序" if s.ascending else ""
            return text + (f" 并列 {self.string(s.ties)}" if s.ties is not None else "")
        if isinstance(s, A.Grades):
            return self.grades(s)
        if isinstance(s, A.Decimals):
            return self.decimals(s)
        if isinstance(s, A.Veto):
            effect = f"等次 最高 {self.name(s.grade.text)}" if s.effect == "cap" else f"不评 {self.name(s.grade.text)}"
            if s.effect not in ("cap", "exclude"):
                raise PrintError(f"未知的否决效果 {s.effect!r}")
            return f"否决 {self.name(s.name.text)} 若 {self.cond(s.cond)} 则 {effect}"
        if isinstance(s, A.Gate):
            return f"统一门槛 {self.cond(s.cond)}"
        if isinstance(s, A.Exempt):
            return f"免扣 {self.name(s.name.text)} 若 {self.cond(s.cond)}"
        return None

    def formula(self, f: A.Formula) -> str:
        return f"{self._labelled('得分', f.name, f.label)} = {self.expr(f.expr)}{self.attrs(f.attrs)}"

    def rule_body(self, r: A.Rule) -> str:
        if r.form == "assert":
            return self.cond(r.conclusion)
        if r.form == "implies":
            if r.premise is None:
                raise PrintError("若…则… 要有前提")
            return f"若 {self.cond(r.premise)} 则 {self.cond(r.conclusion)}"
        if r.form == "each":
            if not r.scope:
                raise PrintError("每项 于 … 至少要有一个范围")
            text = "每项 于 " + "、".join(self.name(n.text) for n in r.scope)
            if r.premise is not None:
                text += f" 若 {self.cond(r.premise)} 则"
            return f"{text} {self.cond(r.conclusion)}"
        raise PrintError(f"未知的规则形式 {r.form!r}")

    def grades(self, g: A.Grades) -> str:
        parts = []
        for grade in g.grades:
            if grade.op is None:
                parts.append(f"{self.name(grade.name.text)} 其余")
            else:
                if grade.op not in _CMPS - {"="} or grade.bound is None:
                    raise PrintError(f"等次的比较符 {grade.op!r} 无法写出")
                parts.append(f"{self.name(grade.name.text)} {grade.op} {self.amount(grade.bound)}")
        if not parts:
            raise PrintError("等次 至少要有一个等次")
        text = "等次 { " + ", ".join(parts) + " }"
        for q in g.quotas:
            if q.op not in _CMPS - {"="}:
                raise PrintError(f"比例的比较符 {q.op!r} 无法写出")
            text += f" 比例 {self.name(q.grade.text)} {q.op} {self.amount(q.amount)}"
            text += " 按 单位类别" if q.by_class else ""
            text += f" {_ROUNDING[q.rounding]}" if q.rounding is not None else ""
        return text

    def entry(self, indent: int, e: Any) -> None:
        """A category, an indicator or an item (inside a category or a unit block)."""
        if isinstance(e, A.Category):
            head = self._labelled("类别", e.name, e.label) + self.attrs(e.attrs)
            self.block(indent, head, e.span, list(e.children), self.entry)
        elif isinstance(e, A.Indicator):
            head = f"指标 {self.ident(e.id)}" + (f" {self.string(e.text)}" if e.text is not None else "")
            head += self.attrs(e.attrs)
            if e.items is None:
                self.emit(indent, head, _start(e.span), _stop(e.span))
            else:
                self.block(indent, head, e.span, list(e.items), self.item)
        elif isinstance(e, A.Item):
            self.item(indent, e)
        else:
            raise PrintError(f"不是指标：{type(e).__name__}")

    def item(self, indent: int, i: Any) -> None:
        if not isinstance(i, A.Item):
            raise PrintError(f"不是二级指标：{type(i).__name__}")
        if not _ITEM_ID.fullmatch(i.id):
            raise PrintError(f"二级指标的编号“{i.id}”无法写出")
        text = self.ident(i.id) + (f" {self.string(i.text)}" if i.text is not None else "") + self.attrs(i.attrs)
        self.emit(indent, text, _start(i.span), _stop(i.span))

    def class_statement(self, indent: int, s: Any) -> None:
        if isinstance(s, A.Formula):
            text = self.formula(s)
        elif isinstance(s, A.Override):
            text = f"指标 {self.ident(s.id)} 取 {self.expr(s.expr)}"
        else:
            raise PrintError(f"单位类别中不能写 {type(s).__name__}")
        self.emit(indent, text, _start(s.span), _stop(s.span))

    def group_entry(self, indent: int, e: A.GroupEntry) -> None:
        text = self.name(e.name.text) + (f" {self.string(e.label)}" if e.label is not None else "")
        self.emit(indent, text + self.attrs(e.attrs) + ",", _start(e.span), _stop(e.span))

    def pop_unit(self, indent: int, u: A.PopUnit) -> None:
        text = f"单位 {self.string(u.name)}" + (f" 属于 {self.name(u.unit_class.text)}" if u.unit_class else "")
        self.emit(indent, f"{text} {self.entries(u.entries)}", _start(u.span), _stop(u.span))

    def case(self, indent: int, c: A.Case) -> None:
        head = f"用例 {self.string(c.title)}" + (f" 总体 {self.string(c.population)}" if c.population else "")
        parts: list = []
        if c.inputs:
            parts.append(("inputs", c.inputs))
        parts += [("expect", e) for e in c.expects]
        if not parts:
            self.emit(indent, head + " {}", _start(c.span), _stop(c.span))
            return
        brace = self.braces.after(_start(c.span))
        self.emit(indent, head + " {", _start(c.span), (brace[0], brace[1] + 1) if brace else _start(c.span), "open")
        for kind, part in parts:
            if kind == "inputs":
                self.emit(indent + 1, f"输入 {self.entries(part)}", _start(part[0].span), _stop(part[-1].span))
            else:
                self.emit(indent + 1, self.expect(part), _start(part.span), _stop(part.span))
        close = _close_pos(c.span)
        self.emit(indent, "}", close, (close[0], close[1] + 1), "close")

    def expect(self, e: A.Expect) -> str:
        text = "期望" + (f" 单位 {self.string(e.unit)}" if e.unit is not None else "")
        return f"{text} {self.cond(e.cond)}"


# Every class of the AST and where the printer writes it (tests/test_printer.py holds this equal to
# the classes of dsl/ast.py, so a class added to the AST without a way to print it fails the suite).
PRINTED = {
    A.Name: Printer.name, A.Num: Printer.amount, A.Ref: Printer._expr, A.AttrRef: Printer._expr,
    A.Call: Printer._expr, A.ItemRef: Printer._expr, A.External: Printer._expr, A.BinOp: Printer._expr,
    A.Neg: Printer._expr, A.Compare: Printer._cond, A.Has: Printer._cond, A.Contains: Printer._cond,
    A.AllAre: Printer._cond, A.Vetoed: Printer._cond,
    A.BoolOp: Printer._cond, A.Not: Printer._cond, A.Counts: Printer.attr, A.Deadline: Printer.deadline,
    A.Precision: Printer.precision, A.ExceptionNote: Printer.attr, A.InputField: Printer.fields,
    A.Attr: Printer.attr, A.Step: Printer.step, A.Row: Printer.row, A.Interval: Printer.row,
    A.Clause: Printer.clause, A.Method: Printer.method, A.Item: Printer.item, A.Indicator: Printer.entry,
    A.Category: Printer.entry, A.InputDecl: Printer.one_line, A.GroupEntry: Printer.group_entry,
    A.GroupDecl: Printer.statement, A.Formula: Printer.formula, A.MethodDef: Printer.one_line,
    A.Override: Printer.class_statement, A.UnitClass: Printer.statement, A.Rule: Printer.one_line,
    A.Invariant: Printer.one_line, A.CaseEntry: Printer.case_entry, A.Expect: Printer.expect,
    A.Case: Printer.case, A.Ranking: Printer.one_line, A.Grade: Printer.grades, A.Quota: Printer.grades,
    A.Grades: Printer.grades, A.Veto: Printer.one_line, A.Gate: Printer.one_line, A.Exempt: Printer.one_line,
    A.PopUnit: Printer.pop_unit, A.Population: Printer.statement, A.UnitBlock: Printer.statement,
    A.Meta: Printer.meta, A.Scheme: Printer.scheme, A.Decimals: Printer.one_line, A.DecimalRow: Printer.decimals,
}


def print_scheme(tree: A.Scheme, quote_keywords: bool = False) -> str:
    """The canonical text of an AST, without comments (raises PrintError for a tree text cannot hold)."""
    lines = Printer(quote_keywords).scheme(tree)
    return "".join(INDENT * line.indent + line.text + "\n" for line in lines)


# ---------------------------------------------------------------- comments and braces in the source
@attrs.frozen
class Comment:
    pos: Pos  # where the # is
    text: str  # from the # to the end of the line, trailing spaces removed
    whole_line: bool  # nothing but spaces before it on its line
    anchor: Pos  # the last character of code before it; (0, 0) at the start of the file


class _Braces:
    """Positions of the opening braces outside strings, names in 「」 and comments."""

    def __init__(self, positions: list[Pos]):
        self.positions = positions

    def before(self, pos: Pos) -> Pos | None:
        i = bisect.bisect_left(self.positions, pos)
        return self.positions[i - 1] if i else None

    def after(self, pos: Pos) -> Pos | None:
        i = bisect.bisect_left(self.positions, pos)
        return self.positions[i] if i < len(self.positions) else None


_TOKENS = re.compile(r"""(?P<s>"[^"\\\n]*(?:\\.[^"\\\n]*)*")|(?P<q>「[^」\n]+」)|(?P<c>[#＃][^\n]*)|(?P<b>[{｛])
                         |(?P<n>\n)|(?P<w>[ \t\r\u3000\ufeff]+)|(?P<o>[^"「#＃{｛\n \t\r\u3000\ufeff]+|.)""", re.X)


def scan(text: str) -> tuple[list[Comment], _Braces]:
    """The comments of a source text and its opening braces (strings and 「names」 skipped)."""
    comments, braces = [], []
    line, line_start = 1, 0
    anchor: Pos = _NOWHERE
    code_on_line = False
    for m in _TOKENS.finditer(text):
        kind, at = m.lastgroup, m.start()
        if kind == "n":
            line, line_start, code_on_line = line + 1, m.end(), False
        elif kind == "w":
            pass
        elif kind == "c":
            comments.append(Comment((line, at - line_start + 1), m.group().rstrip(" \t\r\u3000"), not code_on_line,
                                    anchor))
        else:
            if kind == "b":
                braces.append((line, at - line_start + 1))
            code_on_line = True
            anchor = (line, m.end() - line_start)  # the 1-based column of its last character
    return comments, _Braces(braces)


# ---------------------------------------------------------------- formatting a source text
def _blank_lines(text: str) -> list[bool]:
    return [not row.strip(" \t\r\u3000\ufeff") for row in text.split("\n")]


def layout(lines: list[_Line], comments: list[Comment], text: str) -> str:
    """The printed lines with the source's comments put back (see the module's docstring) and single
    blank lines kept where the source separates declarations by one or more."""
    n = len(lines)
    leading: list[list[Comment]] = [[] for _ in range(n + 1)]  # n: after the last line
    inner: list[list[Comment]] = [[] for _ in range(n)]
    order = sorted(range(n), key=lambda i: lines[i].start)
    starts = [lines[i].start for i in order]
    for c in comments:
        if not c.whole_line:
            k = bisect.bisect_right(starts, c.anchor) - 1
            if k >= 0:
                inner[order[k]].append(c)
                continue
            leading[order[0] if order else n].append(c)
            continue
        k = bisect.bisect_left(starts, c.pos) - 1
        if k >= 0 and c.pos < lines[order[k]].end:
            inner[order[k]].append(c)
            continue
        k = bisect.bisect_left(starts, c.pos)
        leading[order[k] if k < n else n].append(c)

    blank = _blank_lines(text)
    prefix = [0]
    for b in blank:
        prefix.append(prefix[-1] + b)

    def gap(after_line: int, before_line: int) -> bool:  # a blank source line strictly between the two
        return before_line > after_line + 1 and prefix[before_line - 1] - prefix[after_line] > 0

    out: list[str] = []
    last = 0  # the source line of what was written last (0: nothing yet)
    opened = True  # the last line written opens a block (or nothing is written yet)

    def put(indent: int, body: str, first: int, final: int, closing: bool = False) -> None:
        nonlocal last, opened
        if last and first and not opened and not closing and gap(last, first):
            out.append("")
        out.append(INDENT * indent + body)
        if final:
            last = max(last, final)
        opened = body.endswith("{")

    for i, line in enumerate(lines):
        mine = sorted(inner[i], key=lambda c: c.pos)
        trailing = mine.pop() if mine and not mine[-1].whole_line else None
        indent = line.indent + 1 if line.kind == "close" else line.indent
        for c in sorted(leading[i], key=lambda c: c.pos) + mine:
            put(indent, c.text, c.pos[0], c.pos[0])
        body = line.text + (f"  {trailing.text}" if trailing else "")
        put(line.indent, body, line.start[0], max(line.end[0], trailing.pos[0] if trailing else 0),
            closing=line.kind == "close")
    for c in sorted(leading[n], key=lambda c: c.pos):
        put(0, c.text, c.pos[0], c.pos[0])
    return "\n".join(out) + "\n"


def strip_spans(node: Any) -> Any:
    """An AST as plain nested tuples without its spans: equal for two trees that say the same."""
    if isinstance(node, Span):
        return None
    if attrs.has(type(node)):
        return (type(node).__name__,) + tuple(strip_spans(getattr(node, f.name)) for f in attrs.fields(type(node)))
    if isinstance(node, (tuple, list)):
        return tuple(strip_spans(x) for x in node)
    return node


def same_tree(a: Any, b: Any) -> bool:
    return strip_spans(a) == strip_spans(b)


def _blank(text: str) -> bool:
    return not re.sub(r"[#＃][^\n]*", "", text).strip(" \t\r\n\u3000\ufeff")


def format_text(text: str, name: str = "<text>") -> tuple[str | None, list[Diagnostic]]:
    """The canonical text of a scheme with its comments, or None and the diagnostics (a syntax error,
    nesting too deep, or a text this printer could not reproduce: then nothing should be written)."""
    if _blank(text):
        return None, [error("E0107", "文件是空的", "the file is empty", Span(1, 1, 1, 2), name)]
    tree, problems = parse(Source(name, text))
    if tree is None:
        return None, problems
    deep = check_depth(tree, name)
    if deep:
        return None, deep
    comments, braces = scan(text)
    wanted = [c.text for c in comments]
    where = Span(1, 1, 1, 2)
    for quote in (False, True):
        try:
            out = layout(Printer(quote, braces).scheme(tree), comments, text)
        except RecursionError:
            return None, [error("E0111", "表达式或条件嵌套过深，无法格式化", "nested too deeply to format", where, name)]
        except PrintError as err:
            return None, [error("E0113", f"无法按规范格式写出：{err}", "cannot print this scheme", where, name)]
        again, _ = parse(Source(name, out))
        if again is not None and same_tree(again, tree) and [c.text for c in scan(out)[0]] == wanted:
            return out, []
    return None, [error("E0113", "规范格式的文本与原文不等价（格式化程序的缺陷），文件未改动",
                        "the formatted text would differ from the source; nothing written", where, name,
                        hint="请把这个文件报告给维护者")]


# ---------------------------------------------------------------- files
@attrs.frozen
class Formatted:
    """The outcome of formatting one file: the bytes to write (None when it cannot be formatted)."""

    source: Source | None
    old: bytes
    new: bytes | None
    diagnostics: list[Diagnostic]

    @property
    def changed(self) -> bool:
        return self.new is not None and self.new != self.old


def format_path(path: str | os.PathLike) -> Formatted:
    """Read, decode and format one file. The bytes keep the file's form: UTF-8, a BOM if it had one,
    CRLF line ends if it used them."""
    name = os.fspath(path)
    where = Span(1, 1, 1, 2)
    try:
        data = read_file(path, MAX_SCHEME_BYTES)
    except FileProblem as p:
        return Formatted(None, b"", None, [error("E0002", p.message, p.gloss, where, name)])
    try:
        text = decode(data)
    except DecodeProblem as p:
        return Formatted(None, data, None, [error("E0001", p.message, p.gloss, Span.point(p.line, p.column), name)])
    source = Source(name, text)
    out, problems = format_text(text, name)
    if out is None:
        return Formatted(source, data, None, problems)
    if "\r\n" in text:
        out = out.replace("\n", "\r\n")
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    return Formatted(source, data, bom + out.encode("utf-8"), [])


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Replace a file's contents whole (or make it): a temporary file in the same folder, renamed over it
    (through a symbolic link to its target), with the old file's permissions. Raises OSError; then the file
    is as it was."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:  # a new file: the permissions the user's umask gives
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(target) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
