"""Diagnostics: a stable code, a Chinese message with an English gloss, spans, hints.

Rendered three ways: the long human form (codespan/Elm style, carets placed by display
width so CJK text lines up), a one-line short form, and JSON for editors and tools.
"""

from __future__ import annotations

import enum
import json
from typing import Iterable

import attrs

from .source import Source, Span, visible


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def chinese(self) -> str:
        return {"error": "错误", "warning": "警告", "note": "提示"}[self.value]


@attrs.frozen(slots=True)
class Related:
    """Another place that explains a diagnostic (the first definition of a duplicate …)."""

    span: Span
    message: str
    source: str | None = None  # another file's name; None: the diagnostic's own file


@attrs.frozen(slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    gloss: str
    span: Span
    source: str
    label: str = ""
    hint: str = ""
    related: tuple[Related, ...] = ()

    def sort_key(self):
        return (self.source, self.span.line, self.span.column, self.code)


def error(code, message, gloss, span, source, **kw) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, gloss, span, source, **kw)


def warning(code, message, gloss, span, source, **kw) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, gloss, span, source, **kw)


def note(code, message, gloss, span, source, **kw) -> Diagnostic:
    return Diagnostic(code, Severity.NOTE, message, gloss, span, source, **kw)


def _width(text: str) -> int:
    from wcwidth import wcswidth  # only when a caret is drawn: checking a clean scheme never needs it

    w = wcswidth(text)
    if w < 0:  # control characters: count one column each
        return sum(max(wcswidth(ch), 1) for ch in text)
    return w


def _snippet(src: Source | None, span: Span, label: str, gutter: int) -> list[str]:
    if src is None or span.line <= 0:
        return []
    raw = src.line_text(span.line).replace("\t", " ")
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(raw)
    end = max(min(end, len(raw)), start + 1)
    # carets are placed on the line as shown, escapes included (visible() before measuring)
    pad = " " * _width(visible(raw[:start]))
    carets = "^" * max(_width(visible(raw[start:end])), 1)
    num = str(span.line).rjust(gutter)
    blank = " " * gutter
    out = [f"{blank} │", f"{num} │ {visible(raw)}", f"{blank} │ {pad}{carets}" + (f" {visible(label)}" if label else "")]
    return out


def render(diag: Diagnostic, sources: dict[str, Source]) -> str:
    """The long form: header, location, source line with carets, related places, hint."""
    sp = diag.span
    lines = [f"{diag.severity.value}[{diag.code}]: {visible(diag.message)}"]
    gutter = max(len(str(sp.line)), *(len(str(r.span.line)) for r in diag.related), 1)
    lines.append(f"{' ' * gutter}┌─ {visible(diag.source)}:{sp.line}:{sp.column}")
    lines += _snippet(sources.get(diag.source), sp, diag.label, gutter)
    for rel in diag.related:
        name = rel.source or diag.source
        lines.append(f"{' ' * gutter}├─ {visible(name)}:{rel.span.line}:{rel.span.column}")
        lines += _snippet(sources.get(name), rel.span, rel.message, gutter)
    lines.append(f"{' ' * gutter} = {visible(diag.gloss)}")
    if diag.hint:
        lines.append(f"{' ' * gutter} = 提示: {visible(diag.hint)}")
    return "\n".join(lines)


def render_short(diag: Diagnostic) -> str:
    sp = diag.span
    return f"{visible(diag.source)}:{sp.line}:{sp.column}: {diag.severity.value}[{diag.code}]: {visible(diag.message)}"


def to_dict(diag: Diagnostic) -> dict:
    sp = diag.span
    return {
        "code": diag.code,
        "severity": diag.severity.value,
        "message": diag.message,
        "gloss": diag.gloss,
        "file": diag.source,
        "line": sp.line,
        "column": sp.column,
        "end_line": sp.end_line,
        "end_column": sp.end_column,
        "label": diag.label,
        "hint": diag.hint,
        "related": [
            {"file": r.source or diag.source, "line": r.span.line, "column": r.span.column, "message": r.message}
            for r in diag.related
        ],
    }


def to_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([to_dict(d) for d in diags], ensure_ascii=False, indent=2)
