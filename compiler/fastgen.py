"""The specialised code of one scheme: per unit class, a totals function and a breakdown function in
straight-line Python over the tables of fastrun.py (`Lines`), Decimal constants hoisted.

Only what is written here is specialised: leaves whose line reads their own result only, sums,
inputs, groups whose entries read their own values, formulas of constants, references and + − × ÷
较大/较小, 精度. A scheme with anything else (cross-unit values, vetoes, a class's own node values,
conditions on nodes, categories reported directly …) gets no fast path (`None`), and every unit is
scored by the runtime. Every name in the generated code is made here; scheme text enters only
through writer.q().
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

from kaoping.dsl import ir

from .fastrun import Fallback, dec
from .writer import q


_TERMS = 50  # terms in one generated sum (exact, so the grouping does not change the value)


class Unsupported(Exception):
    """A construct the fast path does not specialise."""


class _View:
    """The two functions of one view: `points` (totals only) or records (the breakdown)."""

    def __init__(self, gen: "FastGen", view: ir.View, records: bool):
        self.gen, self.view, self.records = gen, view, records
        self.body: list[str] = []
        self.count = 0
        self.nodes: dict[str, str] = {}  # node key → the variable of its record (or points)
        self.fulls: dict[str, Fraction | None] = {}  # node key → its full points (what 计分 百分制 divides by)
        self.formulas: dict[str, str] = {}
        self.order: list[str] = []  # formulas in the order the runtime completes them
        self.inputs: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.preorder: list[str] = []
        self.required: set[str] = set()  # keys read by v[…]: a unit without one is scored by the runtime

    def read(self, key: str) -> str:
        self.required.add(key)
        return f"v[{q(key)}]"

    def var(self) -> str:
        self.count += 1
        return f"x{self.count}"

    def emit(self, expr: str) -> str:
        name = self.var()
        self.body.append(f"{name} = {expr}")
        return name

    def value(self, name: str) -> str:
        """The number a record stands for in arithmetic: its points, or what a formula reads."""
        return f"{name}[0]" if self.records else name

    def ref_value(self, name: str, full: Fraction | None) -> str:
        """What a formula reads of a node or an input: its points, ×100 ÷ its full points under 计分 百分制
        (runtime.rescaled)."""
        if self.records:
            return f"{name}[4]"
        if self.gen.prog.rescale and full:
            return f"({name} * {self.gen.const(100)} / {self.gen.const(full)})"
        return name

    def node(self, n: ir.Node) -> str:
        g = self.gen
        full: Fraction | None
        if isinstance(n, ir.Leaf):
            if (n.conditions is not None or not n.pure or not n.reported or n.weight is None
                    or n.default_expr is not None or n.rule.into is not None):  # 计入: a part joins a group
                raise Unsupported(n.key)
            table = g.table(n, "leaf_record", self.records)
            read = f"g({q(n.key)}, M)" if n.optional or n.default is not None else self.read(n.key)
            out = self.emit(f"{table}[{read}]")
            self.preorder.append(out)
            full = n.weight
        elif isinstance(n, ir.Sum):
            if n.conditions is not None:
                raise Unsupported(n.key)
            here = len(self.preorder)
            self.preorder.append("")
            parts = [self.value(self.node(c)) for c, s in zip(n.children, n.summed) if s]
            while len(parts) > _TERMS:  # long sums in steps: Python's compiler nests each + one deeper
                parts = [self.emit(" + ".join(parts[i:i + _TERMS])) for i in range(0, len(parts), _TERMS)]
            total = ' + '.join(parts) or 'D0'
            if not self.records and n.counts_as is None and n.precision is None:
                out = self.emit(total)  # the totals path: sum_close's clamp, inline
                if n.limit is not None:
                    self.body += [f"if {out} > {g.const(n.limit)}:", f"    {out} = {g.const(n.limit)}"]
                if n.low is not None:
                    self.body += [f"{'el' if n.limit is not None else ''}if {out} < {g.const(n.low)}:",
                                  f"    {out} = {g.const(n.low)}"]
            else:  # keyed by the total's text: hashing a Decimal costs three times as much
                out = self.emit(f"{g.table(n, 'sum_record', self.records)}[str({total})]")
            self.preorder[here] = out
            full = n.counts_as if n.counts_as is not None else n.full
        elif isinstance(n, ir.Open) and n.conditions is None:
            if n.fallback is None:  # its line reads its own result only
                out = self.emit(f"{g.table(n, 'open_record', self.records)}[g({q(n.key)}, M)]")
                self.preorder.append(out)
                full = n.full
            else:  # its children scored: only when it is not reported itself (else the runtime checks both)
                self.body += [f"if g({q(n.key)}, M) is not M:", "    raise Fallback"]
                out = self.node(n.fallback)
                full = self.fulls[n.fallback.key]
        else:
            raise Unsupported(n.key)
        self.nodes[n.key] = out
        self.fulls[n.key] = full
        return out

    def formula(self, name: str) -> str:
        if name not in self.formulas:
            f = {f.name: f for f in self.view.every}.get(name)
            if f is None or isinstance(f.expr, ir.External):
                raise Unsupported(name)
            value = self.emit(self.expr(f.expr))
            if f.precision is not None:
                value = self.emit(f"{self.gen.rounding(f.precision)}[str({value})]")
            self.formulas[name] = value
            self.order.append(name)
        return self.formulas[name]

    def expr(self, e: ir.Expr) -> str:
        if isinstance(e, ir.Const):
            return self.gen.const(e.value)
        if isinstance(e, ir.Ref):
            if e.of == "formula":
                return self.formula(e.name)
            if e.of == "input" and e.name in self.inputs:
                return self.ref_value(self.inputs[e.name], {i.name: i.full for i in self.gen.prog.inputs}[e.name])
            if e.of == "group" and e.name in self.groups:
                return self.value(self.groups[e.name])
            if e.of == "node" and e.name in self.nodes:
                return self.ref_value(self.nodes[e.name], self.fulls[e.name])
            raise Unsupported(e.name)
        if isinstance(e, ir.Bin):  # as runtime.arith: + − ×, else ÷ (÷ 0 traps, and the runtime says why)
            op = e.op if e.op in ("+", "-", "*") else "/"
            return f"({self.expr(e.left)} {op} {self.expr(e.right)})"
        if isinstance(e, ir.Neg):
            return f"(-{self.expr(e.operand)})"
        if isinstance(e, ir.Pick):
            return f"{'max' if e.largest else 'min'}({', '.join(self.expr(a) for a in e.args)})"
        if isinstance(e, ir.Value):
            return f"{self.gen.values()}[{self.read(e.name)}]"
        raise Unsupported(e.tag)

    def function(self, name: str) -> list[str]:
        prog, view, g = self.gen.prog, self.view, self.gen
        for i in prog.inputs:
            needed = i.name in view.needed
            # an input the unit must give is read by v[…] (its absence is a problem: the runtime says so)
            read = self.read(i.name) if needed and not i.optional and i.default is None else f"g({q(i.name)}, M)"
            self.inputs[i.name] = self.emit(f"{g.table(i, 'input_record', self.records, needed)}[{read}]")
        for grp in prog.groups:
            if grp.exempt is not None or any(e.rule.gate is not None or e.rule.value is not None or isinstance(
                    e.rule.method, (ir.VsBest, ir.Deviation)) for e in grp.entries):
                raise Unsupported(grp.name)
            self.groups[grp.name] = self.emit(f"{g.table(grp, 'group_record', self.records)}[g({q(grp.name)}, M)]")
        roots = [self.node(n) for n in prog.tree]
        for f in view.formulas:
            self.formula(f.name)
        if view.total is not None:
            total = self.formula(view.total)
        else:
            summed = prog.root_summed + (True,) * (len(roots) - len(prog.root_summed))  # as runtime.score_unit
            total = " + ".join(self.value(r) for r, s in zip(roots, summed) if s) or "D0"
        if prog.precision is not None:
            total = f"{g.rounding(prog.precision)}[str({total})]"
        required = self.required
        if not required <= prog.known:  # a key read that the results may not give
            raise Unsupported("known")
        # when v has exactly as many keys as are read by v[…] (each read succeeding), it has no other key
        head = [f"def {name}(v, M=MISSING):", f"    if len(v) != {len(required)} and not v.keys() <= KNOWN:",
                "        raise Fallback", "    g = v.get"]
        body = ["    " + line for line in self.body]
        if not self.records:
            return head + body + [f"    return {total}"]
        formulas = "".join(f"({q(n)}, {self.formulas[n]}), " for n in self.order)
        records = "".join(r + ", " for r in self.preorder)
        inputs = "".join(r + ", " for r in self.inputs.values())
        groups = "".join(r + ", " for r in self.groups.values())
        return head + body + [f"    return {total}, ({formulas}), ({records}), ({inputs}), ({groups})"]


class FastGen:
    """Module-level tables and constants, and the functions of every view."""

    def __init__(self, prog: ir.Program, record_name: Callable[[object], str]):
        self.prog, self.record_name = prog, record_name
        self.lines: list[str] = []
        self.names: dict[tuple, str] = {}

    def _hoist(self, key: tuple, expr: str, prefix: str) -> str:
        if key not in self.names:
            self.names[key] = f"{prefix}{len(self.names)}"
            self.lines.append(f"{self.names[key]} = {expr}")
        return self.names[key]

    def const(self, value) -> str:
        try:
            d = dec(value)
        except Fallback:
            raise Unsupported(str(value)) from None
        return self._hoist(("const", str(d)), f"Decimal({q(str(d))})", "K")

    def table(self, node, make: str, records: bool, *args) -> str:
        extra = "".join(", " + q(a) for a in args)
        lines = self._hoist((make, id(node), args), f"Lines({self.record_name(node)}, {make}(PROGRAM{extra}))", "T")
        if records:
            return lines
        return self._hoist(("points", lines), f"Lines({lines}, points_of(0))", "T")

    def rounding(self, precision: tuple[int, str]) -> str:
        return self._hoist(("round", precision), f"Lines(None, rounding({precision[0]!r}, {q(precision[1])}))", "R")

    def values(self) -> str:
        return self._hoist(("values",), "Lines(None, value_of)", "T")

    def source(self) -> str | None:
        """The fast path's code (to follow the runtime, fastrun and PROGRAM in a module), or None."""
        prog = self.prog
        # units scored together, vetoes, sections each unit lists and classes a unit block gives: the runtime
        if prog.stages or prog.ranking.vetoes or prog.listed or prog.members:
            return None
        views, shapes, functions = [], [], []
        for i, view in enumerate(prog.views):
            if view.overrides:
                continue
            try:
                totals, full = _View(self, view, False), _View(self, view, True)
                functions += totals.function(f"_fast_total_{i}") + full.function(f"_fast_lines_{i}")
            except Unsupported:
                continue
            classes = [view.unit_class] if view.unit_class is not None else (
                [c for c in prog.classes if all(v.unit_class != c for v in prog.views)] if prog.classes else [None])
            views += [f"{q(c)}: (_fast_total_{i}, _fast_lines_{i}, SHAPE_{i}), " for c in classes]
            shapes.append(f"SHAPE_{i} = {q(_shape(prog.tree))}")
        if not views:
            return None
        unit_trees = "frozenset((" + "".join(q(name) + ", " for name, _t in prog.unit_trees) + "))"
        return "\n".join(["D0 = Decimal(0)", "KNOWN = PROGRAM.known"] + self.lines + shapes + [""] + functions + [
            "", f"FAST = Fast(PROGRAM, {{{''.join(views)}}}, {unit_trees})"]) + "\n"


def _shape(tree) -> tuple:
    """(depth, kind, children's positions) of every node of the tree in order."""
    out: list[tuple] = []

    def walk(n, depth):
        here = len(out)
        out.append(None)
        if isinstance(n, ir.Open) and n.fallback is not None:  # scored fast only as its fallback
            n = n.fallback
        kids = tuple(walk(c, depth + 1) for c in (n.children if isinstance(n, ir.Sum) else ()))
        out[here] = (depth, n.kind, kids)
        return here

    for n in tree:
        walk(n, 1)
    return tuple(out)
