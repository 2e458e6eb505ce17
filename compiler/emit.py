"""The Python emitter: one checked scheme → one self-contained module (standard library only).

The module holds the scheme's metadata (SCHEME), its plans and tables as literals, straight-line
code for the tree (one statement per indicator, each commented with its scheme line), one
function per formula, and the shared runtime (runtime.py) copied in. Every piece of scheme text
enters the code through writer.q() (repr) or writer.comment(); nothing from a scheme is ever
an identifier. The same input gives byte-identical output.
"""

from __future__ import annotations

import inspect
import math
from fractions import Fraction

from kaoping.dsl import ast as A
from kaoping.dsl import model as M

from . import runtime as R
from .formulas import (CROSS_FUNCTIONS, cross_call, cross_specs, evidence_names, final_formula, formula_view,
                       needed_inputs, reachable)
from .interpret import Interpreter, leaf_bounds, leaf_plan, node_limit, precision_of
from .ranking import ranking_spec
from .writer import Writer, comment, q

_API = '''

# ---------------------------------------------------------------- API
def _locate(problems, unit):
    places = unit.get("places") or {}
    where = unit.get("place") or unit.get("name")
    for p in problems:
        p["place"] = places.get(p["key"], where) if p["key"] else where
    return problems


def _prepare(unit, pr, cross=None):
    v = unit.get("values") or {}
    cls = unit.get("class")
    if CLASSES and cls not in CLASSES:
        pr.append({"code": "V0105", "message": "单位类别“%s”未在方案中定义（可用：%s）" % (cls, "、".join(CLASSES)),
                   "key": None})
    pts = {}
    tree = _TREE(v, pr, pts, cross) + [t for f in UNIT_TREES.get(unit.get("name"), ()) for t in f(v, pr, pts, cross)]
    view, total_name, needed = VIEWS.get(cls, VIEWS[None])
    inputs = {i[0]: input_line(v, pr, *i[:4], i[4] or i[0] not in needed, i[5]) for i in INPUTS}
    groups = {g[0]: group_line(v, pr, *g, PLANS) for g in GROUPS}
    return v, cls, tree, pts, view, total_name, inputs, groups


def score(unit, cross=None):
    """{"unit", "class", "total", "total_name", "formulas", "tree", "inputs", "groups", "problems"}.
    `cross`: the aggregates of the units scored together, for 均值/最大/最小/名次 (see score_all)."""
    pr = []
    v, cls, tree, pts, view, total_name, inputs, groups = _prepare(unit, pr, cross)
    done = {}
    c = {"v": v, "pts": pts, "in": inputs, "gr": groups, "done": done, "cross": cross}
    total = _run_formulas(view, c, pr, total_name)
    if total_name is None:
        total = sum((t["points"] for t, s in zip(tree, _ROOT_SUMMED + (True,) * len(tree)) if s), ZERO)
    if total is not None and PRECISION is not None:
        total = round_to(total, *PRECISION)
    known = KNOWN | UNIT_KNOWN.get(unit.get("name"), frozenset()) | frozenset(view)
    for key in v:
        if key not in known and key not in EVIDENCE:
            pr.append({"code": "V0102", "message": "方案中没有“%s”（未知的编号或名称）" % key, "key": key})
    return {"unit": unit.get("name"), "class": cls, "total": None if pr else total, "total_name": total_name,
            "formulas": done, "tree": tree, "inputs": list(inputs.values()), "groups": list(groups.values()),
            "problems": _locate(pr, unit)}


def _run_formulas(view, c, pr, total_name):
    for name, f in view.items():
        try:
            f(c)
        except Problem as p:
            pr.append({"code": p.code, "message": "得分 %s：%s" % (name, p.message), "key": None})
            return None
    return c["done"].get(total_name) if total_name else None


def validate(unit, cross=None):
    """Every problem of one unit's results, located; an empty list when they can be scored."""
    return score(unit, cross)["problems"]


def _stage_one(unit):
    """The values that cross-unit functions aggregate, for one unit (None where it has none)."""
    pr = []
    v, cls, tree, pts, view, total_name, inputs, groups = _prepare(unit, pr)
    c = {"v": v, "pts": pts, "in": inputs, "gr": groups, "done": {}, "cross": None}
    out = {}
    for name in CROSS_NAMES:
        try:
            if name in CROSS_LEAVES:  # a leaf's own reported value (比最优)
                out[name] = leaf_value(v, *CROSS_LEAVES[name])
            else:
                out[name] = None if name.startswith("#") else view[name](c) if name in view else _name(c, name)
        except Problem:
            out[name] = None
    return cls, out


def cross_of(units):
    """The aggregates (均值/最大/最小/名次) of the units scored together; None when the scheme has none."""
    if not CROSS_SPECS:
        return None
    return cross_aggregates(batch(_stage_one, units), CROSS_SPECS)


def total(unit, cross=None):
    """The total only (None when the results have problems): the fast path that ranking uses."""
    if _FAST is None or unit.get("name") in UNIT_TREES:
        return score(unit, cross)["total"]
    v = unit.get("values") or {}
    cls = unit.get("class")
    if (CLASSES and cls not in CLASSES) or not KNOWN_ALL.issuperset(v):
        return score(unit, cross)["total"]
    try:
        pts = _FAST(v)
    except (KeyError, TypeError):
        return score(unit, cross)["total"]
    pr = []
    view, total_name, needed = VIEWS.get(cls, VIEWS[None])
    inputs = {i[0]: input_line(v, pr, *i[:4], i[4] or i[0] not in needed, i[5]) for i in INPUTS}
    groups = {g[0]: group_line(v, pr, *g, PLANS) for g in GROUPS}
    c = {"v": v, "pts": pts, "in": inputs, "gr": groups, "done": {}, "cross": cross}
    t = _run_formulas(view, c, pr, total_name)
    if total_name is None:
        t = _FAST_TOTAL(pts)
    if pr:
        return None
    if t is not None and PRECISION is not None:
        t = round_to(t, *PRECISION)
    return t


def score_all(units):
    """score() of units scored together (cross-unit aggregates first; the cyclic collector paused)."""
    cross = cross_of(units)
    return batch(lambda u: score(u, cross), units)


def rank(units):
    """Rank units (by class when the scheme says so) on their totals; ties share a rank."""
    cross = cross_of(units)
    totals = batch(lambda u: total(u, cross), units)
    entries = [{"unit": u.get("name"), "class": u.get("class"), "total": t, "evidence": u.get("values") or {}}
               for u, t in zip(units, totals)]
    return rank_units(entries, RANKING)
'''


