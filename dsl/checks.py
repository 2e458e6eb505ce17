"""Checks on the resolved model, all reported at once, each with a stable code.

E01xx syntax and files · E02xx names and ids · E03xx sums, counts, deadlines, locks ·
E/W/N04xx the scheme's own rules and exceptions · N05xx assumptions · E06xx formulas.
"""

from __future__ import annotations

import re
from decimal import Decimal

from . import ast as A
from . import model as M
from .deadlines import parse_deadline
from .diagnostics import Diagnostic, Related, Severity, error, note, warning
from .lower import BUILTIN
from .names import DOT_ATTRS, FUNCTIONS, GRADE, ITEM_FIELDS, OTHER_UNIT, RANK, SCOPES
from .source import Span
from .syntax_errors import keyword_spellings


def _rel(place: M.Place, message: str) -> Related:
    return Related(place.span, message, place.source)


def fmt(value: Decimal | None) -> str:
    """A decimal as a person writes it: 65, 1.5, 0.25 (never 65.00 or 1E+1)."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class Checker:
    def __init__(self, scheme: M.Scheme):
        self.s = scheme
        self.out: list[Diagnostic] = []
        self.categories: dict[str, M.Node] = {}
        self.leaves_by_id: dict[str, M.Node] = {}
        for root in scheme.roots:
            for node in root.walk():
                if node.kind == M.CATEGORY:
                    self.categories.setdefault(node.key, node)
                else:
                    self.leaves_by_id.setdefault(node.key, node)

    def run(self) -> list[Diagnostic]:
        self.check_ids()
        for root in (*self.s.roots, *self.s.unit_blocks):
            for node in root.walk():
                self.check_node(node)
        self.check_names()
        self.check_category_names()
        self.check_references()
        self.check_formulas()
        self.check_capped_refs()
        self.check_rules()
        self.check_exceptions()
        self.list_assumptions()
        return self.out

    # ------------------------------------------------------------------ ids
    def scopes(self) -> list[list[M.Node]]:
        """Where ids and category names must be unique: the scheme's tree, and each unit's own blocks."""
        by_unit: dict = {}
        for u in self.s.unit_blocks:
            by_unit.setdefault(u.unit, []).append(u)
        return [list(self.s.roots)] + list(by_unit.values())

    def check_ids(self):
        for scope in self.scopes():
            seen: dict[str, M.Node] = {}
            for root in scope:
                for node in root.walk():
                    if node.kind == M.CATEGORY:
                        continue
                    first = seen.get(node.key)
                    if first is not None:
                        self.out.append(error(
                            "E0201", f"编号 {node.key} 重复", f"duplicate id {node.key}", node.place.span,
                            node.place.source, label="重复的编号", related=(_rel(first.place, "第一次出现"),),
                            hint="每个指标的编号在方案中只能出现一次"))
                    else:
                        seen[node.key] = node
                    for child in node.children:
                        if not child.key.startswith(node.key + "-"):
                            self.out.append(error(
                                "E0202", f"编号 {child.key} 不属于上级指标 {node.key}",
                                f"id {child.key} does not belong under {node.key}", child.place.span,
                                child.place.source, label=f"应以 {node.key}- 开头",
                                related=(_rel(node.place, "上级指标"),),
                                hint=f"二级指标的编号应为 {node.key}-1、{node.key}-2 …"))

    # ------------------------------------------------------------------ one node
    def check_node(self, node: M.Node):
        if node.declared is not None and node.declared < 0 and node.points_place is not None:
            self.out.append(error(
                "E0307", f"{node.key} 的分值是负数 {fmt(node.declared)}", "points must not be negative",
                node.points_place.span, node.points_place.source, label="负的分值",
                hint="扣分写成正数并用“扣”表示方向；允许得负分请写 可为负 或 范围 [-1.5, 1.25]"))
        if not node.children and node.kind != M.CATEGORY:
            self.check_leaf(node)
            return
        src = node.place.source
        what = f"{'类别' if node.kind == M.CATEGORY else '指标'} {node.key}"
        summed = [c for c in node.children if "not_summed" not in c.flags]
        has_points = [c for c in summed if c.points is not None or (c.counts_as is not None and c.has_leaves())]
        if node.declared is not None and has_points:
            total = sum((c.contribution for c in summed), Decimal(0))
            accepted = next((e for e in node.exceptions if e[0] == BUILTIN_SUM), None)
            if total != node.declared and accepted is not None:
                self.out.append(note(
                    "N0402", f"{what} 的下级合计 {fmt(total)} 分，与声明的 {fmt(node.declared)} 分不符，"
                    f"已按例外处理：{accepted[1]}", "sum does not close; approved exception recorded",
                    accepted[2].span, accepted[2].source, label="例外"))
            elif total != node.declared:
                parts = " + ".join(f"{c.key} {fmt(c.contribution)}" for c in summed[:12])
                if len(summed) > 12:
                    parts += " + …"
                self.out.append(error(
                    "E0301", f"{what} 的下级合计 {fmt(total)} 分，与声明的 {fmt(node.declared)} 分不符",
                    f"children sum to {fmt(total)}, declared {fmt(node.declared)}",
                    (node.points_place or node.place).span, (node.points_place or node.place).source,
                    label=f"声明 {fmt(node.declared)} 分",
                    hint=f"{parts} = {fmt(total)}"))
        if node.cap is not None and has_points:
            total = sum((c.points or Decimal(0) for c in summed), Decimal(0))
            if total > node.cap:
                self.out.append(error(
                    "E0302", f"{what} 的下级合计 {fmt(total)} 分，超过上限 {fmt(node.cap)} 分",
                    f"children sum to {fmt(total)}, above the cap {fmt(node.cap)}", node.place.span, src,
                    label=f"上限 {fmt(node.cap)} 分"))
        if node.kind == M.CATEGORY and "no_level2" in node.flags:
            for leaf in node.walk():
                if leaf.kind == M.ITEM:
                    self.out.append(error(
                        "E0306", f"类别 {node.key} 不设二级指标，{leaf.key} 却是二级指标",
                        "level-2 item under a category without level 2", leaf.place.span, leaf.place.source,
                        label="二级指标", related=(_rel(node.place, "声明“无二级指标”"),)))
        if node.kind == M.INDICATOR:
            self.check_deadline(node)
        if (node.kind == M.CATEGORY and self.s.kind == "scheme" and node.declared is not None and not node.has_leaves()
                and "unit_items" not in node.extra):
            self.out.append(note(
                "N0302", f"类别 {node.key} 声明 {fmt(node.declared)} 分，但未列出指标", "category lists no indicators",
                node.place.span, src, label="没有指标"))
        for kind, declared, place in node.declared_counts:
            actual = count_of(node, kind)
            if actual != declared and (node.has_leaves() or node.kind != M.CATEGORY):
                word, unit = COUNT_WORDS[kind]
                self.out.append(error(
                    "E0303", f"{what} 声明{word} {declared} {unit}，实际列出 {actual} {unit}",
                    f"declared {declared} {kind}, the table has {actual}", place.span, place.source,
                    label=f"声明 {declared}"))

    def check_leaf(self, node: M.Node):
        self.check_deadline(node)
        if node.points is None and self.s.kind == "scheme":
            self.out.append(note(
                "N0308", f"指标 {node.key} 未设分值（开放参数），评分前须补上", "indicator has no points yet",
                node.place.span, node.place.source, label="没有权重/分值"))

    def check_deadline(self, node: M.Node):
        deadline = node.fields.get("deadline")
        if deadline is not None:
            parsed = parse_deadline(deadline.text)
            if isinstance(parsed, str):
                self.out.append(error(
                    "E0304", f"时限“{deadline.text}”不是日期：{parsed}", "deadline is not a date",
                    node.place.span, node.place.source, label=f"{node.key} 的时限"))

    # ------------------------------------------------------------------ names
    def known_names(self) -> dict[str, str]:
        names = {}
        for n in self.categories:
            names[n] = "类别"
        for n in self.s.inputs:
            names[n] = "输入"
        for n in self.s.groups:
            names[n] = "加减分组"
        for n in self.s.formulas:
            names[n] = "得分"
        for c in self.s.classes.values():
            for f in c.formulas:
                names.setdefault(f.name, "得分")
        for root in self.s.unit_blocks:
            for node in root.walk():
                if node.kind == M.CATEGORY:
                    names.setdefault(node.key, "类别")
        return names

    def unknown(self, name: str, span, src, known, what="名称"):
        close = _close_matches(name, known)
        hint = f"是不是“{close[0]}”？" if close else ""
        for kw in sorted(keyword_spellings(), key=len, reverse=True):
            if name.startswith(kw) and len(name) > len(kw) and re.match(r"[^\W\d]", kw):
                hint = f"关键字与名称连写了？请写成“{kw} {name[len(kw):]}”" + (f"；或者是“{close[0]}”？" if close else "")
                break
        self.out.append(error("E0204", f"未定义的{what}“{name}”", f"undefined name {name!r}", span, src,
                              label="未定义", hint=hint))

    def check_expr(self, expr, src: str, known: dict, item_context=False, said=False):
        """`said`: a 性质 or 期望's condition (其他单位.X and 否决 X may be read)."""
        stack = [expr]
        vetoes = {v.name.text for v, _src in self.s.vetoes}
        while stack:
            e = stack.pop()
            if said and isinstance(e, A.AttrRef) and e.name == OTHER_UNIT:
                stack.append(A.Ref(e.attr, e.span))
            elif isinstance(e, A.Vetoed):
                if e.name not in vetoes:
                    self.unknown(e.name, e.span, src, vetoes, what="否决")
            elif isinstance(e, A.Ref):
                if e.name not in known and not (item_context and e.name in ITEM_FIELDS):
                    self.unknown(e.name, e.span, src, known)
            elif isinstance(e, A.AttrRef):
                if e.name not in known:
                    self.unknown(e.name, e.span, src, known)
                elif e.attr not in DOT_ATTRS:
                    self.out.append(error("E0204", f"“{e.name}”没有属性“{e.attr}”",
                                          f"no attribute {e.attr!r}", e.span, src,
                                          hint="可用：" + "、".join(DOT_ATTRS)))
            elif isinstance(e, A.Call):
                spec = FUNCTIONS.get(e.func)
                if spec is None:
                    self.unknown(e.func, e.span, src, FUNCTIONS, what="函数")
                elif len(e.args) < spec[0] or (spec[1] is not None and len(e.args) > spec[1]):
                    self.out.append(error("E0207", f"函数 {e.func} 的参数个数不对（写了 {len(e.args)} 个）",
                                          "wrong number of arguments", e.span, src))
                if spec is not None and spec[2] == "cross" and e.func != "单位数" and e.args \
                        and not isinstance(e.args[0], A.Ref):
                    self.out.append(error("E0503", f"{e.func}(…) 的第一个参数目前须是一个名称（得分、输入或类别）",
                                          "cross-unit functions take a name first", e.span, src))
                for arg in e.args:
                    scope = arg is e.args[-1] and (len(e.args) == 2 or e.func == "单位数")
                    if isinstance(arg, A.Ref) and spec is not None and spec[2] == "cross" and scope \
                            and (arg.name in self.s.classes or arg.name in SCOPES):
                        continue
                    stack.append(arg)
            elif isinstance(e, A.ItemRef):
                if e.id not in self.leaves_by_id and not any(
                        n.key == e.id for u in self.s.unit_blocks for n in u.walk()):
                    self.unknown(e.id, e.span, src, self.leaves_by_id, what="指标")
            elif isinstance(e, A.BinOp):
                if e.op == "-" and isinstance(e.right, A.Num) and _rightmost_num(e.left) is not None \
                        and e.right.span.column == _rightmost_num(e.left).span.end_column + 1 \
                        and e.right.span.line == e.span.line:
                    left = _rightmost_num(e.left)
                    self.out.append(warning(
                        "W0104", "数字与“-”紧贴：这里按减法计算，不是指标编号", "digit-minus-digit is subtraction here",
                        Span(left.span.line, left.span.column, e.right.span.end_line, e.right.span.end_column), src,
                        label="按减法计算",
                        hint="引用指标请写“指标 1-1”；确是减法请在“-”两边加空格"))
                stack += [e.right, e.left]
            elif isinstance(e, A.Neg):
                stack.append(e.operand)
            elif isinstance(e, A.Contains) and not (item_context and isinstance(e.subject, A.Ref)
                                                    and e.subject.name in ITEM_FIELDS):
                self.out.append(error(
                    "E0210", "含/不含 只能用于指标的文字（内容、备注、依据、责任…）", "contains applies to texts only",
                    e.span, src, label="不是文字",
                    hint="要检查一个类别下的每个指标，请写：规则 名称: 每项 于 类别 内容 不含 \"…\""))
                stack.append(e.subject)
            elif isinstance(e, A.Compare):
                stack += [e.right, e.left]
            elif isinstance(e, A.Contains):
                stack.append(e.subject)
            elif isinstance(e, A.BoolOp):
                stack += list(reversed(e.items))
            elif isinstance(e, A.Not):
                stack.append(e.item)
            # Num, External, Has: nothing to resolve (Has names evidence given in results)

    def check_names(self):
        known = self.known_names()
        for f in self._all_formulas():
            self.check_expr(f.expr, f.place.source, known)
        for m in self.s.methods.values():
            for c in m.method.clauses:
                if c.kind in ("standard", "value"):
                    self.check_expr(c.value, m.place.source, known)
        # once, where the method is named: the nodes below inherit the name and are not reported again
        stack = [(r, None) for r in reversed((*self.s.roots, *self.s.unit_blocks))]
        while stack:
            node, inherited = stack.pop()
            stack.extend((c, node.method) for c in reversed(node.children))
            if node.method is not None and node.method != inherited and node.method not in self.s.methods \
                    and node.method not in BUILTIN:
                self.out.append(error(
                    "E0206", f"未定义的评分法“{node.method}”", f"undefined method {node.method!r}",
                    node.place.span, node.place.source, label=f"{node.key} 的评分法",
                    hint=_did_you_mean(node.method, self.s.methods)))
        for g in self.s.groups.values():
            for e in g.entries:
                if e.method is not None and e.method not in self.s.methods and e.method not in BUILTIN:
                    self.out.append(error("E0206", f"未定义的评分法“{e.method}”", f"undefined method {e.method!r}",
                                          e.place.span, e.place.source, hint=_did_you_mean(e.method, self.s.methods)))
        for m in self.s.methods.values():
            base = m.method.arg if m.method.kind == "based_on" else None
            if base is not None and base.text not in self.s.methods:
                self.out.append(error("E0206", f"未定义的评分法“{base.text}”", f"undefined method {base.text!r}",
                                      base.span, m.place.source, hint=_did_you_mean(base.text, self.s.methods)))
        spellings = keyword_spellings()
        decls = [(n, "类别", n_.place) for n, n_ in self.categories.items()]
        decls += [(n, "输入", i.place) for n, i in self.s.inputs.items()]
        decls += [(n, "得分", f.place) for n, f in self.s.formulas.items()]
        decls += [(n, "评分法", m.place) for n, m in self.s.methods.items()]
        for name, what, place in decls:
            if name in spellings:
                self.out.append(warning(
                    "W0102", f"{what}名称“{name}”与关键字相同", "name equals a keyword", place.span, place.source,
                    hint=f"在关键字可出现的位置会被当作关键字；可改名，或写成「{name}」"))

    def check_category_names(self):
        """Formulas and rules name categories: a name used twice in one tree is ambiguous."""
        for roots in self.scopes():
            seen: dict = {}
            for root in roots:
                for node in root.walk():
                    if node.kind != M.CATEGORY:
                        continue
                    if node.key in seen and seen[node.key] is not node:
                        self.out.append(error(
                            "E0203", f"类别名称“{node.key}”重复", "category name used twice", node.place.span,
                            node.place.source, label="第二次", related=(_rel(seen[node.key].place, "第一次"),),
                            hint="公式和规则按名称引用类别，同名类别无法区分；可给其中一个改名，印刷名称写在引号里"))
                    seen.setdefault(node.key, node)

    def check_references(self):
        """Names in ranking, grades, vetoes, invariants, cases, unit blocks and class overrides."""
        known = self.known_names()
        src = self.s.source
        if self.s.ranking is not None:
            basis = self.s.ranking.basis
            if basis.text not in known and basis.text not in ("总分",):
                self.unknown(basis.text, basis.span, src, known)
        grade_names = {g.name.text for g in self.s.grades.grades} if self.s.grades else set()
        refs = [q.grade for q in self.s.grades.quotas] if self.s.grades else []
        if self.s.grades is not None:  # without a grade table a veto is a flag on the unit only
            refs += [v.grade for v, _src in self.s.vetoes]
        for name in refs:
            if name.text not in grade_names:
                self.unknown(name.text, name.span, src, grade_names, what="等次")
        # 性质 and 期望 read a scored unit: also its grade, its place in the ranking, its vetoes, and
        # (in a 性质) the values of the other units scored with it
        said = dict(known)
        if self.s.grades is not None:
            said[GRADE] = "等次"
            said.update({name: "等次" for name in grade_names})
        if self.s.ranking is not None:
            said[RANK] = "名次"
        conds = [c for inv in self.s.invariants for c in (inv.premise, inv.conclusion) if c is not None]
        for cond in conds + [e.cond for case in self.s.cases for e in case.expects]:
            self.check_expr(cond, src, said, said=True)
        for unit, cls in self.s.unit_block_classes.items():
            if cls is not None and self.s.classes and cls not in self.s.classes:
                block = next(b for b in self.s.unit_blocks if b.unit == unit)
                self.unknown(cls, block.place.span, block.place.source, self.s.classes, what="单位类别")
        ids = set(self.leaves_by_id) | {n.key for u in self.s.unit_blocks for n in u.walk()}
        for c in self.s.classes.values():
            for o in c.overrides:
                if o.id not in ids:
                    self.unknown(o.id, o.span, c.place.source, ids, what="指标")

    def _all_formulas(self):
        yield from self.s.formulas.values()
        for c in self.s.classes.values():
            yield from c.formulas

    # ------------------------------------------------------------------ formulas
    def check_formulas(self):
        """Cycles among formulas (each class sees its own formulas over the scheme's)."""
        views = [dict(self.s.formulas)]
        for c in self.s.classes.values():
            view = dict(self.s.formulas)
            view.update({f.name: f for f in c.formulas})
            views.append(view)
        reported = set()
        for view in views:
            for cycle in _cycles(view):
                key = frozenset(cycle)
                if key in reported:
                    continue
                reported.add(key)
                first = view[cycle[0]]
                path = " → ".join(cycle + [cycle[0]])
                self.out.append(error(
                    "E0601", f"得分公式循环引用：{path}", f"formulas depend on each other in a cycle: {path}",
                    first.place.span, first.place.source, label="循环从这里开始",
                    related=tuple(_rel(view[n].place, "循环的一环") for n in cycle[1:])))

    def check_capped_refs(self):
        """W0602: a formula that reads an item or indicator under a node whose 上限/满分 clips it (below
        its children's points) adds the child's points past that cap (both places are shown)."""
        capped: dict[str, M.Node] = {}  # node key → its nearest capped ancestor
        for roots in self.scopes():
            for root in roots:
                stack: list[tuple[M.Node, M.Node | None]] = [(root, None)]
                while stack:
                    node, cap = stack.pop()
                    if cap is not None:
                        capped.setdefault(node.key, cap)
                    if not node.children:  # a leaf clips nothing
                        continue
                    limits = [v for v in (node.cap, node.declared) if v is not None]
                    below = sum((c.contribution for c in node.children if "not_summed" not in c.flags), Decimal(0))
                    clips = bool(node.children) and bool(limits) and min(limits) < below
                    for child in node.children:
                        stack.append((child, node if clips else cap))
        for f in self._all_formulas():
            stack = [f.expr]
            while stack:
                e = stack.pop()
                key = e.id if isinstance(e, A.ItemRef) else e.name if isinstance(e, A.Ref) else None
                if key is not None and key in capped:
                    above = capped[key]
                    limit = min(v for v in (above.cap, above.declared) if v is not None)
                    self.out.append(warning(
                        "W0602", f"得分公式 {f.name} 直接引用 {key}，越过了 {above.key} 的上限 {fmt(limit)}",
                        f"formula reads {key} past the cap of {above.key}", e.span, f.place.source,
                        label="越过上限的引用", related=(_rel(above.place, f"{above.key} 的上限在此，它剪去的分数在公式中又被加回"),),
                        hint=f"引用 {above.key}（已按上限剪裁）而不是它的下级；确需如此时请核实总分不会超出"))
                for attr in ("left", "right", "operand"):
                    if hasattr(e, attr):
                        stack.append(getattr(e, attr))
                if isinstance(e, A.Call):
                    stack.extend(e.args)

    # ------------------------------------------------------------------ rules
    def check_rules(self):
        """A template's rules bind the schemes that extend it; a template alone is not judged by them."""
        if self.s.kind == "template":
            return
        for rule in self.s.rules:
            r = rule.rule
            sev = {"error": Severity.ERROR, "warning": Severity.WARNING, "note": Severity.NOTE}[rule.level]
            code = {"error": "E0401", "warning": "W0401", "note": "N0401"}[rule.level]
            if r.form == "each":
                self._check_each(rule, sev, code)
                continue
            known = self.known_names()
            before = len(self.out)
            for cond in filter(None, (r.premise, r.conclusion)):
                self.check_expr(cond, rule.place.source, known)
            if len(self.out) != before:
                continue
            ev = _StaticEval(self)
            try:
                if r.premise is not None and not ev.cond(r.premise):
                    continue
                ok = ev.cond(r.conclusion)
            except _NotStatic:
                self._not_static(rule)
                continue
            if ok:
                continue
            place = ev.first_place or self._scheme_place()
            excepted = self._exception_for(rule.name, ev.places)
            if excepted is not None:
                self.out.append(note("N0402", f"规则 {rule.name} 不满足，已按例外处理：{excepted[1]}",
                                     "rule not met; approved exception recorded", excepted[2].span,
                                     excepted[2].source, related=(_rel(rule.place, "规则"),)))
                continue
            self.out.append(Diagnostic(
                code, sev, f"不满足规则“{rule.name}”：{ev.explain(r.conclusion)}", f"rule {rule.name} is not met",
                place.span, place.source, label="不满足", related=(_rel(rule.place, "规则在此定义"),)))

    def _not_static(self, rule: M.RuleModel):
        self.out.append(note(
            "N0403", f"规则“{rule.name}”用到了考评结果或跨单位的值，检查方案时无法判断", "rule needs results",
            rule.place.span, rule.place.source, hint="规则检查方案本身（个数、分值、文字）；对结果的要求请写成 门槛 或 否决"))

    def _scheme_place(self) -> M.Place:
        return self.s.roots[0].place if self.s.roots else M.Place(self.s.source, Span(1, 1, 1, 2))

    def _exception_for(self, rule: str, nodes):
        for node in nodes:
            for ex in node.exceptions:
                if ex[0] == rule:
                    return ex
        return None

    def _check_each(self, rule: M.RuleModel, sev, code):
        r = rule.rule
        known = self.known_names()
        scope_nodes = []
        for name in r.scope:
            node = self.categories.get(name.text)
            if node is None:
                self.unknown(name.text, name.span, rule.place.source, self.categories, what="类别")
            else:
                scope_nodes.append(node)
        before = len(self.out)
        for cond in filter(None, (r.premise, r.conclusion)):
            self.check_expr(cond, rule.place.source, known, item_context=True)
        if len(self.out) != before:
            return
        for scope in scope_nodes:
            for leaf in scope.leaves():
                ev = _StaticEval(self, leaf)
                try:
                    if r.premise is not None and not ev.cond(r.premise):
                        continue
                    if ev.cond(r.conclusion):
                        continue
                except _NotStatic:
                    self._not_static(rule)
                    return
                ex = next((e for e in leaf.exceptions if e[0] == rule.name), None)
                if ex is not None:
                    self.out.append(note(
                        "N0402", f"{leaf.key} 不满足规则“{rule.name}”，已按例外处理：{ex[1]}",
                        "rule not met; approved exception recorded", ex[2].span, ex[2].source,
                        label="例外", related=(_rel(rule.place, "规则在此定义"),)))
                    continue
                self.out.append(Diagnostic(
                    code, sev, f"{leaf.key} 不满足规则“{rule.name}”：{ev.explain(r.conclusion)}",
                    f"{leaf.key} does not meet rule {rule.name}", leaf.place.span, leaf.place.source,
                    label="不满足", related=(_rel(rule.place, "规则在此定义"),),
                    hint=f"如经批准，可在该指标上写：例外 {rule.name} \"理由\""))

    def check_exceptions(self):
        names = {r.name for r in self.s.rules} | {BUILTIN_SUM}
        for root in (*self.s.roots, *self.s.unit_blocks):
            for node in root.walk():
                for rule, _reason, place in node.exceptions:
                    if rule not in names:
                        self.out.append(warning(
                            "W0403", f"例外所指的规则“{rule}”不存在", f"exception names unknown rule {rule!r}",
                            place.span, place.source, hint=_did_you_mean(rule, names)))

    def list_assumptions(self):
        for a in self.s.assumptions:
            self.out.append(note("N0501", f"假定（{a.subject}）：{a.text}", "assumption the scheme relies on",
                                 a.place.span, a.place.source, label="假定"))


