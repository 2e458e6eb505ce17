"""A small source writer: indentation, and one quoting function for everything from a scheme."""

from __future__ import annotations

from fractions import Fraction


def q(value) -> str:
    """The only way scheme text reaches generated code: a Python literal built by repr().

    Strings, numbers (as Fraction literals), None/bools, and tuples/lists/dicts of those.
    Anything else is a bug in the emitter and fails loudly.
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, Fraction):
        return f"F({value.numerator!r}, {value.denominator!r})" if value.denominator != 1 else f"F({value.numerator!r})"
    if isinstance(value, tuple):
        return "(" + "".join(q(v) + ", " for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(q(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{q(k)}: {q(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot quote {type(value).__name__}")


def comment(text: str) -> str:
    """Scheme text shown in a generated comment: quoted by q() too, so one line, escapes visible."""
    return q(" ".join(str(text).split()))[:100]


class Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.level = 0

    def line(self, text: str = "") -> None:
        self.lines.append(("    " * self.level + text) if text else "")

    def indent(self) -> None:
        self.level += 1

    def dedent(self) -> None:
        self.level -= 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
