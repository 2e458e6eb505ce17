"""AST (one file, or a scheme and its templates) → the resolved model.

Merging: a scheme's category with the same name as a template category at the same level is
merged into it (attributes override, children are appended); a 锁定 category cannot be changed.
Methods, inputs, groups, formulas, unit classes and rules are inherited and may be redefined by
name. Attributes set on a level-1 indicator (分管 责任 责任人 主体 依据 时限) are inherited by its
items; a category's 评分 method by everything below it.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from . import ast as A
from . import model as M
from .diagnostics import Diagnostic, Related, error

MAX_DEPTH = 32
_POINT_KEYS = frozenset(("full", "points", "weight"))
_FIELD_KEYS = ("leader", "owner", "person", "assessor", "basis", "deadline", "remark", "printed_id", "precision")
_INHERITED_FIELDS = ("leader", "owner", "person", "assessor", "basis", "deadline")
_REPEATABLE = frozenset(("exception", "assume"))
_LOCK_FREE = ("leader", "owner", "person", "deadline", "remark", "assessor")
_FLAG_KEYS = frozenset(("locked", "no_level2", "not_summed", "may_negative", "may_exceed", "optional"))
_COMMON = ("assume", "remark", "basis")
_SCORING_KEYS = ("gate", "applies", "not_applicable", "fields", "value", "missing", "optional", "range",
                 "may_negative", "may_exceed", "cap", "precision", "method", "counts_as", "default", "declared",
                 "unit_items")
# Fields whose place nothing reads once they are drafted (a second one is found again in the attributes):
# their drafts hold (value, None), which spares a Place for each 时限, 责任, 备注 … of every item.
_PLACELESS = frozenset(_FIELD_KEYS) - frozenset(_SCORING_KEYS) - _REPEATABLE
_SCORING_ORDER = {k: i for i, k in enumerate(_SCORING_KEYS)}
_NODE = ("full", "points", "weight", "cap", "method", "deadline", "leader", "owner", "person", "assessor",
         "exception", "printed_id", "not_summed", "precision", "default") + _COMMON
# Which attributes each declaration takes (E0209 for the others, never silently ignored).
APPLIES = {kind: frozenset(keys) for kind, keys in {
    "category": _NODE + ("counts_as", "declare", "locked", "no_level2", "applies", "not_applicable", "gate",
                         "unit_items"),
    "indicator": _NODE + ("range", "may_negative", "may_exceed", "applies", "not_applicable", "gate", "missing",
                          "optional", "fields", "value", "declare"),
    "input": ("full", "points", "source", "shared", "optional", "missing", "default") + _COMMON,
    "group": ("cap", "may_negative", "source") + _COMMON,
    "entry": ("cap", "method") + _COMMON,
    "formula": ("precision",) + _COMMON,
    "rule": ("level",) + _COMMON,
}.items()}
ATTR_WORDS = {
    "full": "满分", "points": "分值", "weight": "权重", "cap": "上限", "counts_as": "计分", "declare": "声明",
    "method": "评分", "deadline": "时限", "leader": "分管", "owner": "责任", "person": "责任人", "assessor": "主体",
    "basis": "依据", "remark": "备注", "locked": "锁定", "no_level2": "无二级指标", "exception": "例外",
    "assume": "假定", "printed_id": "原号", "not_summed": "不计入总分", "range": "范围", "may_negative": "可为负",
    "may_exceed": "可超分值", "applies": "适用", "not_applicable": "不适用", "gate": "门槛", "missing": "缺失",
    "optional": "可缺", "fields": "输入项", "value": "取值", "source": "来源", "shared": "全体", "level": "级别",
    "precision": "精度", "default": "默认", "unit_items": "单位自列",
}
KIND_WORDS = {M.CATEGORY: "类别", M.INDICATOR: "指标", M.ITEM: "二级指标"}


@attrs.define
class _Draft:
    kind: str
    key: str
    text: str | None
    attrs: dict  # key → (value, Place); repeatable keys → list
    children: list
    place: M.Place
    locked_by: M.Place | None = None
    unit: str | None = None
    from_file: str | None = None  # set when a file's declaration is merged in (to catch a second one)


class Resolver:
    """Collects diagnostics while turning one scheme (with its templates) into a model."""

    def __init__(self):
        self.diags: list[Diagnostic] = []
        self.assumptions: list[M.Assumption] = []
        self._fields: dict = {}  # the fields of the nodes frozen so far, each set once (_shared_fields)
        self._placeless: dict = {}  # id of a field's value → (value, None) (_attrs)

    # ---------------------------------------------------------------- attributes
    def _attrs(self, attr_nodes, src: str, what: str, kind: str) -> dict:
        out: dict = {}
        for a in attr_nodes:
            key = "declared" if a.key in _POINT_KEYS else a.key
            place = None if key in _PLACELESS else M.Place(src, a.span)
            if a.key not in APPLIES[kind]:
                self.diags.append(error(
                    "E0209", f"{what}：属性“{ATTR_WORDS.get(a.key, a.key)}”在这里不起作用",
                    f"attribute {a.key} does not apply to a {kind}", a.span, src, label="不适用",
                    hint="可用的属性：" + "、".join(w for k, w in ATTR_WORDS.items() if k in APPLIES[kind])))
                continue
            if a.key in _REPEATABLE:
                out.setdefault(key, []).append((a.value, place))
                if a.key == "assume":
                    self.assumptions.append(M.Assumption(a.value, what, place or M.Place(src, a.span)))
                continue
            if key in out:
                first = out[key][1] or M.Place(src, next(b.span for b in attr_nodes if b.key == key))
                self.diags.append(error(
                    "E0208", f"{what} 的属性重复：同一属性写了两次", "attribute given twice", a.span, src,
                    label="第二次", related=(M_related(first, "第一次"),), hint="删去其中一个"))
                continue
            if place is None:  # one (value, None) for a value written many times (责任 "办公室")
                entry = self._placeless.get(id(a.value))
                if entry is None:
                    entry = self._placeless[id(a.value)] = (a.value, None)  # holds the value: its id stays its own
                out[key] = entry
            else:
                out[key] = (a.value, place)
        return out

    # ---------------------------------------------------------------- tree drafts
    def _draft_entry(self, node, src: str, depth: int, unit: str | None):
        if isinstance(node, A.Category):
            return self._draft_category(node, src, depth, unit)
        if isinstance(node, A.Indicator):
            attrs_ = self._attrs(node.attrs, src, f"指标 {node.id}", "indicator")
            children = [self._draft_item(i, src, 2, unit) for i in (node.items or ())]
            return _Draft(M.INDICATOR, node.id, node.text, attrs_, children, M.Place(src, node.id_span), unit=unit)
        return self._draft_item(node, src, 1, unit)

    def _draft_item(self, item: A.Item, src: str, level: int, unit):
        kind = M.ITEM if level == 2 else M.INDICATOR
        attrs_ = self._attrs(item.attrs, src, f"{KIND_WORDS[kind]} {item.id}", "indicator")
        return _Draft(kind, item.id, item.text, attrs_, [], M.Place(src, item.id_span), unit=unit)

    def _draft_category(self, cat: A.Category, src: str, depth: int, unit):
        attrs_ = self._attrs(cat.attrs, src, f"类别 {cat.name.text}", "category")
        draft = _Draft(M.CATEGORY, cat.name.text, cat.label, attrs_, [], M.Place(src, cat.name.span), unit=unit)
        if depth >= MAX_DEPTH:
            return draft  # too deep: reported by check_depth before resolving
        draft.children = [self._draft_entry(c, src, depth + 1, unit) for c in cat.children]
        return draft

    def _merge(self, base: list, extra: list, locked_by: M.Place | None = None):
        """Merge a scheme's drafts into its template's: categories by name, indicators by id.

        Under a 锁定 section only the responsibility fields may be filled in (说明(3): 内容、权重不能
        改变); anything else, and any new entry, is reported as E0305.
        """
        index = {(d.kind == M.CATEGORY, d.key): d for d in base}
        for d in extra:
            target = index.get((d.kind == M.CATEGORY, d.key))
            lock = target.locked_by if target is not None else locked_by
            if target is None:
                if lock is not None:
                    self._locked_error(d, lock, "在锁定的类别中新增了内容")
                    continue
                d.from_file = d.place.source
                base.append(d)
                index[(d.kind == M.CATEGORY, d.key)] = d
                continue
            if target.place.source == d.place.source and target.from_file == d.place.source:
                self.diags.append(error(
                    "E0201" if d.kind != M.CATEGORY else "E0203",
                    f"{KIND_WORDS[d.kind]} {d.key} 在同一文件中写了两次", "declared twice in one file",
                    d.place.span, d.place.source, label="第二次", related=(M_related(target.place, "第一次"),)))
                continue
            changed = [k for k in d.attrs if k not in _REPEATABLE
                       and (k not in target.attrs or target.attrs[k][0] != d.attrs[k][0])]
            if d.text is not None and d.text != target.text:
                changed.append("text")
            if lock is not None and [k for k in changed if k not in _LOCK_FREE]:
                self._locked_error(d, lock, "修改了锁定的内容或分值")
                continue
            if d.text is not None:
                target.text = d.text
            if lock is None:
                target.place = d.place  # the department's own file is where its problems are shown
                target.from_file = d.place.source
            for k, v in d.attrs.items():
                if k in _REPEATABLE:
                    target.attrs.setdefault(k, []).extend(v)
                else:
                    target.attrs[k] = v
            self._merge(target.children, d.children, lock)

    def _locked_error(self, d: _Draft, lock: M.Place, what: str):
        self.diags.append(error(
            "E0305", f"{KIND_WORDS[d.kind]} {d.key}：{what}；该部分由模板锁定",
            "a locked template section was changed", d.place.span, d.place.source,
            label="不能修改", related=(M_related(lock, "模板在此锁定"),),
            hint="锁定部分的内容和权重只能由模板修改；方案只可补填 时限、分管、责任、责任人、备注"))

    def _mark_locked(self, drafts: list, locked_by=None):
        for d in drafts:
            lock = locked_by
            if "locked" in d.attrs:
                lock = d.attrs["locked"][1]
            d.locked_by = lock
            self._mark_locked(d.children, lock)

    # ---------------------------------------------------------------- freezing
    def _freeze(self, d: _Draft, inherited_method, inherited_fields: dict, level: int) -> M.Node:
        """inherited_method: a method name, an inline A.Method, or None; a node's own 评分 wins."""
        at = d.attrs
        method = at["method"][0] if "method" in at else inherited_method
        if isinstance(method, A.Name):
            method = method.text
        fields = dict(inherited_fields) if d.kind != M.CATEGORY else {}
        for k in _FIELD_KEYS:  # in this order, so that inspect --json is the same on every run
            if k in at:
                fields[k] = at[k][0]
        child_fields = {k: fields[k] for k in _INHERITED_FIELDS if k in fields} if d.kind == M.INDICATOR else {}
        child_level = 0 if d.kind == M.CATEGORY else level + 1
        children = tuple(
            self._freeze(c, method, child_fields,
                         (1 if c.kind != M.CATEGORY else 0) if d.kind == M.CATEGORY else child_level)
            for c in d.children)
        inline = method if isinstance(method, A.Method) else None
        method = None if inline is not None else method
        declared = at["declared"][0] if "declared" in at else None
        if declared is not None:
            points = declared
        elif children and any(c.points is not None or c.counts_as is not None for c in children):
            points = sum((c.contribution for c in children if "not_summed" not in c.flags), Decimal(0))
        else:
            points = None
        rng = at.get("range", (None,))[0]
        node = M.Node(
            kind=d.kind, key=d.key, text=d.text, level=0 if d.kind == M.CATEGORY else level,
            declared=declared, points=points,
            cap=at["cap"][0] if "cap" in at else None,
            counts_as=at["counts_as"][0] if "counts_as" in at else None,
            method=method, inline_method=inline, fields=self._shared_fields(fields),
            flags=_flags(at),
            value_range=tuple(rng) if rng else None,
            default=self._default(at),
            exceptions=tuple((v.rule.text, v.reason, p) for v, p in at["exception"]) if "exception" in at else (),
            declared_counts=tuple((k, n, M.Place(at["declare"][1].source, sp))
                                  for k, n, sp in at["declare"][0].entries) if "declare" in at else (),
            extra=self._extra(at),
            children=children, place=d.place,
            points_place=at["declared"][1] if "declared" in at else None, unit=d.unit)
        d.attrs, d.children = {}, []  # a draft is frozen once: what only it held is freed as the tree is frozen
        return node

    def _shared_fields(self, fields: dict) -> dict:
        """One dict for equal fields (nodes never change them): the items of a large scheme repeat a few
        owners and deadlines."""
        try:
            key = tuple(fields.items())
            return self._fields.setdefault(key, fields) if len(self._fields) < 100_000 else fields
        except TypeError:  # a value that cannot be hashed: not shared
            return fields

    @staticmethod
    def _default(at: dict):
        """默认 N (a number); 缺失 取 … is lowered (lower.py), which says what it may be."""
        return at["default"][0] if "default" in at else None

    @staticmethod
    def _extra(at: dict) -> dict:
        """The attributes that decide how a node scores, as written, each with its place (lower.py gives
        them meaning): gate, applies, not_applicable, fields, value, missing, optional, range, may_negative,
        may_exceed, cap, precision, method, counts_as, default."""
        keys = [k for k in at if k in _SCORING_ORDER]  # a node has a few attributes; there are 16 scoring keys
        if len(keys) > 1:
            keys.sort(key=_SCORING_ORDER.__getitem__)  # in the order of _SCORING_KEYS, as before
        return {k: at[k] for k in keys}

    # ---------------------------------------------------------------- whole scheme
    def resolve(self, files: list[tuple[str, A.Scheme]]) -> M.Scheme:
        """files: the scheme first, then its templates (nearest first)."""
        drafts: list = []
        unit_drafts: list = []
        unit_classes: dict = {}
        named: dict = {}  # kind → {name: (decl, src)}, later files override earlier (templates first)
        rules: dict = {}
        invariants: dict = {}  # a scheme's 性质 replaces its template's of the same name
        cases, vetoes, gates, exempts, populations = [], [], [], [], []
        decimals: list = []
        ranking = grades = None
        meta: dict = {}
        meta_src: dict = {}
        precision = None
        rescale = False
        for src, tree in reversed(files):  # the root template first, the scheme last
            file_drafts = []
            seen_meta: dict = {}
            for m in tree.meta:
                if m.key in seen_meta and m.key not in ("assume", "basis", "remark"):
                    self.diags.append(error(
                        "E0208", "方案头部的同一项写了两次", "header line given twice", m.span, src, label="第二次",
                        related=(M_related(seen_meta[m.key], "第一次"),)))
                    continue
                seen_meta[m.key] = M.Place(src, m.span)
                if m.key == "remark" and "remark" in meta and meta_src.get("remark") == src:
                    meta["remark"] = meta["remark"] + "\n" + m.value  # several 备注 lines: all kept
                    continue
                if m.key == "basis" and "basis" in meta and meta_src.get("basis") == src:
                    meta["basis"] = meta["basis"] + m.value
                    continue
                meta_src[m.key] = src
                if m.key == "precision":
                    precision = m.value
                elif m.key == "rescale":
                    rescale = True
                elif m.key == "assume":
                    self.assumptions.append(M.Assumption(m.value, tree.title, M.Place(src, m.span)))
                else:
                    meta[m.key] = m.value
            for stmt in tree.body:
                if isinstance(stmt, A.Category):
                    file_drafts.append(self._draft_category(stmt, src, 1, None))
                elif isinstance(stmt, A.UnitBlock):
                    for child in stmt.children:
                        unit_drafts.append(self._draft_entry(child, src, 1, stmt.name))
                    unit_classes[stmt.name] = stmt.unit_class.text if stmt.unit_class else None
                elif isinstance(stmt, (A.InputDecl, A.GroupDecl, A.Formula, A.MethodDef, A.UnitClass)):
                    kind = type(stmt).__name__
                    table = named.setdefault(kind, {})
                    prev = table.get(stmt.name.text)
                    other = next((k for k, t in named.items() if k != kind and "MethodDef" not in (k, kind)
                                  and stmt.name.text in t and t[stmt.name.text][1] == src), None)
                    if other is not None:
                        first = named[other][stmt.name.text][0]
                        self.diags.append(error(
                            "E0203", f"名称“{stmt.name.text}”已用于另一项定义", "one name for two declarations",
                            stmt.name.span, src, label="同名",
                            related=(M_related(M.Place(src, first.name.span), "已定义为另一项"),)))
                        continue
                    if prev is not None and prev[1] == src:
                        self._defined_twice(stmt.name, prev[0].name, src)
                        continue
                    table[stmt.name.text] = (stmt, src)
                elif isinstance(stmt, A.Rule):
                    prev = rules.get(stmt.name.text)
                    if prev is not None and prev[1] == src:
                        self._defined_twice(stmt.name, prev[0].name, src)
                        continue
                    rules[stmt.name.text] = (stmt, src)
                elif isinstance(stmt, A.Invariant):
                    prev = invariants.get(stmt.name.text)
                    if prev is not None and prev[1] == src:
                        self._defined_twice(stmt.name, prev[0].name, src)
                        continue
                    invariants[stmt.name.text] = (stmt, src)
                elif isinstance(stmt, A.Case):
                    cases.append(stmt)
                elif isinstance(stmt, A.Ranking):
                    ranking = stmt
                elif isinstance(stmt, A.Grades):
                    grades = stmt
                elif isinstance(stmt, A.Veto):
                    vetoes.append((stmt, src))
                elif isinstance(stmt, A.Gate):
                    gates.append((stmt, src))
                elif isinstance(stmt, A.Exempt):
                    exempts.append((stmt, src))
                elif isinstance(stmt, A.Population):
                    populations.append(stmt)
                elif isinstance(stmt, A.Decimals):
                    decimals.append((stmt, src))
            if not drafts:
                drafts = file_drafts
            else:
                self._mark_locked(drafts)
                self._merge(drafts, file_drafts)
        # 单位自列 sections are read off the drafts before freezing them (a frozen draft lets go of its attributes)
        sections = self._listed_sections(drafts, None)
        for d in unit_drafts:
            if d.kind == M.CATEGORY and d.key in sections:
                self._fill_section(d, sections[d.key][0])
        roots = tuple(self._freeze(d, None, {}, 0) for d in drafts)
        units = tuple(self._freeze(d, sections[d.key][1] if d.kind == M.CATEGORY and d.key in sections else None,
                                   {}, 1 if d.kind != M.CATEGORY else 0) for d in unit_drafts)
        self._fields.clear()  # the nodes hold what they share
        self._placeless.clear()
        main_src, main = files[0]
        return M.Scheme(
            kind=main.kind, title=main.title, year=main.year, meta=meta, precision=precision, rescale=rescale,
            roots=roots, unit_blocks=units, unit_block_classes=unit_classes,
            inputs={n: self._input(d, s) for n, (d, s) in named.get("InputDecl", {}).items()},
            groups={n: self._group(d, s) for n, (d, s) in named.get("GroupDecl", {}).items()},
            formulas={n: self._formula(d, s, None) for n, (d, s) in named.get("Formula", {}).items()},
            methods={n: M.MethodModel(n, d.method, M.Place(s, d.name.span))
                     for n, (d, s) in named.get("MethodDef", {}).items()},
            classes={n: self._unit_class(d, s) for n, (d, s) in named.get("UnitClass", {}).items()},
            rules=tuple(self._rule(d, s) for d, s in rules.values()),
            invariants=tuple(inv for inv, _src in invariants.values()), cases=tuple(cases), ranking=ranking, grades=grades,
            vetoes=tuple(vetoes), gates=tuple(gates), exempts=tuple(exempts),
            populations=tuple(populations),
            assumptions=tuple(self.assumptions + self._method_assumptions(named.get("MethodDef", {}))),
            source=main_src, chain=tuple(s for s, _ in files[1:]), decimals=tuple(decimals))

    def _listed_sections(self, drafts: list, method) -> dict:
        """Categories declared 单位自列 → (the draft, the 评分 its items inherit from above it)."""
        out: dict = {}
        for d in drafts:
            if d.kind != M.CATEGORY:
                continue
            own = d.attrs["method"][0] if "method" in d.attrs else method
            if "unit_items" in d.attrs:
                out.setdefault(d.key, (d, method))
                for c in d.children:  # its items are the units' own: none in the scheme's tree
                    self.diags.append(error(
                        "E0309", f"类别 {d.key} 由各单位自列指标（单位自列），方案中不列它的指标",
                        "a section the units fill lists no items of its own", c.place.span, c.place.source,
                        label="方案中的指标", related=(M_related(d.attrs["unit_items"][1], "单位自列"),),
                        hint=f"把指标写进各单位的块：单位 \"名称\" {{ 类别 {d.key} {{ … }} }}"))
            for k, v in self._listed_sections(d.children, own).items():
                out.setdefault(k, v)
        return out

    def _fill_section(self, d: _Draft, section: _Draft) -> None:
        """A unit block's 类别 C of a 单位自列 section: C's points, method and conditions, declared once."""
        for k, (_v, place) in [(k, v) for k, v in d.attrs.items() if k in _SCORING_KEYS or k == "declare"]:
            self.diags.append(error(
                "E0309", f"类别 {d.key} 的“{ATTR_WORDS.get(k, '分值')}”在方案中声明一次（单位自列），单位块中只列指标",
                "a unit's section takes what the scheme declares", place.span, place.source, label="重复声明",
                related=(M_related(section.place, "在此声明"),), hint="删去单位块中的这一属性"))
            del d.attrs[k]
        for k, v in section.attrs.items():
            if k == "unit_items" or (k == "not_applicable" and "applies" not in section.attrs):
                continue  # 不适用 alone is for the units that list no items (lower.py)
            d.attrs.setdefault(k, (v[0], d.place) if k == "declared" else v)  # its sum is checked at the block
        if d.text is None:
            d.text = section.text

    def _defined_twice(self, name: A.Name, first: A.Name, src: str) -> None:
        self.diags.append(error(
            "E0203", f"名称“{name.text}”重复定义", "name defined twice", name.span, src,
            label="第二次定义", related=(M_related(M.Place(src, first.span), "第一次定义"),)))

    def _method_assumptions(self, methods: dict):
        return [M.Assumption(c.value, f"评分法 {n}", M.Place(s, c.span))
                for n, (d, s) in methods.items() for c in d.method.clauses if c.kind == "assume"]

    def _input(self, d: A.InputDecl, src) -> M.Input:
        at = self._attrs(d.attrs, src, f"输入 {d.name.text}", "input")
        return M.Input(d.name.text, d.label, at.get("declared", (None,))[0], at.get("source", (None,))[0],
                       "shared" in at, "optional" in at, at.get("default", (None,))[0], M.Place(src, d.name.span),
                       self._extra(at))

    def _group(self, d: A.GroupDecl, src) -> M.Group:
        at = self._attrs(d.attrs, src, d.name.text, "group")
        entries = []
        for e in d.entries:
            eat = self._attrs(e.attrs, src, e.name.text, "entry")
            ref = eat.get("method", (None,))[0]
            entries.append(M.GroupEntryModel(
                e.name.text, e.label, eat.get("cap", (None,))[0],
                ref.text if isinstance(ref, A.Name) else None, ref if isinstance(ref, A.Method) else None,
                M.Place(src, e.name.span)))
        return M.Group(d.kind, d.name.text, d.label, at.get("cap", (None,))[0], tuple(entries),
                       "may_negative" in at, M.Place(src, d.name.span))

    def _formula(self, d: A.Formula, src, unit_class) -> M.FormulaModel:
        at = self._attrs(d.attrs, src, d.name.text, "formula")
        return M.FormulaModel(d.name.text, d.label, d.expr, at.get("precision", (None,))[0], unit_class,
                              M.Place(src, d.name.span))

    def _unit_class(self, d: A.UnitClass, src) -> M.UnitClassModel:
        formulas = tuple(self._formula(s, src, d.name.text) for s in d.stmts if isinstance(s, A.Formula))
        overrides = tuple(s for s in d.stmts if isinstance(s, A.Override))
        return M.UnitClassModel(d.name.text, d.label, formulas, overrides, M.Place(src, d.name.span))

    def _rule(self, d: A.Rule, src) -> M.RuleModel:
        at = self._attrs(d.attrs, src, f"规则 {d.name.text}", "rule")
        return M.RuleModel(d.name.text, d, at.get("level", ("error",))[0], M.Place(src, d.name.span))


_FLAG_SETS: dict = {}  # each set of flags once: most nodes have none, and an empty frozenset is 216 bytes


def _flags(at: dict) -> frozenset:
    flags = frozenset(at.keys() & _FLAG_KEYS)
    return _FLAG_SETS.setdefault(flags, flags)


def M_related(place: M.Place, message: str) -> Related:
    return Related(place.span, message, place.source)


def check_depth(tree: A.Scheme, src: str) -> list[Diagnostic]:
    """Categories nested deeper than MAX_DEPTH: reported once, without recursion."""
    stack = [(s, 1) for s in tree.body if isinstance(s, A.Category)]
    while stack:
        cat, depth = stack.pop()
        if depth > MAX_DEPTH:
            return [error("E0105", f"类别嵌套过深（超过 {MAX_DEPTH} 层）", f"categories nested deeper than {MAX_DEPTH}",
                          cat.name.span, src, label=f"第 {depth} 层", hint="真实方案很少超过 5 层，请检查括号是否配对")]
        stack.extend((c, depth + 1) for c in cat.children if isinstance(c, A.Category))
    return []
