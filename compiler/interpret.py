"""The reference interpreter: scores one unit's results over the resolved model, written for
clarity. The compiled module (emit.py) must agree with it on every input (tests/test_agreement.py).

Semantics (docs/scoring.md): each leaf is scored by its method and clamped to [0, 分值] unless it
declares 范围/可为负/可超分值; indicators and categories sum their children and never exceed
their 满分 or 上限; 计分 N rescales a category to N points; inputs are checked against their
满分; bonus/deduction groups sum their entries and are clipped to their 上限; formulas are
evaluated as written, with inputs and categories first rescaled to 100 under 折算 百分制; rounding
happens only where 精度 is declared (half-up). A missing result is a problem, never a silent 0.
"""

from __future__ import annotations

from fractions import Fraction

from kaoping.dsl import ast as A
from kaoping.dsl import model as M
from kaoping.dsl.methods import plan_of

from . import runtime as R
from .formulas import final_formula, formula_view
from .results import UnitResults

DIRECT = {"kind": "direct", "gate": ()}


def _place(p: M.Place) -> str:
    return f"{p.source}:{p.span.line}"


def _f(value) -> Fraction | None:
    return None if value is None else Fraction(value)


class Interpreter:
    def __init__(self, scheme: M.Scheme):
        self.s = scheme
        self.named = {n: m.method for n, m in scheme.methods.items()}
        self.plans = {n: plan_of(m, self.named) for n, m in self.named.items()}

    # ------------------------------------------------------------------ public
    def score(self, unit: UnitResults) -> dict:
        run = _Run(self, unit)
        return run.result()