def _runtime_source() -> str:
    """runtime.py without its module docstring and imports (the generated header has its own)."""
    src = inspect.getsource(R)
    body = src[src.index("\nZERO = "):]
    return body.strip("\n")


class Emitter:
    def __init__(self, scheme: M.Scheme):
        self.s = scheme
        self.interp = Interpreter(scheme)
        self.w = Writer()
        self.tables: dict[tuple, str] = {}  # (plan name, weight, bounds) → TIER table constant
        self.table_lines: list[str] = []
        self.plan_names: dict[str, str] = {}
        self.inline_plans: list[str] = []
        self.fast_ok = not scheme.unit_blocks
        self.counter = 0

    # ------------------------------------------------------------------ helpers
    def var(self) -> str:
        self.counter += 1
        return f"n{self.counter}"

    def plan_ref(self, node: M.Node) -> str:
        if node.inline_method is not None:
            name = f"_INLINE_{len(self.inline_plans)}"
            self.inline_plans.append(f"{name} = {q(leaf_plan(node, self.interp.plans, self.interp.named))}")
            return name
        if node.method and node.method in self.interp.plans:
            return f"PLANS[{q(node.method)}]"
        return "DIRECT"

    def tier_table(self, node: M.Node, plan: dict, low, high) -> str | None:
        """Tier name → (points, rule) folded at compile time: weight × share done once."""
        if plan.get("kind") != "tiers" or plan.get("gate") or node.points is None:
            return None
        weight = Fraction(node.points)
        key = (node.method, weight, low, high)
        if key not in self.tables:
            name = f"_T{len(self.tables)}"
            table = {}
            for tier, _kind, _amount in plan["rows"]:
                points, rule = R.m_tiers(plan, weight, tier)
                kept, clipped = R.clamp(points, low, high)
                if not clipped and self.scaled(kept) is not None:
                    table[tier] = (kept, rule, self.scaled(kept))
            self.tables[key] = name
            self.table_lines.append(f"{name} = {q(table)}")
        return self.tables[key]

    # ------------------------------------------------------------------ the tree
    # Generated tree code carries, beside each node's line, its points as an integer scaled by
    # SCALE (the common denominator of every tier table and limit): sums of integers are exact and
    # several times faster than sums of Fractions. A node whose points are not such an integer
    # carries None, and its parent falls back to adding Fractions.
    def tree_function(self, fname: str, roots) -> None:
        w = self.w
        w.line(f"def {fname}(v, pr, pts, cross):")
        w.indent()
        tops = [self.node(r)[0] for r in roots]
        w.line(f"return [{', '.join(tops)}]")
        w.dedent()
        w.line()

    def node(self, node: M.Node) -> tuple[str, str]:
        """Emit the statements for one node; return the names of its line and its scaled points."""
        w = self.w
        src = f"{node.place.source}:{node.place.span.line}"
        if node.kind == M.CATEGORY and node.extra:  # 适用 / 门槛 decide before the children are scored
            self.fast_ok = False
            var = self.var()
            svar = "s" + var[1:]
            w.line(f"# 类别 {comment(node.key)} 的适用条件/门槛 ({comment(src)})")
            w.line(f"{var} = line({q(node.key)}, {q(node.kind)}, {q(node.text)}, {q(src)}, {q(_fr(node.points))})")
            w.line(f"if condition_line({var}, v, pr, {q(node.extra)}, {q(_fr(node.points))}) is not None:")
            w.line(f"    {svar} = _scaled({var})")
            w.line("else:")
            w.indent()
            inner, inner_s = self.node_body(node, src)
            w.line(f"{var}, {svar} = {inner}, {inner_s}")
            w.dedent()
        else:
            var, svar = self.node_body(node, src)
        if node.kind == M.CATEGORY or node.key in self.item_refs:
            w.line(f"pts[{q(node.key)}] = ({var}['points'], {var}['full'])")
        return var, svar

    def node_body(self, node: M.Node, src: str) -> tuple[str, str]:
        w = self.w
        var = self.var()
        svar = "s" + var[1:]
        if node.kind == M.CATEGORY and not node.leaves():
            w.line(f"# 类别 {comment(node.key)}，未列出指标 ({comment(src)})")
            open_call = (f"{var} = open_line(v, pr, {q(node.key)}, {q(node.kind)}, {q(node.text)}, {q(src)}, "
                         f"{q(_fr(node.points))})")
            if not node.children:
                w.line(open_call)
                w.line(f"{svar} = _scaled({var})")
            else:
                w.line(f"if {q(node.key)} in v:")
                w.line("    " + open_call)
                w.line(f"    {svar} = _scaled({var})")
                w.line("else:")
                w.indent()
                self.sum_node(node, var, svar, src)
                w.dedent()
        elif node.is_leaf:
            low, high, check = leaf_bounds(node)
            plan = leaf_plan(node, self.interp.plans, self.interp.named)
            ref = self.plan_ref(node)
            table = self.tier_table(node, plan, low, high)
            weight = _fr(node.points)
            w.line(f"# {comment(node.key)} {comment(node.text or '')} ({comment(src)})")
            args = (f"v, pr, {q(node.key)}, {q(node.kind)}, {q(node.text)}, {q(src)}, {ref}, {q(weight)}, "
                    f"{q(low)}, {q(high)}, {q(check)}, {q(_fr(node.default))}")
            if node.extra:
                table = None
                args += f", {q(node.extra)}"
            else:
                args += ", None"
            if table is not None:
                w.line(f"{var}, {svar} = _tier({table}, {args})")
            else:
                self.fast_ok = False
                w.line(f"{var} = leaf_line({args}, cross)")
                w.line(f"{svar} = _scaled({var})")
        else:
            self.sum_node(node, var, svar, src)
        return var, svar

    def sum_node(self, node: M.Node, var: str, svar: str, src: str) -> None:
        w = self.w
        pairs = [self.node(c) for c in node.children]
        summed = tuple("not_summed" not in c.flags for c in node.children)
        w.line(f"# {'类别' if node.kind == M.CATEGORY else '指标'} {comment(node.key)} ({comment(src)})")
        counts_as = Fraction(node.counts_as) if node.kind == M.CATEGORY and node.counts_as is not None else None
        limit, word = node_limit(node)
        w.line(f"{var}, {svar} = _sum(({''.join(s + ', ' for _, s in pairs)}), {q(self.scaled(limit))}, "
               f"{q(node.key)}, {q(node.kind)}, {q(node.text)}, {q(src)}, [{', '.join(v for v, _ in pairs)}], "
               f"{q(summed)}, {q(_fr(node.points))}, {q(limit)}, {q(word)}, {q(counts_as)}, {q(precision_of(node))})")

    def scaled(self, value: Fraction | None) -> int | None:
        if value is None:
            return None
        v = value * self.scale
        return v.numerator if v.denominator == 1 else None

    def fast_function(self) -> None:
        """Totals only: integer sums straight down the tree; a KeyError sends the unit to score()."""
        w = self.w
        w.line("def _FAST(v):")
        w.indent()
        w.line("pts = {}")
        for r in self.s.roots:
            self.fast_node(r)
        w.line("return pts")
        w.dedent()
        w.line()
        w.line("def _FAST_TOTAL(pts):")
        w.indent()
        parts = [f"pts[{q(r.key)}][0]" for r in self.s.roots if "not_summed" not in r.flags]
        w.line(f"return {' + '.join(parts) if parts else 'ZERO'}")
        w.dedent()
        w.line()

    def fast_node(self, node: M.Node) -> str:
        w = self.w
        var = "s" + self.var()[1:]
        open_category = node.kind == M.CATEGORY and not node.leaves()
        if open_category:  # reported directly in the results, or missing: score() explains either
            w.line(f"if {q(node.key)} in v:")
            w.line(f"    raise KeyError({q(node.key)})")
        if open_category and not node.children:
            if node.points is not None:
                w.line(f"raise KeyError({q(node.key)})")
            w.line(f"{var} = 0")
            full = _fr(node.points)
        elif node.is_leaf:
            low, high, _check = leaf_bounds(node)
            table = self.tier_table(node, leaf_plan(node, self.interp.plans, self.interp.named), low, high)
            w.line(f"{var} = {table}[v[{q(node.key)}]][2]  # {comment(node.key)}")
            full = _fr(node.points)
        else:
            children = [(self.fast_node(c), "not_summed" not in c.flags) for c in node.children]
            summed = [c for c, keep in children if keep]
            w.line(f"{var} = {' + '.join(summed) if summed else '0'}")
            limit = self.scaled(node_limit(node)[0])
            if limit is not None:
                w.line(f"if {var} > {limit}:")
                w.line(f"    {var} = {limit}")
            full = _fr(node.points)
            precision = precision_of(node)
            counts = Fraction(node.counts_as) if node.kind == M.CATEGORY and node.counts_as is not None else None
            if counts is not None or precision is not None:
                w.line(f"{var} = _rescale_scaled({var}, {q(counts)}, {q(full)}, {q(precision)})")
                full = counts if counts is not None else full
        if node.kind == M.CATEGORY or node.key in self.item_refs:
            w.line(f"pts[{q(node.key)}] = (F({var}, SCALE), {q(full)})")
        return var

    # ------------------------------------------------------------------ formulas
    def formulas(self) -> None:
        w = self.w
        views = [(None, formula_view(self.s, None))] + [(c, formula_view(self.s, c)) for c in self.s.classes]
        view_lines = []
        for vi, (cls, view) in enumerate(views):
            total_name = final_formula(self.s, view)
            used = reachable(view, total_name)
            fnames = {name: f"_f{vi}_{i}" for i, name in enumerate(used)}
            for name in used:
                self.formula_function(fnames[name], view[name], fnames)
            entries = ", ".join(f"{q(n)}: {fnames[n]}" for n in used)
            needed = tuple(sorted(needed_inputs(self.s, view, total_name)))
            view_lines.append(f"    {q(cls)}: ({{{entries}}}, {q(total_name)}, frozenset({q(needed)})),")
        w.line("VIEWS = {")
        for line in view_lines:
            w.line(line)
        w.line("}")
        w.line()

    def formula_function(self, fname: str, f: M.FormulaModel, fnames: dict) -> None:
        w = self.w
        w.line(f"def {fname}(c):")
        w.indent()
        w.line(f"# 得分 {comment(f.name)} ({comment(f'{f.place.source}:{f.place.span.line}')})")
        w.line(f"if {q(f.name)} in c['done']:")
        w.line(f"    return c['done'][{q(f.name)}]")
        if isinstance(f.expr, A.External):
            w.line(f"if {q(f.name)} not in c['v']:")
            w.line(f"    raise Problem('V0101', {q(f'缺少外部得分 {f.name}（{f.expr.text}）')})")
            w.line(f"value = num(c['v'][{q(f.name)}])")
        else:
            w.line(f"value = {self.expr(f.expr, fnames)}")
        if f.precision is not None:
            w.line(f"value = round_to(value, {q(f.precision.places)}, {q(f.precision.mode)})")
        w.line(f"c['done'][{q(f.name)}] = value")
        w.line("return value")
        w.dedent()
        w.line()

    def expr(self, e, fnames: dict) -> str:
        if isinstance(e, A.Num):
            return q(Fraction(e.value))
        if isinstance(e, A.Ref):
            if e.name in fnames:
                return f"{fnames[e.name]}(c)"
            return f"_name(c, {q(e.name)})"
        if isinstance(e, A.BinOp):
            left, right = self.expr(e.left, fnames), self.expr(e.right, fnames)
            if e.op == "/":
                return f"div({left}, {right})"
            return f"({left} {e.op} {right})"
        if isinstance(e, A.Neg):
            return f"(-{self.expr(e.operand, fnames)})"
        if isinstance(e, A.AttrRef):
            return f"_attr(c, {q(e.name)}, {q(e.attr)})"
        if isinstance(e, A.ItemRef):
            return f"_item(c, {q(e.id)})"
        if isinstance(e, A.Call) and e.func in ("较大", "较小"):
            args = ", ".join(self.expr(a, fnames) for a in e.args)
            return f"{'max' if e.func == '较大' else 'min'}({args})"
        if isinstance(e, A.Call) and e.func in CROSS_FUNCTIONS:
            name, scope = cross_call(e)
            own = self.expr(A.Ref(name, e.span), fnames) if e.func == "名次" else "None"
            return f"cross_value(c['cross'], {q(e.func)}, {q(name)}, {q(scope)}, {own})"
        raise AssertionError(f"expression not checked: {e!r}")  # the checker refuses every other call

    # ------------------------------------------------------------------ the module
    def module(self, source_name: str) -> str:
        s = self.s
        w = self.w
        body = Writer()
        self.w = body
        self.scale = _common_denominator(s, self.interp)
        self.item_refs = _item_refs(s)
        self.tree_function("_TREE", s.roots)
        for i, unit in enumerate(sorted({u.unit for u in s.unit_blocks})):
            self.tree_function(f"_UNIT_{i}", [u for u in s.unit_blocks if u.unit == unit])
        if self.fast_ok:  # decided while the tree was emitted: every leaf a tier leaf, no unit blocks
            self.fast_function()
        self.formulas()
        self.w = w
        w.line('"""评分模块：由 kaoping 从方案生成（方案的标题、来源见 SCHEME），请勿手工修改。')
        w.line()
        w.line("Generated by kaoping; imports only the standard library. A unit is")
        w.line('{"name": str, "class": str or None, "values": {key: value}}. API: SCHEME, validate(unit),')
        w.line("score(unit), score_all(units), total(unit), rank(units). Numbers are exact Fractions.")
        w.line('"""')
        w.line()
        w.line("import gc")
        w.line("from decimal import Decimal")
        w.line("from fractions import Fraction")
        w.line()
        w.line("F = Fraction")
        w.line()
        w.lines += _runtime_source().split("\n")
        w.line()
        w.line()
        w.line("# ---------------------------------------------------------------- the scheme")
        w.line(f"SCHEME = {q(self.metadata(source_name))}")
        w.line(f"RESCALE = {q(s.rescale)}")
        w.line(f"SCALE = {q(self.scale)}  # common denominator of the tier tables and limits")
        w.line(f"PRECISION = {q((s.precision.places, s.precision.mode) if s.precision else None)}")
        w.line(f"PLANS = {q(dict(sorted(self.interp.plans.items())))}")
        w.line(f"CLASSES = {q(tuple(s.classes))}")
        w.line(f"EVIDENCE = frozenset({q(tuple(sorted(evidence_names(s))))})")
        w.line(f"RANKING = {q(ranking_spec(s))}")
        specs = cross_specs(s, lambda leaf: leaf_plan(leaf, self.interp.plans, self.interp.named))
        w.line(f"CROSS_SPECS = {q(specs)}")
        leaves = {"#" + n.key: (n.key, n.extra) for r in (*s.roots, *s.unit_blocks) for n in r.leaves()}
        w.line(f"CROSS_LEAVES = {q({name: leaves[name] for _f, name, _s in specs if name in leaves})}")
        w.line(f"CROSS_NAMES = {q(tuple(sorted({name for _f, name, _s in specs})))}")
        inputs = tuple((n, i.label, f"{i.place.source}:{i.place.span.line}", _fr(i.full), i.optional, _fr(i.default))
                       for n, i in s.inputs.items())
        w.line(f"INPUTS = {q(inputs)}")
        groups = tuple((n, g.label, f"{g.place.source}:{g.place.span.line}", g.kind, _fr(g.cap), g.may_negative,
                        {e.name: (e.label, f"{e.place.source}:{e.place.span.line}", _fr(e.cap), e.method)
                         for e in g.entries}) for n, g in s.groups.items())
        w.line(f"GROUPS = {q(groups)}")
        known = {n.key for r in s.roots for n in r.walk()} | set(s.inputs) | set(s.groups)
        w.line(f"KNOWN = frozenset({q(tuple(sorted(known)))})")
        every_view = set(s.formulas) | {f.name for c in s.classes.values() for f in c.formulas}
        w.line(f"KNOWN_ALL = KNOWN | frozenset({q(tuple(sorted(every_view)))}) | EVIDENCE")
        units = sorted({u.unit for u in s.unit_blocks})
        unit_known = {u: tuple(sorted(n.key for b in s.unit_blocks if b.unit == u for n in b.walk())) for u in units}
        w.line(f"UNIT_KNOWN = {{k: frozenset(v) for k, v in {q(unit_known)}.items()}}")
        w.line(f"_ROOT_SUMMED = {q(tuple('not_summed' not in r.flags for r in s.roots))}")
        for line in self.table_lines + self.inline_plans:
            w.line(line)
        w.line()
        w.line()
        w.lines += _HELPERS.split("\n")
        w.line()
        w.lines += body.lines
        w.line(f"UNIT_TREES = {{{', '.join(f'{q(u)}: (_UNIT_{i},)' for i, u in enumerate(units))}}}")
        if not self.fast_ok:
            w.line("_FAST = None")
            w.line("_FAST_TOTAL = None")
        w.lines += _API.split("\n")
        return w.text()

    def metadata(self, source_name: str) -> dict:
        s = self.s
        return {
            "title": s.title, "year": s.year, "source": source_name, "templates": tuple(s.chain),
            "docno": s.meta.get("docno"), "total": _fr(s.total()),
            "leaves": tuple(n.key for r in s.roots for n in r.leaves()),
            "classes": tuple(s.classes), "inputs": tuple(s.inputs), "groups": tuple(s.groups),
            "formulas": tuple(s.formulas),
        }


