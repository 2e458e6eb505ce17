"""The front end as one call: read a file (and its templates), parse, resolve, check."""

from __future__ import annotations

import decimal
import gc
import os
from pathlib import Path

import attrs

from . import ir
from . import model as M
from .checks import Checker
from .diagnostics import Diagnostic, Severity, error
from .lower import lower
from .parser import parse
from .resolve import Resolver, check_depth
from .source import MAX_SCHEME_BYTES, DecodeProblem, FileProblem, Source, Span, decode, read_file
from .templates import TemplateRoots

MAX_TEMPLATE_CHAIN = 8
# Sums of points are exact: literals have at most 60 digits (lower.MAX_DIGITS), so this precision
# never rounds a sum of them (the default context's 28 digits did).
_EXACT_DIGITS = 1000


@attrs.frozen
class CheckResult:
    scheme: M.Scheme | None  # None when the file could not be parsed or resolved
    diagnostics: list[Diagnostic]
    sources: dict[str, Source]
    program: ir.Program | None = None  # the scoring IR: a scheme that checks clean lowers completely

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return self.scheme is not None and not self.errors


def _read(path: Path, name: str) -> tuple[Source | None, list[Diagnostic]]:
    """A scheme or template file: a regular file of at most MAX_SCHEME_BYTES (read_file), UTF-8."""
    try:
        data = read_file(path, MAX_SCHEME_BYTES)
    except FileProblem as p:
        return None, [error("E0002", p.message, p.gloss, Span(1, 1, 1, 2), name)]
    try:
        text = decode(data)
    except DecodeProblem as p:
        return None, [error("E0001", p.message, p.gloss, Span.point(p.line, p.column), name)]
    return Source(name, text), []


def _blank(text: str) -> bool:
    """Nothing but whitespace and comments (stops at the first other character)."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in "#＃":
            i = text.find("\n", i)
            if i < 0:
                return True
        elif text[i] not in " \t\r\n\u3000\ufeff":
            return False
        i += 1
    return True


def check_text(text: str, name: str = "<text>", base_dir: Path | None = None,
               templates: tuple = ()) -> CheckResult:
    """Check a scheme given as text; `继承` resolves under base_dir (default: the current folder)
    or one of the template roots `templates`."""
    base = base_dir or Path.cwd()
    return _check(Source(name, text), base, {}, TemplateRoots(base, templates))


def check_path(path: str | os.PathLike, templates: tuple = ()) -> CheckResult:
    """Check a scheme file; `继承` resolves under the file's own folder or one of the template roots
    `templates` (the CLI's --templates and KAOPING_TEMPLATES), nowhere else."""
    name = os.fspath(path)
    source, diags = _read(Path(path), name)
    if source is None:
        return CheckResult(None, diags, {})
    return _check(source, Path(path).parent, {}, TemplateRoots(Path(path).parent, templates))


def _check(source: Source, base_dir: Path, sources: dict, roots: TemplateRoots) -> CheckResult:
    """Parse, resolve and check with the cyclic garbage collector paused: the AST and the model are
    acyclic and freed by reference counting, and a collector rescanning them as they grow makes
    checking large schemes superlinear (bench/parse_check.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_files(source, base_dir, sources, roots)
    finally:
        if enabled:
            gc.enable()


def _check_files(source: Source, base_dir: Path, sources: dict, roots: TemplateRoots) -> CheckResult:
    sources[source.name] = source
    files = []  # (name, AST) from the scheme to its root template
    diags: list[Diagnostic] = []
    current, current_dir = source, base_dir
    while True:
        if _blank(current.text):
            diags.append(error("E0107", "文件是空的", "the file is empty", Span(1, 1, 1, 2), current.name,
                               hint="一个方案以 方案 \"标题\" { … } 开始"))
            return CheckResult(None, diags, sources)
        tree, problems = parse(current)
        diags += problems or (check_depth(tree, current.name) if tree is not None else [])
        if tree is None or diags:
            return CheckResult(None, diags, sources)
        files.append((current.name, tree))
        if tree.inherit is None:
            break
        found = roots.find(tree.inherit, current_dir, current.name)
        if isinstance(found, Diagnostic):
            diags.append(attrs.evolve(found, span=tree.inherit_span or Span(1, 1, 1, 2), source=current.name))
            return CheckResult(None, diags, sources)
        target, name = found
        if name in (n for n, _ in files) or len(files) > MAX_TEMPLATE_CHAIN:
            diags.append(error("E0106", f"模板继承形成循环或过长：{tree.inherit}", "template chain loops",
                               tree.inherit_span, current.name))
            return CheckResult(None, diags, sources)
        nxt, problems = _read(target, name)
        if nxt is None:
            diags.append(error("E0106", f"无法读取继承的模板“{tree.inherit}”", "cannot read the inherited template",
                               tree.inherit_span, current.name, hint=problems[0].message if problems else ""))
            return CheckResult(None, diags, sources)
        if not roots.looks_like_scheme(nxt.text):
            diags.append(error("E0109", f"继承的文件“{tree.inherit}”不是方案或模板", "the inherited file is not a scheme",
                               tree.inherit_span, current.name,
                               hint="模板文件以 模板 \"标题\" { … } 开始；不显示该文件的内容"))
            return CheckResult(None, diags, sources)
        sources[name] = nxt
        current, current_dir = nxt, target.parent
    with decimal.localcontext(prec=_EXACT_DIGITS):
        resolver = Resolver()
        scheme = resolver.resolve(files)
        del files, tree  # the model holds what is needed of the syntax trees: the rest is freed before checking
        diags = resolver.diags + Checker(scheme).run()
        program, lowering = lower(scheme)
    diags += [d for d in lowering if d not in diags]
    diags.sort(key=Diagnostic.sort_key)
    ok = not any(d.severity is Severity.ERROR for d in diags)
    return CheckResult(scheme, diags, sources, program if ok else None)
