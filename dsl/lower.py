"""The lowering: the checked model → the scoring IR (ir.py). The one place that decides what a
scheme means for scoring.

It is total: every attribute at every node kind, every method clause and every expression form
either becomes IR or is refused here with a located error (E05xx), so a scheme that checks clean
is scored completely, and a form the back ends do not honour can never pass `check`. Dispatch is
on closed unions (the AST's classes, the Literal kinds of attributes, clauses and methods) with
`assert_never` in the default branch: the type checker fails the build when a form is added to
the language without being lowered here.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Iterable, assert_never

import attrs

from . import ast as A
from . import ir
from . import model as M
from .diagnostics import Diagnostic, Severity, error, note
from .source import Span

# Methods every scheme has without declaring them.
BUILTIN = {"直接赋分": "direct", "direct": "direct", "是否": "yes_no", "yes_no": "yes_no"}
CROSS_FUNCTIONS = ("均值", "最大", "最小", "名次")
COUNT_UNITS = "单位数"
ALL_UNITS = "全部单位"
OWN_CLASS = "本类"  # the scope of the unit's own class
MAX_NESTING = 100  # expressions and conditions: deeper is refused (E0111), never a RecursionError
MAX_DIGITS = 60  # significant digits and exponent of a number the scoring reads (E0112)



def clause_word(kind: A.ClauseKind) -> str:
    """How a method clause is written (for messages)."""
    match kind:
        case "cap": return "上限"
        case "floor": return "下限"
        case "target": return "目标"
        case "standard": return "标准"
        case "at_most": return "最多"
        case "at_most_add": return "最多 加"
        case "at_most_deduct": return "最多 扣"
        case "step": return "每 … 扣/加"
        case "after": return "此后"
        case "short": return "不足"
        case "rest": return "其余"
        case "until_zero": return "扣完为止"
        case "whole_steps": return "整档"
        case "mean": return "平均"
        case "drop_extremes": return "去掉最高最低"
        case "promote": return "可晋档"
        case "keep": return "保留"
        case "direction": return "方向"
        case "ascending": return "升序"
        case "value": return "取值"
        case "gate": return "门槛"
        case "full": return "满分"
        case "quota": return "配额"
        case "assume": return "假定"
        case "into": return "计入"
        case _: assert_never(kind)


def attribute_effect(key: A.AttrKey) -> str:
    """What an attribute does (docs/scoring.md's table, held equal to this by a test):
    "score": changes the points of the node that carries it (or is refused there by the lowering);
    "check": checked by `kaoping check` only; "text": printed and inherited, never scored."""
    match key:
        case ("full" | "points" | "weight" | "cap" | "counts_as" | "method" | "not_summed" | "range" | "unit_items"
              | "may_negative" | "may_exceed" | "applies" | "not_applicable" | "gate" | "missing" | "optional"
              | "fields" | "value" | "shared" | "precision" | "default"):
            return "score"
        case "declare" | "locked" | "no_level2" | "exception" | "level" | "deadline":
            return "check"
        case "leader" | "owner" | "person" | "assessor" | "basis" | "remark" | "assume" | "printed_id" | "source":
            return "text"
        case _:
            assert_never(key)


# Clauses every method takes (Rule), and those each kind of method takes besides.
COMMON_CLAUSES: frozenset[A.ClauseKind] = frozenset(
    ("gate", "value", "at_most", "at_most_add", "at_most_deduct", "until_zero", "assume", "into"))
_KIND_CLAUSES: dict[str, tuple[A.ClauseKind, ...]] = {
    "tiers": ("promote",), "ratio": ("cap",), "efficacy": ("floor", "target"), "ranges": (),
    "rank": ("after", "floor", "rest"), "reverse_rank": ("after", "floor", "rest"), "steps": ("floor",),
    "count": ("quota", "step", "short", "after", "whole_steps", "floor"),
    "deviation": ("standard", "direction", "step", "whole_steps", "floor"),
    "not_below": ("step", "whole_steps", "floor"), "not_above": ("step", "whole_steps", "floor"),
    "highest": (), "panel": ("drop_extremes", "keep", "full", "mean"), "vs_best": ("full",),
    "direct": (), "yes_no": (), "sum": ("floor",),
}
KIND_CLAUSES = {k: frozenset(v) for k, v in _KIND_CLAUSES.items()}


def family(kind: A.MethodKind, m: A.Method) -> str:
    """The method family a written kind belongs to (the keys of KIND_CLAUSES and of core())."""
    match kind:
        case "clauses" | "quota":
            return "count"
        case ("tiers" | "ratio" | "efficacy" | "ranges" | "rank" | "reverse_rank" | "steps" | "deviation"
              | "highest" | "panel" | "direct" | "yes_no" | "sum" | "vs_best" | "not_below" | "not_above"):
            return kind
        case "based_on":  # resolved by Lowering.flatten before this point
            raise Refused("E0501", "沿用 的评分法未能展开", "based_on not flattened", m.span)
        case _:
            assert_never(kind)


# Which attributes only a leaf can honour (an indicator with children, a category: refused).
LEAF_ONLY = ("fields", "value", "missing", "optional", "default")


ANY_FIELDS = ("*",)  # a named method checked on its own: its 取值 may name the fields of any item using it


class Refused(Exception):
    """A form that cannot be lowered: a located error (`source`: the file, when not the user's)."""

    def __init__(self, code: str, message: str, gloss: str, span: Span, hint: str = "", source: str | None = None):
        super().__init__(message)
        self.code, self.message, self.gloss, self.span, self.hint = code, message, gloss, span, hint
        self.source = source


def _f(value: Decimal | A.Num | None) -> Fraction | None:
    return None if value is None else _fr(value)


def _fr(value: Decimal | A.Num) -> Fraction:
    if isinstance(value, A.Num):
        value = value.value
    try:
        return _FRACTIONS[value]
    except (KeyError, TypeError):  # TypeError: a value that cannot be hashed (a signalling NaN)
        pass
    exact = Fraction(value)
    if len(_FRACTIONS) < 4096:
        _FRACTIONS[value] = exact  # equal numbers hash alike and give equal fractions: the cache is exact
    return exact


_ZERO = Fraction(0)
_FRACTIONS: dict = {}  # Decimal → Fraction: a scheme writes a handful of amounts thousands of times


def _num_text(num: A.Num) -> str:
    if num.percent:
        return f"{num.value * 100:f}".rstrip("0").rstrip(".") + "%" if "." in f"{num.value * 100:f}" \
            else f"{num.value * 100:f}%"
    text = f"{num.value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _source(place: M.Place) -> str:
    return f"{place.source}:{place.span.line}"


def _depth(node) -> int:
    """Nesting depth of an expression or condition, without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > MAX_NESTING:
            return deepest
        if isinstance(n, (A.BinOp, A.Compare)):
            stack += [(n.left, d + 1), (n.right, d + 1)]
        elif isinstance(n, A.Neg):
            stack.append((n.operand, d + 1))
        elif isinstance(n, A.Call):
            stack += [(a, d + 1) for a in n.args]
        elif isinstance(n, A.BoolOp):
            stack += [(c, d + 1) for c in n.items]
        elif isinstance(n, A.Not):
            stack.append((n.item, d + 1))
        elif isinstance(n, A.Contains):
            stack.append((n.subject, d + 1))
    return deepest


def _shallow(node, span: Span, source: str | None = None) -> None:
    if _depth(node) > MAX_NESTING:
        raise Refused("E0111", f"表达式或条件嵌套过深（超过 {MAX_NESTING} 层）", "nested too deeply", span,
                      "请拆成几个 得分 公式", source)


def _number(value: Decimal, span: Span, source: str | None = None) -> Fraction:
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or len(digits) > MAX_DIGITS or abs(exponent) > MAX_DIGITS:
        raise Refused("E0112", f"数字过长（有效数字和指数都不能超过 {MAX_DIGITS} 位）", "number too long", span,
                      source=source)
    return Fraction(value)


class Lowering:
    """Collects located errors while lowering one scheme."""

    def __init__(self, scheme: M.Scheme):
        self.s = scheme
        self.diags: list[Diagnostic] = []
        self.methods = {n: m for n, m in scheme.methods.items()}
        self.keys = {n.key for r in (*scheme.roots, *scheme.unit_blocks) for n in r.walk()}
        self.yes_no_fields: set[str] = set()  # the 输入项 declared 是否 of the leaf being lowered
        self.named_rules: dict[str, ir.Rule] = {}  # a named method's rule for leaves without 输入项 (frozen: shared)
        self.tops = {id(n) for n in (*scheme.roots, *scheme.unit_blocks)}  # nodes no sum of the tree holds
        self.decimals = self.decimal_rule()

    def decimal_rule(self) -> tuple[tuple[tuple[str | None, Fraction | None, int], ...], str | None] | None:
        """小数 { 分值 <= 5: 2 位, … } [rounding]: ((op, bound, places), …) in order, the rounding of a
        reported score with more decimals (None: refused). One statement; nothing after 其余."""
        if not self.s.decimals:
            return None
        (first, src), *others = self.s.decimals
        for again, again_src in others:
            self.refuse(Refused("E0312", "小数 规则只写一条", "one decimals statement", again.span,
                                "把各行写进同一个 小数 { … }"), again_src)
        rows = []
        for i, r in enumerate(first.rows):
            if r.bound is None and i != len(first.rows) - 1:
                self.refuse(Refused("E0312", "“其余”要写在 小数 规则的最后一行", "otherwise comes last", r.span), src)
            rows.append((r.op, _f(r.bound), r.places))
        return tuple(rows), first.rounding

    def places_for(self, points: Fraction) -> tuple[int, str | None] | None:
        """The decimals an item of these points may carry (the first row it meets), with the rounding."""
        if self.decimals is None:
            return None
        rows, rounding = self.decimals
        for op, bound, places in rows:
            if bound is None or _meets(op, points, bound):
                return places, rounding
        return None

    def check_places(self, node: M.Node) -> None:
        """An indicator's or item's declared points within its own 小数 row (E0311)."""
        if node.kind == M.CATEGORY or node.declared is None or node.points_place is None:
            return
        points = _fr(node.declared)
        rule = self.places_for(points)
        if rule is not None and (points * 10 ** rule[0]).denominator != 1:
            raise Refused("E0311", f"{node.key} 的分值 {node.declared} 超过 小数 规则允许的 {rule[0]} 位小数",
                          "declared points carry too many decimals", node.points_place.span,
                          "按 小数 规则改写分值", node.points_place.source)

    def refuse(self, err: Refused, source: str) -> None:
        diag = error(err.code, err.message, err.gloss, err.span, err.source or source, hint=err.hint)
        if diag not in self.diags:  # a named method used by many items is refused once
            self.diags.append(diag)

    # ------------------------------------------------------------ expressions
    def expr(self, e: A.Expr, where: str, fields: tuple[str, ...] | None = None) -> ir.Expr:
        """An expression in a formula (where="formula") or in 取值/标准 of a leaf (where="leaf", with
        the leaf's input fields). Names are resolved here: what each one is decides how it is read."""
        if isinstance(e, A.Num):
            return ir.Const(_number(e.value, e.span), _num_text(e))
        if isinstance(e, A.Ref):
            return self.name(e.name, e.span, where, fields)
        if isinstance(e, A.ItemRef):
            if where != "formula":
                raise Refused("E0503", "这里不能直接引用指标的得分（会形成先后循环）；可用 均值(指标 X, 范围) 等跨单位函数",
                              "no item scores here", e.span)
            return ir.Ref(e.id, "node")
        if isinstance(e, A.AttrRef):
            return ir.Const(self.attr_value(e), f"{e.name}.{e.attr}")
        if isinstance(e, A.BinOp):
            return ir.Bin(e.op, self.expr(e.left, where, fields), self.expr(e.right, where, fields))
        if isinstance(e, A.Neg):
            return ir.Neg(self.expr(e.operand, where, fields))
        if isinstance(e, A.Call):
            if e.func in ("较大", "较小"):
                return ir.Pick(e.func == "较大", tuple(self.expr(a, where, fields) for a in e.args))
            if e.func in CROSS_FUNCTIONS + (COUNT_UNITS,):
                return self.cross(e, where, fields)
            if e.func in ("分值", "计数") and e.args and all(isinstance(a, A.Ref) for a in e.args):
                return ir.Const(self.static(e), f"{e.func}(…)")
            raise Refused("E0503", f"函数 {e.func} 不能用于评分", f"{e.func} is not a scoring function", e.span)
        if isinstance(e, A.External):
            raise Refused("E0503", "外部 只能单独作为一个公式的全部", "外部 stands alone", e.span)
        assert_never(e)

    def name(self, name: str, span: Span, where: str, fields: tuple[str, ...] | None) -> ir.Expr:
        s = self.s
        if fields is not None and (name in fields or fields == ANY_FIELDS):
            return ir.Field(name, name in self.yes_no_fields)
        if where in ("leaf", "node"):
            if name in s.inputs:
                return ir.Value(name)
            raise Refused("E0503", f"这里只能用本指标的输入项、输入和数字（“{name}”不是）",
                          "only the item's fields, inputs and numbers here", span,
                          f"输入项：{'、'.join(fields)}" if fields else "")
        if name in s.inputs:
            return ir.Ref(name, "input")
        if name in s.groups:
            return ir.Ref(name, "group")
        if name in s.formulas or any(f.name == name for c in s.classes.values() for f in c.formulas):
            return ir.Ref(name, "formula")
        return ir.Ref(name, "node")  # a category or an id (the checker has reported unknown names)

    def cross(self, e: A.Call, where: str, fields) -> ir.Cross:
        if e.func == COUNT_UNITS:  # 单位数([范围]): how many units are scored together (in the scope)
            if len(e.args) > 1 or (e.args and not isinstance(e.args[0], A.Ref)):
                raise Refused("E0207", "单位数([范围]) 的参数不对", "wrong arguments", e.span)
            return self.scoped(e, "", e.args[0] if e.args else None, None)
        first = e.args[0] if e.args else None
        if isinstance(first, A.ItemRef):  # 均值(指标 3-4, 专业部门): an indicator's points
            first = A.Ref(first.id, first.span)
        if not isinstance(first, A.Ref):
            raise Refused("E0503", f"{e.func}(…) 的第一个参数须是一个名称（得分、输入或类别）",
                          "cross-unit functions take a name first", e.span)
        if len(e.args) > 2 or (len(e.args) == 2 and not isinstance(e.args[1], A.Ref)):
            raise Refused("E0207", f"{e.func}(名称[, 范围]) 的参数不对", "wrong arguments", e.span)
        if where == "leaf" and first.name not in self.s.inputs:
            raise Refused("E0503", f"取值/标准/条件中的 {e.func}(…) 只能作用于输入（“{first.name}”不是输入）",
                          "cross-unit functions in a leaf read inputs", first.span)
        if where == "node" and first.name not in self.s.inputs and first.name not in self.keys:
            raise Refused("E0503", f"{e.func}(…) 在这里只能作用于输入和指标、类别的得分（“{first.name}”不是）",
                          "cross-unit functions here read inputs and node points", first.span)
        own = self.name(first.name, first.span, "formula", None) if e.func == "名次" else None
        return self.scoped(e, first.name, e.args[1] if len(e.args) == 2 else None, own)

    def scoped(self, e: A.Call, name: str, scope: A.Expr | None, own: ir.Expr | None) -> ir.Cross:
        """The scope of a cross-unit function: all units, a class, or 本类 (the unit's own class)."""
        word = scope.name if isinstance(scope, A.Ref) else None
        if word is not None and word not in (ALL_UNITS, OWN_CLASS) and word not in self.s.classes:
            raise Refused("E0204", f"范围“{word}”不是单位类别，也不是 全部单位、本类", "unknown scope", e.span)
        own_class = word == OWN_CLASS and bool(self.s.classes)
        return ir.Cross(e.func, name, None if word in (None, ALL_UNITS, OWN_CLASS) else word, own, own_class)

    def static(self, e: A.Call) -> Fraction:
        """分值(X): X's points; 计数(X, Y …): how many leaf indicators they hold (fixed by the scheme)."""
        nodes = {n.key: n for r in self.s.roots for n in r.walk()}
        found = [nodes[a.name] for a in e.args if isinstance(a, A.Ref) and a.name in nodes]
        if len(found) != len(e.args):
            raise Refused("E0204", f"{e.func}(…) 的参数须是类别或指标", "arguments must be categories or indicators",
                          e.span)
        if e.func == "计数":
            return Fraction(sum(len(n.leaves()) for n in found))
        return Fraction(found[0].points or 0)

    def attr_value(self, e: A.AttrRef) -> Fraction:
        s = self.s
        if e.name in s.groups and e.attr == "上限" and s.groups[e.name].cap is not None:
            return Fraction(s.groups[e.name].cap)
        if e.name in s.inputs and e.attr == "满分" and s.inputs[e.name].full is not None:
            return Fraction(s.inputs[e.name].full)
        node = self.s.categories().get(e.name) or next(
            (n for r in s.roots for n in r.walk() if n.key == e.name), None)
        if node is not None and e.attr in ("满分", "分值") and node.points is not None:
            return Fraction(node.counts_as if node.kind == M.CATEGORY and node.counts_as is not None
                            else node.points)
        raise Refused("E0503", f"“{e.name}.{e.attr}”没有值", "attribute has no value", e.span)

    # ------------------------------------------------------------ conditions
    def cond(self, c: A.Cond, what: str, late: bool = False) -> ir.Cond:
        """A condition. `late`: decided after the unit's formulas (否决), so it may read any value of the
        unit; else (门槛, 适用, 免扣) it reads reported facts, inputs and cross-unit values of inputs."""
        if isinstance(c, A.Has):
            return ir.Has(c.name)
        if isinstance(c, A.BoolOp):
            items = tuple(self.cond(x, what, late) for x in c.items)
            return ir.All(items) if c.op == "and" else ir.AnyOf(items)
        if isinstance(c, A.Not):
            return ir.Not(self.cond(c.item, what, late))
        if isinstance(c, A.Compare):
            return ir.Cmp(c.op, self.operand(c.left, what, late), self.operand(c.right, what, late))
        if isinstance(c, A.Contains):
            raise Refused("E0503", f"{what}中不能用 含/不含（它只用于规则检查指标文字）", "contains is for rules",
                          c.span)
        if isinstance(c, A.AllAre):
            raise Refused("E0503", f"{what}中不能用“全部 … 为 …”（它只用于 性质 和 期望）", "all-are is for properties",
                          c.span)
        if isinstance(c, A.Vetoed):
            raise Refused("E0503", f"{what}中不能用“否决 …”（它只用于 性质 和 期望）", "vetoed is for properties",
                          c.span)
        assert_never(c)

    def operand(self, e: A.Expr, what: str, late: bool) -> ir.Expr:
        """A compared value: numbers, arithmetic, 较大/较小, cross-unit functions, and names — a name the
        scheme declares is its computed value when `late`, else a reported fact (满意率 < 60%)."""
        if isinstance(e, A.Num):
            return ir.Const(_number(e.value, e.span), _num_text(e))
        if isinstance(e, A.Ref):
            declared = self.name(e.name, e.span, "formula", None)
            if late and not (isinstance(declared, ir.Ref) and declared.of == "node" and e.name not in self.keys):
                return declared
            return ir.Value(e.name)
        if isinstance(e, A.BinOp):
            return ir.Bin(e.op, self.operand(e.left, what, late), self.operand(e.right, what, late))
        if isinstance(e, A.Neg):
            return ir.Neg(self.operand(e.operand, what, late))
        if isinstance(e, A.Call) and e.func in ("较大", "较小"):
            return ir.Pick(e.func == "较大", tuple(self.operand(a, what, late) for a in e.args))
        if isinstance(e, A.Call) and e.func in CROSS_FUNCTIONS + (COUNT_UNITS,):
            return self.cross(e, "formula" if late else "leaf", None)
        if isinstance(e, A.ItemRef) and late:
            return ir.Ref(e.id, "node")
        raise Refused("E0503", f"{what}中不能用这种写法（可用：数字、结果中的值、输入、四则运算、较大/较小、均值/最大/最小/名次/单位数）",
                      f"{what}: not a value here", getattr(e, "span", Span(1, 1, 1, 1)))

    def attempt(self, lower, source: str):
        """lower(), or None with its error reported (so that every error of a node is reported)."""
        try:
            return lower()
        except Refused as err:
            self.refuse(err, source)
            return None

    def conditions(self, node: M.Node, leaf: bool) -> ir.Conditions | None:
        """适用, 门槛 (with 统一门槛 on leaves), 免扣 of a node; each refused form is reported."""
        x = node.extra
        gates = [self.attempt(lambda g=g: self.checked_cond(g.cond, g.span, "统一门槛"), src)
                 for g, src in (self.s.gates if leaf else ())]
        if "gate" in x:
            cond, place = x["gate"]
            gates.append(self.attempt(lambda: self.checked_cond(cond, place.span, "门槛"), place.source))
        applies = None
        na: tuple[str, Fraction | None] = ("zero", _ZERO)
        if "applies" in x:
            cond, place = x["applies"]
            applies = self.attempt(lambda: self.checked_cond(cond, place.span, "适用"), place.source)
        if "not_applicable" in x:
            (policy, amount), na_place = x["not_applicable"]
            if "applies" not in x and "unit_items" not in x:
                self.refuse(Refused("E0501", "写了 不适用 却没有 适用 条件", "not_applicable without applies",
                                    na_place.span), na_place.source)
            elif policy == "rescale" and id(node) in self.tops:
                self.refuse(Refused("E0503", "顶层类别没有同级的下级合计可折算：不适用 折算 写在有上级的类别或指标上"
                                    "（或写 不适用 计 N、不适用 满分）", "rescale needs a parent sum", na_place.span),
                            na_place.source)
            na = (policy, _f(amount))
        exempt = self.exempt_of(node.key)
        present = [g for g in gates if g is not None]
        if not present and applies is None and exempt is None:
            return None
        gate = None if not present else present[0] if len(present) == 1 else ir.All(tuple(present))
        return ir.Conditions(applies, na, gate, exempt)

    def exempt_of(self, name: str) -> ir.Cond | None:
        """免扣 NAME 若 …: several for one name hold when any of them does."""
        if not self.s.exempts:
            return None
        conds = [self.attempt(lambda e=e: self.checked_cond(e.cond, e.span, "免扣"), src)
                 for e, src in self.s.exempts if e.name.text == name]
        present = [c for c in conds if c is not None]
        return None if not present else present[0] if len(present) == 1 else ir.AnyOf(tuple(present))

    def check_exempts(self) -> None:
        """免扣 names a 扣分组 or a category; anything else is refused where it is written."""
        categories = self.s.categories()
        for e, src in self.s.exempts:
            name = e.name.text
            if name in self.s.groups and self.s.groups[name].kind != "deduct":
                self.refuse(Refused("E0503", f"免扣 只用于扣分组，“{name}”是加分组", "exempt a deduction group",
                                    e.name.span), src)
            elif name not in self.s.groups and name not in categories:
                self.refuse(Refused("E0204", f"免扣 的“{name}”不是扣分组，也不是类别", "exempt what?", e.name.span,
                                    "免扣 写扣分组或类别的名称"), src)

    # ------------------------------------------------------------ methods
    def rule(self, method: A.Method | str | None, source: str, leaf_fields: tuple[str, ...] | None,
             entry_of: M.Group | None = None) -> ir.Rule:
        """The rule of a leaf or a group entry: its method (named, inline or 直接赋分) with its clauses."""
        if method is None or (isinstance(method, str) and method in BUILTIN):
            kind = BUILTIN.get(method or "直接赋分", "direct")
            return _DIRECT if kind == "direct" else ir.Rule(ir.YesNo(), None, None, False, None, None, None, False)
        if isinstance(method, str):
            if method not in self.methods:  # E0206, reported by the checker
                return _DIRECT
            shared = leaf_fields is None and entry_of is None  # the same for every leaf that names it
            if shared and method in self.named_rules:
                return self.named_rules[method]
            named = self.methods[method]
            before = len(self.diags)
            try:
                kind, table, clauses = self.flatten(named.method, ())
                lowered = self.method_rule(kind, table, clauses, named.method, leaf_fields, entry_of)
            except Refused as err:
                err.source = err.source or named.place.source
                raise
            if shared and len(self.diags) == before:
                self.named_rules[method] = lowered
            return lowered
        kind, table, clauses = self.flatten(method, ())
        return self.method_rule(kind, table, clauses, method, leaf_fields, entry_of)

    def flatten(self, m: A.Method, seen: tuple[str, ...]) -> tuple[A.MethodKind, tuple[A.Row, ...],
                                                                   tuple[A.Clause, ...]]:
        """沿用 X …: X's kind and table, X's clauses then this one's (gates combine with 且)."""
        if m.kind != "based_on":
            return m.kind, m.table, tuple(m.clauses)
        base = m.arg.text
        if base in seen or base not in self.methods:
            raise Refused("E0206" if base not in self.methods else "E0501",
                          f"沿用的评分法“{base}”" + ("未定义" if base not in self.methods else "形成循环"),
                          "base method undefined or cyclic", m.arg.span)
        kind, table, clauses = self.flatten(self.methods[base].method, seen + (base,))
        return kind, table, clauses + tuple(m.clauses)

    def method_rule(self, kind: A.MethodKind, table: tuple[A.Row, ...], clauses: tuple[A.Clause, ...], m: A.Method,
                    fields: tuple[str, ...] | None, entry_of: M.Group | None) -> ir.Rule:
        c: dict[A.ClauseKind, A.Clause] = {}
        gates: list[ir.Cond] = []
        for clause in clauses:
            if clause.kind == "gate":
                _shallow(clause.value, clause.span)
                gates.append(self.cond(clause.value, "门槛"))
            elif clause.kind == "assume":
                continue
            elif clause.kind in c:
                raise Refused("E0501", f"评分法的子句“{clause_word(clause.kind)}”写了两次",
                              "clause given twice", clause.span)
            else:
                c[clause.kind] = clause
        fam = family(kind, m)
        allowed = KIND_CLAUSES[fam] | COMMON_CLAUSES
        for name, clause in c.items():
            if name not in allowed:
                raise Refused("E0503", f"子句“{clause_word(name)}”对这种评分法不起作用",
                              f"clause {name} does nothing for a {fam} method", clause.span,
                              "可用的子句：" + "、".join(clause_word(k) for k in sorted(allowed) if k != "assume"))
        self.check_table(fam, table, m)
        core = self.core(fam, table, c, m, entry_of)
        value = None
        if "value" in c:
            _shallow(c["value"].value, c["value"].span)
            value = self.expr(c["value"].value, "leaf", fields)
        if entry_of is not None and isinstance(core, ir.Count) and core.step is not None \
                and core.quota is None and core.step[1] != ("deduct" if entry_of.kind == "deduct" else "add"):
            word, other = ("扣", "加") if entry_of.kind == "deduct" else ("加", "扣")
            raise Refused("E0504", f"{'扣分组' if entry_of.kind == 'deduct' else '加分组'}“{entry_of.name}”中的项目写了“{other}”",
                          "the entry's direction contradicts its group", c["step"].span,
                          f"组内金额一律写正数、用“{word}”：如 每次 {word} 3；方向由组和公式决定")
        if entry_of is not None and isinstance(core, ir.Count) and core.step is not None and core.quota is None:
            core = ir.Count(None, (core.step[0], "add", core.step[2]), None, None, core.whole, True)
        base_zero = _starts_from_zero(core) or entry_of is not None
        at_most = _f(c["at_most"].value) if "at_most" in c else None
        add = _f(c["at_most_add"].value) if "at_most_add" in c else at_most
        deduct = _f(c["at_most_deduct"].value) if "at_most_deduct" in c else at_most
        if isinstance(core, (ir.Levels, ir.Parts)):  # these cap their added and deducted parts apart
            core = _with_caps(core, add, deduct)
            add = deduct = None
        floor = _f(c["floor"].value) if "floor" in c and fam != "efficacy" else None
        gate = None if not gates else gates[0] if len(gates) == 1 else ir.All(tuple(gates))
        into = self.into(c["into"], entry_of) if "into" in c else None
        return ir.Rule(core, gate, value, base_zero, add, deduct, floor, "until_zero" in c, into)

    def into(self, clause: A.Clause, entry_of: M.Group | None) -> str:
        """计入 G: the points above the rule's start go to the bonus group G, apart from the item's own."""
        name: A.Name = clause.value
        if entry_of is not None:
            raise Refused("E0503", "组内项目的得分已计入本组，不再写 计入", "an entry is already its group's",
                          clause.span)
        group = self.s.groups.get(name.text)
        if group is None:
            raise Refused("E0204", f"计入 的“{name.text}”不是加分组", "into: not a bonus group", name.span,
                          f"先声明 加分组 {name.text}，公式中写它的名称")
        if group.kind == "deduct":
            raise Refused("E0504", f"“{name.text}”是扣分组，超出部分只能计入加分组", "into a deduction group",
                          name.span, f"写 加分组 {name.text}")
        return name.text

    @staticmethod
    def check_table(kind: str, table: tuple[A.Row, ...], m: A.Method) -> None:
        rows_of = {"tiers": {"name"}, "ranges": {"interval", "rest"}, "rank": {"number"},
                   "reverse_rank": {"number"}, "steps": {"count"}, "highest": {"name", "name_count"}, "sum": {"name"}}
        if table and kind not in rows_of:
            raise Refused("E0501", "这种评分法不带表格", "this method takes no table", table[0].span)
        for row in table:
            if row.key_kind not in rows_of[kind]:
                raise Refused("E0501", "表格的这一行与评分法的类型不符", "row does not fit this method", row.span)
            if row.value_kind == "step" and (kind != "sum" or row.value.table or row.value.effect is None):
                raise Refused("E0501", "“每次 扣/加 …”只能写在 合计 的表格中", "a step row belongs to 合计", row.span)
            if row.value_kind in ("deduct", "add") and kind == "highest":
                raise Refused("E0501", "取最高 的每一行写得分（如 国家级 3），不写 扣/加", "highest rows give points",
                              row.span)
        if kind in ("tiers", "ranges", "rank", "reverse_rank", "steps", "highest", "sum") and not table:
            raise Refused("E0501", "这种评分法需要一个表格，如 { 一档 100%, 二档 90% }", "this method needs a table",
                          m.span)

    def core(self, kind: str, table: tuple[A.Row, ...], c: dict[A.ClauseKind, A.Clause], m: A.Method,
             entry_of: M.Group | None) -> ir.Method:
        if kind == "tiers":
            return ir.Tiers(tuple((r.key, *_amount(r)) for r in table), c["promote"].value if "promote" in c else 0)
        if kind == "ratio":
            return ir.Ratio(_fr(c["cap"].value) if "cap" in c else Fraction(1))
        if kind == "efficacy":
            low, target = _fr(_need(c, "floor", m, "下限").value), _fr(_need(c, "target", m, "目标").value)
            if target <= low:
                raise Refused("E0501", "功效法的目标值应大于下限", "target must exceed the floor", m.span)
            return ir.Efficacy(low, target)
        if kind == "ranges":
            intervals, rest = [], None
            for r in table:
                if r.key_kind == "rest":
                    rest = _amount(r)
                else:
                    iv = r.key
                    intervals.append((_fr(iv.low), _fr(iv.high), iv.low_closed, iv.high_closed, *_amount(r)))
            _check_intervals(intervals, m)
            return ir.Ranges(tuple(intervals), rest)
        if kind in ("rank", "reverse_rank"):
            rest = (("share" if c["rest"].value.percent else "points"), _fr(c["rest"].value)) if "rest" in c else None
            return ir.Rank(kind == "reverse_rank", tuple((int(r.key), *_amount(r)) for r in table),
                           _step(c["after"].value) if "after" in c else None, rest)
        if kind == "steps":
            return ir.Steps(tuple((r.key[0], r.key[2], *_amount(r)) for r in table))
        if kind == "count":
            quota = c.get("quota")
            if (quota is not None and isinstance(quota.value[0], tuple)) or any(
                    k in c and c[k].value.table for k in ("step", "short", "after")):
                return self.levels(c, quota)
            step = c.get("step")
            if quota is None and step is None:
                raise Refused("E0501", "评分法缺少“每 … 扣/加 …”或“配额”", "method needs a step or a quota", m.span)
            if quota is None and ("short" in c or "after" in c):
                raise Refused("E0501", "不足/此后 要和 配额 一起写", "short/after need a quota",
                              (c.get("short") or c["after"]).span)
            if quota is not None and step is not None:
                raise Refused("E0501", "有配额时写 不足 … / 此后 …，不写单独的 每 …", "a quota takes short/after",
                              step.span)
            return ir.Count(_number(quota.value[0], quota.span) if quota else None,
                            _step(step.value) if step else None,
                            _step(c["short"].value) if "short" in c else None,
                            _step(c["after"].value) if "after" in c else None, "whole_steps" in c,
                            step is not None and step.value.effect == "add")
        if kind in ("deviation", "not_below", "not_above"):
            if kind == "deviation":
                std = _need(c, "standard", m, "标准")
                _shallow(std.value, std.span)
                standard = self.expr(std.value, "leaf", None)
                below = c["direction"].value != "not_above" if "direction" in c else True
            else:
                standard = ir.Const(_fr(m.arg), _num_text(m.arg))
                below = kind == "not_below"
            return ir.Deviation(standard, below, _step(_need(c, "step", m, "每 … 扣 …").value), "whole_steps" in c)
        if kind == "highest":
            levels = []
            for r in table:
                name, need = (r.key, 1) if r.key_kind == "name" else (r.key[0], r.key[1])
                levels.append((name, need, *_amount(r)))
            return ir.Highest(tuple(levels))
        if kind == "panel":
            return ir.Panel("drop_extremes" in c, c["keep"].value if "keep" in c else None,
                            _f(c["full"].value) if "full" in c else None)
        if kind == "vs_best":
            return ir.VsBest(ir.Cross("最大", "#", None, None), _f(c["full"].value) if "full" in c else None)
        if kind == "direct":
            return ir.Direct()
        if kind == "yes_no":
            return ir.YesNo()
        if kind == "sum":
            parts = []
            for r in table:
                effect, amount = _amount(r)
                if effect not in ("deduct", "add"):
                    raise Refused("E0501", "合计的每一项写成 名称: 每次 扣/加 N", "a part: each time deduct/add N",
                                  r.span)
                parts.append((r.key, effect, amount))
            return ir.Parts(tuple(parts), None, None)
        raise Refused("E0503", f"评分法类型“{kind}”尚不支持评分", f"method kind {kind} is not supported", m.span)

    @staticmethod
    def levels(c: dict[A.ClauseKind, A.Clause], quota: A.Clause | None) -> ir.Levels:
        rows = quota.value[0] if quota is not None and isinstance(quota.value[0], tuple) else None
        if quota is not None and rows is not None and any(r.key_kind != "name" or r.value_kind != "amount"
                                                          for r in rows):
            raise Refused("E0501", "分级配额的每一行写成 级别 数量，如 { 省级 2, 市级 4 }", "quota rows: level count",
                          quota.span)
        if quota is not None and rows is None:
            raise Refused("E0501", "按级别加减分时，配额也要按级别写，如 配额 { 省级 2, 市级 4 }",
                          "a per-level method takes a per-level quota", quota.span)
        steps = {k: _level_steps(c[k].value) if k in c else None for k in ("step", "short", "after")}
        levels = list(dict.fromkeys([r.key for r in rows or ()] + [name for table in steps.values() if table
                                                                     for name, _s in table if name != "*"]))
        return ir.Levels(tuple(levels), tuple((r.key, Fraction(r.value.value)) for r in rows) if rows else None,
                         steps["step"], steps["short"], steps["after"], "whole_steps" in c, None, None)

    # ------------------------------------------------------------ the tree
    def node(self, node: M.Node) -> ir.Node:
        """A node of the tree; a refused attribute is reported and its children are still lowered
        (every error of the scheme at once)."""
        x = node.extra
        source = _source(node.place)
        try:
            self.check_places(node)
            conditions = self.conditions(node, node.is_leaf)
            if node.is_leaf:
                return self.leaf(node, source, conditions)
            for key in LEAF_ONLY:
                if key in x:
                    raise Refused("E0503", f"“{_ATTR_WORDS[key]}”只对末级指标起作用（{node.key} 有下级）",
                                  f"{key} acts on leaves only", x[key][1].span, source=x[key][1].source)
        except Refused as err:
            self.refuse(err, node.place.source)
            conditions = None
            if node.is_leaf:
                return ir.Leaf(node.key, node.kind, node.text, source, None, _DIRECT, None, None, False, None,
                               False, None, None, True, None, None, False)
        children = tuple(self.node(c) for c in node.children)
        if "unit_items" in x:  # 单位自列: each unit's own items replace it, per unit (run())
            return self.sum(node, source, (), conditions)
        if node.kind == M.CATEGORY and not node.has_leaves():
            if "method" in x and x["method"][1].source == self.s.source:
                self.diags.append(note(
                    "N0503", f"类别 {node.key} 未列出指标：它的评分法由将来列出的指标继承，现在按填报的类别得分计",
                    "no indicator uses this method yet", x["method"][1].span, x["method"][1].source))
            fallback = self.sum(node, source, children, None) if node.children else None
            # a reported score is at most what the category declares: its points, its 上限, its 计分
            limits = [v for v in (_f(node.points), _f(node.cap), _f(node.counts_as)) if v is not None]
            return ir.Open(node.key, node.kind, node.text, source, min(limits) if limits else None, fallback,
                           conditions, node.points is not None)
        return self.sum(node, source, children, conditions)

    def sum(self, node: M.Node, source: str, children: tuple[ir.Node, ...],
            conditions: ir.Conditions | None) -> ir.Sum:
        x = node.extra
        declared, cap = _f(node.declared), _f(node.cap)
        if "may_exceed" in x:
            declared = None
        limit, word = (cap, "上限") if cap is not None and (declared is None or cap < declared) else (declared, "满分")
        low = _ZERO if node.kind != M.CATEGORY and "may_negative" not in x else None
        if node.value_range is not None:
            low, high = _fr(node.value_range[0]), _fr(node.value_range[1])
            if limit is None or high < limit:
                limit, word = high, "范围"
        counts_as = _f(node.counts_as) if node.kind == M.CATEGORY else None
        return ir.Sum(node.key, node.kind, node.text, source, _f(node.points), children,
                      tuple("not_summed" not in c.flags for c in node.children), limit, word, low, counts_as,
                      _precision(node), conditions)

    def leaf(self, node: M.Node, source: str, conditions: ir.Conditions | None) -> ir.Leaf:
        x = node.extra
        fields = tuple(f.name.text for f in x["fields"][0]) if "fields" in x else None
        self.yes_no_fields = {f.name.text for f in x["fields"][0] if f.kind == "bool"} if "fields" in x else set()
        rule = self.rule(node.inline_method or node.method, node.place.source, fields)
        value = None
        if "value" in x:
            expr, place = x["value"]
            _shallow(expr, place.span, source=place.source)
            value = self.expr(expr, "leaf", fields)
            if rule.value is not None:
                raise Refused("E0501", "取值 写了两次（指标上一次，评分法中一次）", "value given twice", place.span, source=place.source)
        elif rule.value is not None:
            value, rule = rule.value, attrs.evolve(rule, value=None)
        if fields is not None and value is None:
            raise Refused("E0501", "声明了输入项，还要用 取值 说明怎样算出评分的值", "fields need a value",
                          x["fields"][1].span, source=x["fields"][1].source)
        if fields is not None and value is not None and not any(isinstance(n, ir.Field) for n in _walk(value)):
            raise Refused("E0501", "取值 没有用到任何输入项", "the value uses no field", x["value"][1].span,
                          source=x["value"][1].source)
        default = _f(node.default)
        default_expr = None
        if "missing" in x:
            expr, place = x["missing"]
            if default is not None:
                raise Refused("E0208", "默认 与 缺失 取 只写一个", "default given twice", place.span, source=place.source)
            if isinstance(expr, A.Num):
                default = _number(expr.value, place.span, source=place.source)
            else:  # 缺失 取 均值(指标 3-5, 全部单位): 「未新进人员的，按全市平均分得分」
                _shallow(expr, place.span, source=place.source)
                default_expr = self.expr(expr, "node")
        weight = _f(node.points)
        low: Fraction | None = _ZERO
        high = weight
        if node.value_range is not None:
            low, high = _f(node.value_range[0]), _f(node.value_range[1])
        if "may_negative" in x:
            low = None
        if "may_exceed" in x:
            high = None
        cap = _f(node.cap)
        if cap is not None:
            high = cap if high is None else min(high, cap)
        plain = node.value_range is None and not ({"may_negative", "may_exceed"} & x.keys()) and cap is None
        if isinstance(rule.method, ir.VsBest):  # the best of this item's own values
            rule = attrs.evolve(rule, method=attrs.evolve(rule.method, best=ir.Cross("最大", "#" + node.key, None, None)))
        reported = value is None or fields is not None
        pure = (rule.gate is None and value is None and rule.into is None
                and not isinstance(rule.method, (ir.VsBest, ir.Deviation)))
        places = self.places_for(weight) if weight is not None and isinstance(rule.method, ir.Direct) else None
        return ir.Leaf(node.key, node.kind, node.text, source, weight, rule, low, high,
                       plain and isinstance(rule.method, ir.Direct), default, "optional" in x, fields, value,
                       reported, _precision(node), conditions, pure, default_expr, places)

    # ------------------------------------------------------------ the scheme
    def run(self) -> ir.Program | None:
        s = self.s
        tree = self.each(s.roots, lambda r: self.node(r), lambda r: r.place.source)
        blocks: dict[str, list[ir.Node]] = {}
        listed = self.listed()
        sections: dict[str, list[tuple[str, ir.Node]]] = {}
        for b in s.unit_blocks:
            lowered = self.each([b], lambda r: self.node(r), lambda r: r.place.source)
            if b.kind == M.CATEGORY and b.key in listed:  # a unit's own items of a 单位自列 section
                self.check_member(b, listed[b.key][0])
                sections.setdefault(b.unit or "", []).extend((b.key, n) for n in lowered)
                continue
            blocks.setdefault(b.unit or "", []).extend(lowered)
        owned = {u: blocks.get(u, []) + [n for _k, n in sections.get(u, [])] for u in sorted({*blocks, *sections})}
        groups = self.each(s.groups.values(), self.group, lambda g: g.place.source)
        views = self.views()
        vetoes = self.each(s.vetoes, lambda v: ir.Veto(v[0].name.text, self.checked_cond(v[0].cond, v[0].span, "否决", True),
                                                      v[0].effect == "exclude", v[0].grade.text), lambda v: v[1])
        self.check_exempts()
        quotas = self.quotas(s.grades)
        inputs = self.each(s.inputs.values(), self.input, lambda i: i.place.source)
        if any(d.severity is Severity.ERROR for d in self.diags):
            return None
        all_nodes = list(ir.walk_nodes(tree)) + [n for b in owned.values() for n in ir.walk_nodes(b)]
        stages, own = self.stages(tree, owned, views, groups, vetoes)
        if stages is None:
            return None
        known = {n.key for n in ir.walk_nodes(tree)} | set(s.inputs) | set(s.groups)
        known |= {f.name for v in views for f in v.every}
        known |= _fact_names(all_nodes, groups, vetoes)
        known |= {n.name for lf in all_nodes if isinstance(lf, ir.Leaf) and lf.value is not None
                  for n in _walk(lf.value) if isinstance(n, ir.Value)}
        grades = s.grades
        ranking = ir.Ranking(
            bool(s.ranking and s.ranking.by_class), bool(s.ranking and s.ranking.ascending),
            tuple((g.name.text, g.op, _f(g.bound)) for g in grades.grades) if grades else (),
            quotas,
            tuple(vetoes))
        meta = (("title", s.title), ("year", s.year), ("source", s.source), ("templates", tuple(s.chain)),
                ("docno", s.meta.get("docno")), ("total", Fraction(s.total())),
                ("leaves", tuple(n.key for r in s.roots for n in r.leaves())), ("classes", tuple(s.classes)),
                ("inputs", tuple(s.inputs)), ("groups", tuple(s.groups)), ("formulas", tuple(s.formulas)))
        return ir.Program(
            s.title, meta, s.source, (s.precision.places, s.precision.mode) if s.precision else None, s.rescale,
            tuple(tree), tuple("not_summed" not in r.flags for r in s.roots),
            tuple((u, tuple(ns)) for u, ns in sorted(blocks.items())), tuple(s.classes), tuple(inputs), tuple(groups),
            tuple(views), stages, own, ranking, frozenset(known),
            tuple((u, frozenset(n.key for n in ir.walk_nodes(ns)) | frozenset(
                n.key for _k, sec in sections.get(u, ()) for n in ir.walk_nodes((sec,))))
                  for u, ns in sorted({**{u: [] for u in sections}, **blocks}.items())),
            self.block_classes(),
            tuple((k, frozenset(c for c in [cls] if c is not None), na) for k, (cls, na) in sorted(listed.items())),
            tuple((u, tuple(secs)) for u, secs in sorted(sections.items())),
            tuple(sorted((u, c) for u, c in s.unit_block_classes.items() if c is not None)))

    def quotas(self, grades: A.Grades | None) -> tuple[tuple[str, str, Fraction, bool, str | None], ...]:
        """比例 X <= p% [按 单位类别] [舍入]: a share of the units (a percentage); at most (<=, <), and one per grade."""
        out: list[tuple[str, str, Fraction, bool, str | None]] = []
        for q in grades.quotas if grades else ():
            problem = ("比例 只能限制至多多少（<= 或 <），不能写“至少”" if q.op not in ("<=", "<") else
                       "比例 写百分数，如 优秀 <= 30%" if not q.amount.percent else
                       "同一等次的比例写了两次" if any(o[0] == q.grade.text for o in out) else
                       "“小于”的名额没有舍入（取小于 n × p 的最大整数）" if q.op == "<" and q.rounding else None)
            if problem is not None:
                self.refuse(Refused("E0503", problem, "this quota is not scored", q.span), self.s.source)
                continue
            out.append((q.grade.text, q.op, _fr(q.amount), q.by_class, q.rounding))
        return tuple(out)

    def listed(self) -> dict[str, tuple[str | None, tuple[str, Fraction | None]]]:
        """单位自列 sections of the scheme's tree → (the unit class they are for, the points of a unit
        that lists none: 不适用 计 N / 满分 / 折算, else 0)."""
        out: dict[str, tuple[str | None, tuple[str, Fraction | None]]] = {}
        for r in self.s.roots:
            for n in r.walk():
                if n.kind == M.CATEGORY and "unit_items" in n.extra:
                    cls: A.Name | None = n.extra["unit_items"][0]
                    if cls is not None and cls.text not in self.s.classes:
                        self.refuse(Refused("E0204", f"单位自列 的“{cls.text}”不是单位类别", "unknown unit class",
                                            cls.span), n.extra["unit_items"][1].source)
                    na = n.extra["not_applicable"][0] if "not_applicable" in n.extra else ("zero", Decimal(0))
                    out.setdefault(n.key, (cls.text if cls is not None else None, (na[0], _f(na[1]))))
        return out

    def check_member(self, b: M.Node, cls: str | None) -> None:
        """A unit block filling a section for one unit class belongs to that class (属于 …)."""
        own = self.s.unit_block_classes.get(b.unit)
        if cls is not None and own != cls:
            self.refuse(Refused(
                "E0310", f"类别 {b.key} 由 {cls} 的单位自列，单位“{b.unit}”" + (f"属于 {own}" if own else "没有写 属于"),
                "the unit's class is not the section's", b.place.span,
                f"单位块写 单位 \"{b.unit}\" 属于 {cls}，或删去它的 类别 {b.key}"), b.place.source)

    def each(self, items: Iterable, lower, source_of) -> list:
        out = []
        for item in items:
            try:
                out.append(lower(item))
            except Refused as err:
                self.refuse(err, source_of(item))
        return out

    def checked_cond(self, cond: A.Cond, span: Span, what: str, late: bool = False) -> ir.Cond:
        _shallow(cond, span)
        return self.cond(cond, what, late)

    def input(self, i: M.Input) -> ir.Input:
        default = _f(i.default)
        if "missing" in i.extra:
            expr, place = i.extra["missing"]
            if not isinstance(expr, A.Num):
                raise Refused("E0503", "缺失 取 目前只支持一个数", "missing: only a number for now", place.span,
                              source=place.source)
            if default is not None:
                raise Refused("E0208", "默认 与 缺失 取 只写一个", "default given twice", place.span,
                              source=place.source)
            default = _number(expr.value, place.span, place.source)
        return ir.Input(i.name, i.label, _source(i.place), _f(i.full), i.optional, default, i.shared)

    def group(self, g: M.Group) -> ir.Group:
        entries = []
        for e in g.entries:
            try:
                rule = self.rule(e.inline_method or e.method, e.place.source, None, entry_of=g)
            except Refused as err:
                self.refuse(err, e.place.source)
                continue
            std = _standard(rule.method)
            if isinstance(rule.method, ir.VsBest) or (std is not None and not isinstance(std, ir.Const)) \
                    or rule.value is not None:
                self.refuse(Refused("E0503", f"{g.name}.{e.name}：加减分组的项目只按填报的次数、级别或金额计分",
                                    "group entries score what is reported", e.place.span), e.place.source)
                continue
            entries.append(ir.Entry(e.name, e.label, _source(e.place), _f(e.cap), rule))
        return ir.Group(g.name, g.label, _source(g.place), g.kind == "deduct", _f(g.cap), g.may_negative,
                        tuple(entries), self.exempt_of(g.name))

    # ------------------------------------------------------------ formulas and stages
    def views(self) -> list[ir.View]:
        s = self.s
        out = []
        lowered: dict[int, ir.Formula] = {}
        for cls in (None, *s.classes):
            view = dict(s.formulas)
            if cls is not None:
                view.update({f.name: f for f in s.classes[cls].formulas})
            total = _final_formula(s, view)
            every = []
            for f in view.values():
                if id(f) not in lowered:
                    try:
                        lowered[id(f)] = self.formula(f)
                    except Refused as err:
                        self.refuse(err, f.place.source)
                        continue
                every.append(lowered[id(f)])
            used = _reachable(view, total)
            needed = frozenset(s.inputs) if not view else frozenset(
                n for n in s.inputs if any(n in A.refs(view[u].expr) for u in used))
            overrides = self.overrides(s.classes[cls]) if cls is not None else ()
            out.append(ir.View(cls, tuple(f for f in every if f.name in used), tuple(every), total, needed, overrides))
        return out

    def overrides(self, c: M.UnitClassModel) -> tuple[tuple[str, ir.Expr], ...]:
        """单位类别 C { 指标 3-4 取 均值(指标 3-4, 专业部门) }: for C's units the node's points are this value."""
        out = []
        for o in c.overrides:
            if o.id not in self.keys:  # E0204, reported by the checker
                continue
            lowered = self.attempt(lambda o=o: self.checked_expr(o.expr, o.span, "node"), c.place.source)
            if lowered is not None:
                out.append((o.id, lowered))
        return tuple(out)

    def checked_expr(self, expr: A.Expr, span: Span, where: str) -> ir.Expr:
        _shallow(expr, span)
        return self.expr(expr, where)

    def formula(self, f: M.FormulaModel) -> ir.Formula:
        _shallow(f.expr, f.place.span)
        expr = ir.External(f.expr.text) if isinstance(f.expr, A.External) else self.expr(f.expr, "formula")
        precision = (f.precision.places, f.precision.mode) if f.precision else None
        return ir.Formula(f.name, _source(f.place), expr, precision)

    def stages(self, tree, blocks, views, groups, vetoes):
        """Cross-unit values in dependency order: a value that itself needs an aggregate is computed in
        a later stage than that aggregate. A cycle is refused (E0601)."""
        specs: dict[tuple, set] = {}  # spec → the specs its value needs
        formulas = {f.name: f for v in views for f in v.every}
        nodes = {n.key: n for n in ir.walk_nodes(tree)}
        for ns in blocks.values():
            nodes.update({n.key: n for n in ir.walk_nodes(ns)})
        own: dict[str, ir.Leaf] = {}
        classes = tuple(self.s.classes)

        def keys(n: ir.Cross) -> set:
            """本类 is computed for every class."""
            return {(n.func, n.name, c) for c in classes} if n.own_class else {(n.func, n.name, n.scope)}

        def needs_of_expr(e, seen) -> set:
            out: set = set()
            for n in _walk(e):
                if isinstance(n, ir.Cross):
                    out |= keys(n)
                elif isinstance(n, ir.Ref):
                    out |= needs_of_name(n.name, seen)
            return out

        def needs_of_name(name, seen, conditional=True) -> set:
            if name in seen:
                return set()
            seen = seen | {name}
            if name in formulas:
                return needs_of_expr(formulas[name].expr, seen)
            if name in nodes:
                return {spec for n in ir.walk_nodes([nodes[name]]) for spec in node_specs(n, conditional)}
            return set()

        overrides: dict[str, list] = {}  # node key → the class overrides (指标 X 取 …) of it, in every view
        for v in views:
            for key, e in v.overrides:
                overrides.setdefault(key, []).append(e)

        def node_specs(node: ir.Node, conditional: bool = True) -> set:
            """The aggregates a node's own points need (its value, 标准, gates and conditions); with
            `conditional`, also those of 缺失 取 … and of a class's 指标 X 取 …, which only the units
            without the value use: such a unit is left out of the aggregate it needs."""
            if node.conditions is None and (not conditional or node.key not in overrides) and (
                    not isinstance(node, ir.Leaf) or (
                        node.value is None and node.rule.gate is None and (not conditional or node.default_expr is None)
                        and not isinstance(node.rule.method, (ir.Deviation, ir.VsBest)))):
                return set()  # nothing here reads a cross-unit value: most nodes, asked for again by each formula
            parts: list = []
            if node.conditions is not None:
                parts += [node.conditions.applies, node.conditions.gate, node.conditions.exempt]
            if isinstance(node, ir.Leaf):
                parts += [node.value, _standard(node.rule.method), node.rule.gate]
                parts += [node.default_expr] if conditional else []
            parts += overrides.get(node.key, ()) if conditional else []
            out = {key for e in parts if e is not None for n in _walk(e) if isinstance(n, ir.Cross) for key in keys(n)}
            if isinstance(node, ir.Leaf) and isinstance(node.rule.method, ir.VsBest):
                out.add(("最大", "#" + node.key, None))
            return out

        pending = set()
        for v in views:
            for f in v.every:
                pending |= needs_of_expr(f.expr, frozenset())
        for n in nodes.values():
            pending |= node_specs(n)
            if isinstance(n, ir.Leaf) and isinstance(n.rule.method, ir.VsBest):
                own["#" + n.key] = n
        for v in vetoes:
            pending |= needs_of_expr(v.cond, frozenset())
        for g in groups:
            if g.exempt is not None:
                pending |= needs_of_expr(g.exempt, frozenset())
        while pending:
            spec = pending.pop()
            if spec in specs:
                continue
            name = spec[1]
            if name.startswith("#"):
                leaf = own[name]
                specs[spec] = {x for x in node_specs(leaf) if x[1] != name}
            else:
                specs[spec] = needs_of_name(name, frozenset())
                if spec not in needs_of_name(name, frozenset(), conditional=False):
                    specs[spec].discard(spec)  # only through 缺失 取 / 指标 X 取: the units needing it sit out
            pending |= specs[spec] - set(specs)
        order: list[list[ir.CrossSpec]] = []
        level: dict[tuple, int] = {}
        remaining = dict(specs)
        while remaining:
            ready = [s for s, deps in remaining.items() if all(d in level for d in deps)]
            if not ready:
                names = sorted({s[1] for s in remaining})
                f = next((self.s.formulas[n] for n in names if n in self.s.formulas), None)
                place = f.place if f is not None else M.Place(self.s.source, Span(1, 1, 1, 2))
                self.diags.append(error("E0601", f"跨单位函数互相依赖，形成循环：{'、'.join(names)}",
                                        "cross-unit values form a cycle", place.span, place.source,
                                        hint="名次、均值等不能用到依赖它自己的值"))
                return None, ()
            for s in ready:
                level[s] = 1 + max((level[d] for d in remaining[s]), default=-1)
                del remaining[s]
        for s, lv in sorted(level.items(), key=lambda t: (t[1], t[0][0], t[0][1], t[0][2] or "")):
            while len(order) <= lv:
                order.append([])
            order[lv].append(ir.CrossSpec(*s))
        return tuple(tuple(st) for st in order), tuple(sorted(own.items()))

    def block_classes(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """Sections only unit blocks declare → the classes (属于 X) of the units declaring them. A unit
        of such a class must have its own block; for any other unit the section does not apply."""
        tree = {n.key for r in self.s.roots for n in r.walk()}
        out: dict[str, set[str]] = {}
        for b in self.s.unit_blocks:
            cls = self.s.unit_block_classes.get(b.unit)
            for n in b.walk():
                if n.key not in tree:
                    out.setdefault(n.key, set()).update([cls] if cls is not None else [])
        return tuple((k, frozenset(v)) for k, v in sorted(out.items()))


_DIRECT = ir.Rule(ir.Direct(), None, None, True, None, None, None, False)
_ATTR_WORDS = {"fields": "输入项", "value": "取值", "missing": "缺失 取", "optional": "可缺", "default": "默认"}


def _meets(op: str | None, value: Fraction, bound: Fraction) -> bool:
    match op:
        case ">=": return value >= bound
        case ">": return value > bound
        case "<=": return value <= bound
        case "<": return value < bound
        case "!=": return value != bound
        case _: return True


def _walk(e):
    stack = [e]
    while stack:
        n = stack.pop()
        if n is None:
            continue
        yield n
        if isinstance(n, ir.Bin):
            stack += [n.left, n.right]
        elif isinstance(n, ir.Neg):
            stack.append(n.operand)
        elif isinstance(n, ir.Pick):
            stack += list(n.args)
        elif isinstance(n, ir.Cross):
            stack.append(n.own)
        elif isinstance(n, ir.Cmp):
            stack += [n.left, n.right]
        elif isinstance(n, (ir.All, ir.AnyOf)):
            stack += list(n.items)
        elif isinstance(n, ir.Not):
            stack.append(n.item)


def _standard(m: ir.Method):
    return m.standard if isinstance(m, ir.Deviation) else None


def _fact_names(nodes, groups, vetoes) -> set[str]:
    """Names that conditions read from the results (有 X, X >= 60%): allowed as results keys."""
    conds: list = []
    for n in nodes:
        if n.conditions is not None:
            conds += [n.conditions.applies, n.conditions.gate, n.conditions.exempt]
        if isinstance(n, ir.Leaf):
            conds.append(n.rule.gate)
    conds += [e.rule.gate for g in groups for e in g.entries] + [g.exempt for g in groups]
    conds += [v.cond for v in vetoes]
    return {x.name for c in conds for x in _walk(c) if isinstance(x, (ir.Has, ir.Value))}


def _starts_from_zero(core: ir.Method) -> bool:
    if isinstance(core, ir.Count):
        return core.from_zero
    if isinstance(core, ir.Levels):
        return core.quota is None and all(s[1] == "add" for _l, s in core.step or ())
    return isinstance(core, (ir.Highest, ir.Direct))


def _with_caps(core, add, deduct):
    if isinstance(core, ir.Levels):
        return ir.Levels(core.levels, core.quota, core.step, core.short, core.after, core.whole, add, deduct)
    return ir.Parts(core.rows, add, deduct)


def _need(c: dict, kind: str, m: A.Method, word: str) -> A.Clause:
    if kind not in c:
        raise Refused("E0501", f"评分法缺少“{word}”", f"method needs {word}", m.span)
    return c[kind]


def _amount(row: A.Row) -> tuple[str, Fraction]:
    if row.value_kind == "step":  # 逾期: 每次 扣 0.3 (a 合计 row)
        return row.value.effect, _fr(row.value.amount)
    if row.value_kind == "amount":
        return ("share" if row.value.percent else "points"), _fr(row.value)
    if row.value_kind in ("full", "zero"):
        return row.value_kind, Fraction(0)
    return row.value_kind, _fr(row.value)  # deduct / add


def _size(step: A.Step) -> Fraction:
    size = Fraction(step.size) if step.size is not None else Fraction(1)
    return size / 100 if step.percent else size


def _step(step: A.Step) -> ir.Step:
    if step.table or step.effect is None or step.amount is None:
        raise Refused("E0501", "分级的加减分表（每篇 {省级 …}）要和按级别的结果一起用：配额 {…} 或 每篇 {…}",
                      "per-level steps belong to a per-level method", step.span)
    return (_size(step), step.effect, _fr(step.amount))


def _level_steps(step: A.Step) -> tuple[tuple[str, ir.Step], ...]:
    if step.table:
        return tuple((name, (_size(step), effect, _fr(amount))) for name, effect, amount in step.table)
    return (("*", _step(step)),)


def _precision(node: M.Node) -> tuple[int, str] | None:
    p = node.fields.get("precision")
    return (p.places, p.mode) if p is not None else None


def _check_intervals(rows, m: A.Method) -> None:
    """A range table matches exactly one row: overlapping intervals are an error (DMN 'unique')."""
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            lo, hi = max(a[0], b[0]), min(a[1], b[1])
            touching = lo == hi and ((a[0] == lo and a[2] and b[1] == lo and b[3]) or
                                     (b[0] == lo and b[2] and a[1] == lo and a[3]))
            if lo < hi or touching:
                raise Refused("E0502", "区间表中的区间互相重叠，同一实际值会匹配两行", "range rows overlap", m.span)


def _final_formula(s: M.Scheme, view: dict) -> str | None:
    """The total: the ranking basis if declared, else the last formula no other formula uses."""
    if not view:
        return None
    if s.ranking is not None and s.ranking.basis.text in view:
        return s.ranking.basis.text
    used = set().union(*(A.refs(f.expr) for f in view.values()))
    roots = [n for n in view if n not in used]
    return roots[-1] if roots else list(view)[-1]


def _reachable(view: dict, total: str | None) -> set[str]:
    seen: set[str] = set()
    stack = [total] if total else []
    while stack:
        name = stack.pop()
        if name in seen or name not in view:
            continue
        seen.add(name)
        stack += [r for r in A.refs(view[name].expr) if r in view]
    return seen


def lower(scheme: M.Scheme) -> tuple[ir.Program | None, list[Diagnostic]]:
    """The program of a checked scheme, or the located errors that stop it. Every named method is
    lowered on its own too (a template's methods are checked even where no item uses them yet)."""
    lowering = Lowering(scheme)
    for name, m in scheme.methods.items():
        try:
            lowering.rule(name, m.place.source, ANY_FIELDS)
        except Refused as err:
            lowering.refuse(err, m.place.source)
    if scheme.kind != "scheme":
        return None, lowering.diags
    return lowering.run(), lowering.diags