_HELPERS = '''
# ---------------------------------------------------------------- helpers of the generated code
def _tier(table, v, pr, key, kind, label, source, plan, weight, low, high, check, default, extra):
    """A tier leaf: (line, points × SCALE). The table holds weight × share folded at compile time."""
    raw = v.get(key, MISSING)
    hit = table.get(raw) if raw.__class__ is str else None
    if hit is None:
        out = leaf_line(v, pr, key, kind, label, source, plan, weight, low, high, check, default, extra)
        return out, _scaled(out)
    return {"key": key, "kind": kind, "label": label, "input": raw, "rule": hit[1], "points": hit[0],
            "full": weight, "clipped": None, "clip": None, "source": source, "children": []}, hit[2]


def _scaled(out):
    p = out["points"] * SCALE
    return p.numerator if p.denominator == 1 else None


def _sum(scaled, limit, key, kind, label, source, children, summed, full, limit_f, word, counts_as, precision):
    """A sum node: (line, points × SCALE), adding scaled integers when every child has one."""
    if None in scaled:
        out = sum_line(key, kind, label, source, children, summed, full, limit_f, word, counts_as, precision)
        return out, _scaled(out)
    t = sum([s for s, keep in zip(scaled, summed) if keep])
    out = sum_line(key, kind, label, source, children, summed, full, limit_f, word, counts_as, precision,
                   F(t, SCALE))
    if counts_as is not None or precision is not None:
        return out, _scaled(out)
    return out, (t if limit is None or t <= limit else limit)


def _rescale_scaled(t, counts_as, declared, precision):
    value = F(t, SCALE)
    if counts_as is not None and declared:
        value = value * counts_as / declared
    if precision is not None:
        value = round_to(value, *precision)
    p = value * SCALE
    if p.denominator != 1:
        raise KeyError("not a multiple of 1/SCALE")
    return p.numerator


def _name(c, name):
    if name in c["in"]:
        line = c["in"][name]
        return rescaled((line["points"], line["full"]), RESCALE)
    if name in c["gr"]:
        return c["gr"][name]["points"]
    if name in c["pts"]:
        return rescaled(c["pts"][name], RESCALE)
    raise Problem("V0201", "公式用到的“%s”没有值" % name)


def _item(c, key):
    if key not in c["pts"]:
        raise Problem("V0201", "公式用到的指标 %s 没有得分" % key)
    return rescaled(c["pts"][key], RESCALE)


def _attr(c, name, attr):
    for group in GROUPS:
        if group[0] == name and attr == "上限" and group[4] is not None:
            return group[4]
    for item in INPUTS:
        if item[0] == name and attr == "满分" and item[3] is not None:
            return item[3]
    if name in c["pts"] and attr in ("满分", "分值") and c["pts"][name][1] is not None:
        return c["pts"][name][1]
    raise Problem("V0201", "“%s.%s”没有值" % (name, attr))

'''


def _common_denominator(s: M.Scheme, interp: Interpreter) -> int:
    """The least common multiple of the denominators of every tier-table value and every limit."""
    scale = 1
    for root in (*s.roots, *s.unit_blocks):
        for node in root.walk():
            values = [node_limit(node)[0], _fr(node.points)]
            if node.is_leaf and node.points is not None:
                plan = leaf_plan(node, interp.plans, interp.named)
                if plan.get("kind") == "tiers":
                    values += [R.m_tiers(plan, Fraction(node.points), t)[0] for t, _k, _a in plan["rows"]]
            for value in values:
                if value is not None:
                    scale = math.lcm(scale, value.denominator)
    return scale


def _item_refs(s: M.Scheme) -> set[str]:
    """Ids that formulas refer to with 指标 ID (their points are kept for the formulas)."""
    formulas = list(s.formulas.values()) + [f for c in s.classes.values() for f in c.formulas]
    return {n.id for f in formulas for n in A.walk(f.expr) if isinstance(n, A.ItemRef)}


def _fr(value):
    return None if value is None else Fraction(value)


def compile_scheme(scheme: M.Scheme, source_name: str) -> str:
    """The module's source text."""
    return Emitter(scheme).module(source_name)
