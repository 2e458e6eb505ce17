"""What a results reader delivers: each unit's values exactly as read and where each was written,
the problems found on the way, and the checks every reader applies to a value before handing it on.

A reader never decides what a value means (whether "90%" may stand where points are expected, what
"否" means for 有 X): the scoring core does. A reader refuses only what cannot be handed on exactly:
null, NaN, a number too large to convert safely, a name with control characters, a value written twice.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping

import attrs

ERROR = "error"
NOTE = "note"

MAX_NUMBER_CHARS = 100  # a number literal longer than this is refused before any conversion
MAX_EXPONENT = 100  # 1e100 is accepted, 1e101 and 1e999999999 are refused
MAX_DEPTH = 32  # nesting of lists and objects inside a results file


@attrs.frozen
class UnitResults:
    name: str
    unit_class: str | None
    values: dict  # key → raw value (Decimal, str, bool, list, dict)
    places: Mapping[str, str]  # key → where it was written ("file:line", "file!Sheet!C7" or a JSON path)
    place: str  # where the unit starts
    # key → place of a value the reader refused (its problem is already reported; it is not in values)
    refused: dict = attrs.field(factory=dict)


class JsonPlaces(Mapping[str, str]):
    """Where each value of a JSON unit was written, made when asked (a JSON path follows from the key:
    a hundred thousand units need no string per value)."""

    __slots__ = ("_where", "_keys")

    def __init__(self, where: str, keys: Mapping[str, object]):
        self._where, self._keys = where, keys

    def __getitem__(self, key: str) -> str:
        if key not in self._keys:
            raise KeyError(key)
        return f"{self._where}.values[{key!r}]"

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def shared(value):
    """A short text value as one shared object (the same tier or 是/否 in every unit): memory, not meaning."""
    return sys.intern(value) if isinstance(value, str) and len(value) <= 16 else value


@attrs.frozen
class ReadProblem:
    code: str
    message: str
    place: str
    severity: str = ERROR  # "error" or "note" (a note does not stop scoring)


def errors(problems: list[ReadProblem]) -> list[ReadProblem]:
    return [p for p in problems if p.severity == ERROR]


_NUMBER = re.compile(r"\s*[+-]?(?:[\d_]+\.?[\d_]*|\.[\d_]+)(?:[eE]\s*[+-]?[\d_]+)?\s*[%％]?\s*")
_FRACTION = re.compile(r"\s*[+-]?[\d_]+\s*/\s*[+-]?[\d_]+\s*")
_EXPONENT = re.compile(r"[eE]\s*[+-]?([\d_]+)")


def number_problem(text: str) -> str | None:
    """Why a number written as text is too large to convert safely (None when it is not a number or
    it is fine). Checked on the literal, before any conversion: 1e999999999 is refused in microseconds."""
    if not _NUMBER.fullmatch(text) and not _FRACTION.fullmatch(text):
        return None
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_NUMBER_CHARS:
        return f"数字有 {digits} 位，超过 {MAX_NUMBER_CHARS} 位，不像是考评结果，请核对"
    exponent = _EXPONENT.search(text)
    if exponent and int(exponent.group(1).replace("_", "") or "0") > MAX_EXPONENT:
        return f"数字的指数超过 {MAX_EXPONENT}（{text.strip()[:24]}），不像是考评结果，请写成普通小数"
    return None


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str, name: bool = False) -> str | None:
    """A lone surrogate is never text; a unit name, class or key must hold no control character
    (a value may: it is escaped wherever it is shown)."""
    if _SURROGATE.search(text):
        return "文字中有不成对的代理字符（如 \\ud800），不是有效的文字，请检查生成这个文件的程序"
    control = _CONTROL.search(text) if name else None
    if control:
        ch = control.group()
        return f"名称中有控制字符（U+{ord(ch):04X}），请删去"
    return None