# The built-in check an exception may name: 例外 分值合计 "原表标注 30 分，细项合计 25 分"
BUILTIN_SUM = "分值合计"
COUNT_WORDS = {"level1": ("一级指标", "项"), "level2": ("二级指标", "条"), "items": ("条目", "条")}


def count_of(node: M.Node, kind: str) -> int:
    """一级指标: level-1 indicators; 二级指标: level-2 items; 条目: leaves."""
    if kind == "items":
        return len(node.leaves())
    wanted = M.INDICATOR if kind == "level1" else M.ITEM
    return sum(1 for n in node.walk() if n.kind == wanted)


def _rightmost_num(e):
    """The literal a subtraction's left side ends with (1 in “1-1”), or None."""
    while isinstance(e, A.BinOp):
        e = e.right
    return e if isinstance(e, A.Num) and not e.percent else None


def _did_you_mean(name, known) -> str:
    close = _close_matches(name, known)
    return f"是不是“{close[0]}”？" if close else ""


def _cycles(view: dict) -> list[list[str]]:
    """Elementary cycles found by an iterative depth-first search (one per back edge)."""
    graph = {n: sorted(r for r in A.refs(f.expr) if r in view) for n, f in view.items()}
    color = {n: 0 for n in graph}
    cycles = []
    for start in graph:
        if color[start]:
            continue
        stack = [(start, iter(graph[start]))]
        path = [start]
        color[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                color[node] = 2
            elif color[nxt] == 1:
                cycles.append(path[path.index(nxt):])
            elif color[nxt] == 0:
                color[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(graph[nxt])))
    return cycles