class _Run:
    def __init__(self, interp: Interpreter, unit: UnitResults):
        self.i = interp
        self.s = interp.s
        self.unit = unit
        self.problems: list[dict] = []
        self.used: set[str] = set()
        self.category_points: dict[str, tuple[Fraction, Fraction | None]] = {}
        self.leaf_points: dict[str, tuple[Fraction, Fraction | None]] = {}

    def problem(self, code: str, message: str, key: str | None = None):
        where = self.unit.places.get(key, self.unit.place) if key else self.unit.place
        self.problems.append({"code": code, "message": message, "key": key, "place": where})

    def value(self, key: str, what: str, optional=False, default=None):
        if key in self.unit.values:
            self.used.add(key)
            return self.unit.values[key], True
        if default is not None:
            return default, False
        if not optional:
            self.problem("V0101", f"缺少{what} {key} 的结果", key)
        return None, False

    # ------------------------------------------------------------------ tree
    def leaf(self, node: M.Node) -> dict:
        weight = _f(node.points)
        plan = self.i.plans.get(node.method) if node.method else None
        if node.inline_method is not None:
            plan = plan_of(node.inline_method, self.i.named)
        plan = plan or DIRECT
        line = {"key": node.key, "kind": node.kind, "label": node.text, "input": None, "rule": "",
                "points": R.ZERO, "full": weight, "clipped": None, "clip": None, "source": _place(node.place),
                "children": []}
        raw, given = self.value(node.key, "指标", default=_f(node.default))
        line["input"] = raw if given else None
        if weight is None:
            self.problem("V0111", f"指标 {node.key} 未设分值，无法评分", node.key)
            return line
        if raw is None:
            line["rule"] = "缺少结果"
            return line
        if not given:
            line["rule"] = f"未填，按声明的默认值 {R.show(raw)} 计；"
        try:
            points, rule = R.apply_method(plan, weight, raw, self.unit.values)
        except R.Problem as p:
            self.problem(p.code, f"指标 {node.key}：{p.message}", node.key)
            line["rule"] = "结果无效"
            return line
        if plan["kind"] == "direct" and (points < 0 or points > weight) and node.value_range is None \
                and not ({"may_negative", "may_exceed"} & node.flags):
            self.problem("V0107", f"指标 {node.key}：直接赋分 {R.show(points)} 超出 [0, {R.show(weight)}]", node.key)
        low, high = R.ZERO, weight
        if node.value_range is not None:
            low, high = _f(node.value_range[0]), _f(node.value_range[1])
        if "may_negative" in node.flags:
            low = None
        if "may_exceed" in node.flags:
            high = None
        kept, clipped = R.clamp(points, low, high)
        line["rule"] += rule
        line["points"] = kept
        if clipped:
            line["clipped"] = clipped
            line["clip"] = (f"高于分值 {R.show(high)}，剪去 {R.show(clipped)}" if clipped > 0
                            else f"低于 {R.show(low)}，补足 {R.show(-clipped)}")
        self.leaf_points[node.key] = (kept, weight)
        return line

    def node(self, node: M.Node) -> dict:
        if node.is_leaf:
            return self.leaf(node)
        children = [self.node(c) for c in node.children]
        summed = sum((c["points"] for c, n in zip(children, node.children) if "not_summed" not in n.flags), R.ZERO)
        declared = _f(node.points)
        line = {"key": node.key, "kind": node.kind, "label": node.text, "input": None,
                "rule": f"下级合计 {R.show(summed)}", "points": summed, "full": declared, "clipped": None,
                "clip": None, "source": _place(node.place), "children": children}
        limit = _f(node.cap) if node.cap is not None else declared
        if node.cap is not None and declared is not None:
            limit = min(limit, declared)
        if limit is not None and summed > limit:
            line["points"] = limit
            line["clipped"] = summed - limit
            line["clip"] = f"超过{'上限' if node.cap is not None else '满分'} {R.show(limit)}，剪去 {R.show(summed - limit)}"
        if node.kind == M.CATEGORY and node.counts_as is not None:
            counts = _f(node.counts_as)
            if declared:
                line["points"] = line["points"] * counts / declared
                line["rule"] += f"，按计分 {R.show(counts)} 折合（× {R.show(counts)} ÷ {R.show(declared)}）"
            line["full"] = counts
        precision = node.fields.get("precision")
        if precision is not None:
            line["points"] = R.round_to(line["points"], precision.places, precision.mode)
            line["rule"] += f"，保留 {precision.places} 位"
        if node.kind == M.CATEGORY:
            self.category_points[node.key] = (line["points"], line["full"])
        else:
            self.leaf_points[node.key] = (line["points"], line["full"])
        return line

    # ------------------------------------------------------------------ inputs and groups
    def inputs(self) -> dict[str, dict]:
        out = {}
        for name, inp in self.s.inputs.items():
            raw, given = self.value(name, "输入", optional=inp.optional, default=_f(inp.default))
            line = {"key": name, "kind": "input", "label": inp.label, "input": raw if given else None, "rule": "",
                    "points": R.ZERO, "full": _f(inp.full), "clipped": None, "clip": None,
                    "source": _place(inp.place), "children": []}
            if raw is None:
                line["rule"] = "可缺，未填按 0 计" if inp.optional else "缺少结果"
            else:
                try:
                    v = R.num(raw)
                    if v < 0 or (inp.full is not None and v > inp.full):
                        self.problem("V0107", f"输入 {name} 的值 {R.show(v)} 超出 [0, {R.show(_f(inp.full))}]", name)
                    line["points"] = v
                    line["rule"] = "填报值" if given else "未填，按声明的默认值计"
                except R.Problem as p:
                    self.problem(p.code, f"输入 {name}：{p.message}", name)
            out[name] = line
        return out

    def groups(self) -> dict[str, dict]:
        out = {}
        for name, g in self.s.groups.items():
            cap = _f(g.cap)
            raw, given = self.value(name, "加减分", optional=True)
            line = {"key": name, "kind": "group", "label": g.label, "input": raw if given else None,
                    "rule": "", "points": R.ZERO, "full": cap, "clipped": None, "clip": None,
                    "source": _place(g.place), "children": []}
            total = R.ZERO
            if raw is None:
                line["rule"] = "未填，按 0 计"
            elif isinstance(raw, dict):
                entries = {e.name: e for e in g.entries}
                for key, v in raw.items():
                    entry = entries.get(key)
                    if entry is None:
                        self.problem("V0102", f"{name} 没有名为“{key}”的项目", name)
                        continue
                    total += self.entry(name, entry, v, cap, line)
                line["rule"] = f"各项合计 {R.show(total)}"
            else:
                try:
                    total = R.num(raw)
                    if total < 0:
                        self.problem("V0107", f"{name} 应填正数（{'扣' if g.kind == 'deduct' else '加'}分方向由公式决定）",
                                     name)
                    line["rule"] = "填报合计"
                except R.Problem as p:
                    self.problem(p.code, f"{name}：{p.message}", name)
            line["points"] = total
            if cap is not None and total > cap:
                line["points"] = cap
                line["clipped"] = total - cap
                line["clip"] = f"超过上限 {R.show(cap)}，剪去 {R.show(total - cap)}"
            out[name] = line
        return out

    def entry(self, group: str, entry: M.GroupEntryModel, raw, group_cap, parent: dict) -> Fraction:
        weight = _f(entry.cap) if entry.cap is not None else group_cap
        plan = self.i.plans.get(entry.method) if entry.method else None
        if entry.inline_method is not None:
            plan = plan_of(entry.inline_method, self.i.named)
        plan = plan or DIRECT
        line = {"key": entry.name, "kind": "entry", "label": entry.label, "input": raw, "rule": "",
                "points": R.ZERO, "full": weight, "clipped": None, "clip": None, "source": _place(entry.place),
                "children": []}
        try:
            points, line["rule"] = R.apply_method(plan, weight or R.ZERO, raw, self.unit.values)
        except R.Problem as p:
            self.problem(p.code, f"{group}.{entry.name}：{p.message}", group)
            points = R.ZERO
        if weight is not None and points > weight:
            line["clipped"], line["clip"], points = points - weight, f"超过上限 {R.show(weight)}", weight
        line["points"] = max(points, R.ZERO)
        parent["children"].append(line)
        return line["points"]

    # ------------------------------------------------------------------ formulas
    def formulas(self, lines: dict) -> tuple[dict, Fraction | None, str | None]:
        view = formula_view(self.s, self.unit.unit_class)
        values: dict[str, Fraction] = {}
        order: list[str] = []

        def name_value(name: str) -> Fraction:
            if name in view:
                return formula(name)
            if name in lines["inputs"]:
                line = lines["inputs"][name]
                return self.rescaled(line["points"], line["full"])
            if name in lines["groups"]:
                return lines["groups"][name]["points"]
            if name in self.category_points:
                points, full = self.category_points[name]
                return self.rescaled(points, full)
            raise R.Problem("V0201", f"公式用到的“{name}”没有值")

        def ev(e) -> Fraction:
            if isinstance(e, A.Num):
                return Fraction(e.value)
            if isinstance(e, A.Ref):
                return name_value(e.name)
            if isinstance(e, A.BinOp):
                left, right = ev(e.left), ev(e.right)
                if e.op == "/":
                    if right == 0:
                        raise R.Problem("V0202", "公式中出现除以 0")
                    return left / right
                return left + right if e.op == "+" else left - right if e.op == "-" else left * right
            if isinstance(e, A.Neg):
                return -ev(e.operand)
            if isinstance(e, A.AttrRef):
                return self.attr(e, lines)
            if isinstance(e, A.ItemRef):
                if e.id not in self.leaf_points:
                    raise R.Problem("V0201", f"公式用到的指标 {e.id} 没有得分")
                points, full = self.leaf_points[e.id]
                return self.rescaled(points, full)
            if isinstance(e, A.Call) and e.func in ("较大", "较小"):
                values_ = [ev(a) for a in e.args]
                return max(values_) if e.func == "较大" else min(values_)
            if isinstance(e, A.External):
                raise R.Problem("V0203", "外部得分须在结果中按公式名填报")
            raise R.Problem("V0204", "公式中的跨单位函数须与其他单位一同评分（尚不支持）")

        def formula(name: str) -> Fraction:
            if name in values:
                return values[name]
            f = view[name]
            if isinstance(f.expr, A.External):
                raw, given = self.value(name, f"外部得分（{f.expr.text}）")
                value = R.num(raw) if given else R.ZERO
            else:
                value = ev(f.expr)
            if f.precision is not None:
                value = R.round_to(value, f.precision.places, f.precision.mode)
            values[name] = value
            order.append(name)
            return value

        total_name = final_formula(self.s, view)
        for name in view:
            try:
                formula(name)
            except R.Problem as p:
                self.problem(p.code, f"得分 {name}：{p.message}")
                return values, None, total_name
        return values, (values.get(total_name) if total_name else None), total_name

    def rescaled(self, points: Fraction, full: Fraction | None) -> Fraction:
        if self.s.rescale and full:
            return points * 100 / full
        return points

    def attr(self, e: A.AttrRef, lines: dict) -> Fraction:
        if e.name in self.s.groups:
            g = self.s.groups[e.name]
            if e.attr == "上限" and g.cap is not None:
                return Fraction(g.cap)
        if e.name in self.s.inputs and e.attr == "满分" and self.s.inputs[e.name].full is not None:
            return Fraction(self.s.inputs[e.name].full)
        if e.name in self.category_points and e.attr in ("满分", "分值"):
            full = self.category_points[e.name][1]
            if full is not None:
                return full
        raise R.Problem("V0201", f"“{e.name}.{e.attr}”没有值")

    # ------------------------------------------------------------------ the whole unit
    def result(self) -> dict:
        s = self.s
        if s.classes and self.unit.unit_class not in s.classes:
            self.problem("V0105", f"单位类别“{self.unit.unit_class}”未在方案中定义（可用：{'、'.join(s.classes)}）")
        roots = [r for r in s.roots] + [u for u in s.unit_blocks if u.unit == self.unit.name]
        tree = [self.node(r) for r in roots]
        lines = {"inputs": self.inputs(), "groups": self.groups()}
        values, total, total_name = self.formulas(lines)
        if total_name is None:
            total = sum((t["points"] for t, r in zip(tree, roots) if "not_summed" not in r.flags), R.ZERO)
        if total is not None and s.precision is not None:
            total = R.round_to(total, s.precision.places, s.precision.mode)
        known = {n.key for r in roots for n in r.walk()} | set(s.inputs) | set(s.groups) | set(
            formula_view(s, self.unit.unit_class))
        evidence = _evidence_names(s)
        for key in self.unit.values:
            if key not in known and key not in evidence:
                self.problem("V0102", f"方案中没有“{key}”（未知的编号或名称）", key)
        return {
            "unit": self.unit.name, "class": self.unit.unit_class,
            "total": None if self.problems else total, "total_name": total_name,
            "formulas": values, "tree": tree, "inputs": list(lines["inputs"].values()),
            "groups": list(lines["groups"].values()), "problems": self.problems,
        }


def _evidence_names(s: M.Scheme) -> set[str]:
    """Names used with 有 (evidence, findings): allowed as results keys."""
    out, stack = set(), [v.cond for v in s.vetoes] + [g.cond for g in s.gates] + [e.cond for e in s.exempts]
    for m in s.methods.values():
        stack += [c.value for c in m.method.clauses if c.kind == "gate"]
    while stack:
        c = stack.pop()
        if isinstance(c, A.Has):
            out.add(c.name)
        elif isinstance(c, A.BoolOp):
            stack += list(c.items)
        elif isinstance(c, A.Not):
            stack.append(c.item)
    return out