class _NotStatic(Exception):
    """The condition needs results (inputs, evidence): it is checked when scoring, not here."""


class _StaticEval:
    """Evaluates a rule over the scheme itself: counts, points, texts of one leaf."""

    def __init__(self, checker: Checker, leaf: M.Node | None = None):
        self.c = checker
        self.leaf = leaf
        self.places: list[M.Node] = []
        self.first_place: M.Place | None = None
        self.trace: dict = {}
        self.notes: list[str] = []

    def _node(self, name: str) -> M.Node:
        node = self.c.categories.get(name) or self.c.leaves_by_id.get(name)
        if node is None:
            raise _NotStatic
        self.places.append(node)
        if self.first_place is None and node.place.source == self.c.s.source:
            self.first_place = node.place
        return node

    def expr(self, e):
        if isinstance(e, A.Num):
            return e.value
        if isinstance(e, A.Ref):
            if self.leaf is not None and e.name in ITEM_FIELDS:
                return _field(self.leaf, ITEM_FIELDS[e.name])
            node = self._node(e.name)
            return node.points if node.points is not None else Decimal(0)
        if isinstance(e, A.ItemRef):
            node = self._node(e.id)
            return node.points or Decimal(0)
        if isinstance(e, A.Call) and e.func in ("计数", "分值"):
            nodes = [self._node(a.name if isinstance(a, A.Ref) else a.id) for a in e.args
                     if isinstance(a, (A.Ref, A.ItemRef))]
            if len(nodes) != len(e.args):
                raise _NotStatic
            value = (Decimal(sum(len(n.leaves()) for n in nodes)) if e.func == "计数"
                     else sum((n.points or Decimal(0) for n in nodes), Decimal(0)))
            self.trace[e] = value
            return value
        if isinstance(e, A.Call) and e.func == "重复数":
            first, second = (self._node(a.name) if isinstance(a, A.Ref) else None for a in e.args)
            if first is None or second is None:
                raise _NotStatic
            texts = {_norm(leaf.text): leaf.key for leaf in second.leaves() if leaf.text}
            pairs = [(leaf.key, texts[_norm(leaf.text)]) for leaf in first.leaves()
                     if leaf.text and _norm(leaf.text) in texts]
            self.notes += [f"{a} 与 {b} 文字相同" for a, b in pairs]
            value = Decimal(len(pairs))
            self.trace[e] = value
            return value
        if isinstance(e, A.BinOp):
            left, right = self.expr(e.left), self.expr(e.right)
            if e.op == "/" and right == 0:
                raise _NotStatic
            return {"+": left + right, "-": left - right, "*": left * right}.get(e.op) if e.op != "/" else left / right
        if isinstance(e, A.Neg):
            return -self.expr(e.operand)
        raise _NotStatic

    def cond(self, c) -> bool:
        if isinstance(c, A.Compare):
            left, right = self.expr(c.left), self.expr(c.right)
            if isinstance(left, str) or isinstance(right, str):
                return (left == right) == (c.op == "=")
            self.trace[c] = (left, right)
            return {"=": left == right, "!=": left != right, ">=": left >= right, "<=": left <= right,
                    ">": left > right, "<": left < right}[c.op]
        if isinstance(c, A.Contains):
            text = self.expr(c.subject)
            if not isinstance(text, str):
                raise _NotStatic
            hits = [n for n in c.needles if n in text]
            self.trace[c] = hits
            return not hits if c.negate else bool(hits)
        if isinstance(c, A.BoolOp):
            results = [self.cond(i) for i in c.items]
            return all(results) if c.op == "and" else any(results)
        if isinstance(c, A.Not):
            return not self.cond(c.item)
        raise _NotStatic

    def explain(self, c) -> str:
        text = self._explain(c)
        return text + ("（" + "；".join(self.notes[:5]) + "）" if self.notes else "")

    def _explain(self, c) -> str:
        if isinstance(c, A.Compare) and c in self.trace:
            left, right = self.trace[c]
            return f"实际为 {fmt(left)}，要求 {c.op} {fmt(right)}" if c.op != "=" else \
                f"实际为 {fmt(left)}，要求 = {fmt(right)}"
        if isinstance(c, A.Contains) and c in self.trace:
            hits = self.trace[c]
            if c.negate:
                return "含有“" + "”“".join(hits) + "”"
            return "不含“" + "”“".join(c.needles) + "”中的任何一个"
        return "条件不成立"


def _norm(text: str) -> str:
    return "".join(text.split())


def _field(leaf: M.Node, field: str) -> str | Decimal:
    if field == "text":
        return leaf.text or ""
    if field == "key":
        return leaf.key
    if field == "points":
        return leaf.points or Decimal(0)
    value = leaf.fields.get(field)
    if value is None:
        return ""
    if isinstance(value, tuple):
        return " ".join(value)
    return getattr(value, "text", value)


def _close_matches(name: str, known) -> list[str]:
    import difflib  # only for a name that is not found

    return difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
