"""JSON results: {"units": [{"name": "…", "class": "…", "values": {…}}]} or one unit object.

Read exactly or refused at the JSON path: numbers become exact Decimals (never floats) after their
literal is checked for size; null, NaN and Infinity are refused (leave a key out when there is no
result); a key written twice in one object is refused (never "the last wins"), and so is a unit name
given twice; nesting deeper than MAX_DEPTH is refused, however deep, without a RecursionError.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from .unit_results import (MAX_DEPTH, MAX_NUMBER_CHARS, JsonPlaces, ReadProblem, UnitResults, number_problem,
                           shared, text_problem)


class _Refused:
    """A JSON token that is not handed on: null, NaN/Infinity, an over-long number."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message


_SEEN_LIMIT = 100_000
_NULL = _Refused("V0010", "null 不是一个值：没有结果时请不写这一项（去掉这个键），不要写 null")


class _Object(dict):
    """A JSON object that remembers the keys written more than once."""

    twice: tuple = ()


def _pairs(pairs):
    """A plain dict, as every reader gives; an _Object only for an object with a key written twice
    (it is refused, so its type never reaches the scoring)."""
    obj: dict = dict(pairs)
    if len(obj) == len(pairs):  # the common case: no key twice
        return obj
    obj = {}
    twice = []
    for key, value in pairs:
        if key in obj:
            twice.append(key)
        else:
            obj[key] = value
    if not twice:
        return obj
    marked = _Object(obj)
    marked.twice = tuple(twice)
    return marked


def _constant(token):
    return _Refused("V0010", f"{token} 不是一个值：请写出数值，没有结果时不写这一项")


def _number(literal: str):
    if len(literal) > MAX_NUMBER_CHARS:
        return _Refused("V0012", f"数字长 {len(literal)} 个字符，超过 {MAX_NUMBER_CHARS} 个，不像是考评结果，请核对")
    why = number_problem(literal)
    if why:
        return _Refused("V0012", why)
    return Decimal(literal)


def read_json(text: str, name: str = "<json>") -> tuple[list[UnitResults], list[ReadProblem]]:
    try:
        doc = json.loads(text, parse_float=_number, parse_int=_number, parse_constant=_constant,
                         object_pairs_hook=_pairs)
    except json.JSONDecodeError as err:
        return [], [ReadProblem("V0002", f"JSON 格式错误：{err.msg}", f"{name}:{err.lineno}:{err.colno}")]
    except RecursionError:
        return [], [ReadProblem("V0013", f"JSON 嵌套超过 {MAX_DEPTH} 层，不是考评结果的结构", _deep_place(text, name))]
    return _Reader(name).document(doc)


def _deep_place(text: str, name: str) -> str:
    """file:line:column of the bracket that goes deeper than MAX_DEPTH (strings skipped)."""
    depth = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text, re.S):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                return f"{name}:{line}:{m.start() - text.rfind(chr(10), 0, m.start())}"
        elif token in "]}":
            depth -= 1
    return name


class _Reader:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[ReadProblem] = []
        # keys and text values already read without a problem (the same ids and tiers in every unit):
        # each is checked once
        self.keys: set[str] = set()
        self.texts: dict[str, str] = {}

    def problem(self, code: str, message: str, place: str) -> None:
        self.problems.append(ReadProblem(code, message, place))

    def refused(self, value) -> _Refused | None:
        if value is None:  # with the hooks above, None comes only from a JSON null
            return _NULL
        return value if isinstance(value, _Refused) else None

    def twice(self, obj, where: str) -> None:
        for key in getattr(obj, "twice", ()):
            self.problem("V0003", f"键 {key!r} 在同一个对象中写了两次（不会只取其中一个）", f"{where}[{key!r}]")

    def document(self, doc) -> tuple[list[UnitResults], list[ReadProblem]]:
        top = self.name
        bad = self.refused(doc)
        if bad:
            self.problem(bad.code, bad.message, top)
            return [], self.problems
        if isinstance(doc, dict) and "units" in doc:
            self.twice(doc, top)
            units_doc, where = doc["units"], f"{top}:units"
            bad = self.refused(units_doc)
            if bad:
                self.problem(bad.code, bad.message, where)
                return [], self.problems
            if not isinstance(units_doc, list):
                self.problem("V0002", "“units”应为列表", where)
                return [], self.problems
            places = [f"{where}[{i}]" for i in range(len(units_doc))]
        else:
            units_doc, places = [doc], [top]
        units: list[UnitResults] = []
        first: dict[str, str] = {}
        for u, where in zip(units_doc, places):
            unit = self.unit(u, where, len(units) + 1)
            if unit is None:
                continue
            if unit.name in first:
                self.problem("V0003", f"单位“{unit.name}”出现了两次（第一次在 {first[unit.name]}）", where)
                continue
            first[unit.name] = where
            units.append(unit)
        if not units_doc:
            self.problem("V0021", "结果文件中没有单位", top)
        return units, self.problems

    def unit(self, u, where: str, number: int) -> UnitResults | None:
        bad = self.refused(u)
        if bad:
            self.problem(bad.code, bad.message, where)
            return None
        if not isinstance(u, dict):
            self.problem("V0002", "每个单位应为含 name 与 values 的对象", where)
            return None
        self.twice(u, where)
        unit_name = self.unit_name(u, where) or f"（第 {number} 个单位）"
        cls = u.get("class")
        if cls is None:  # "class": null is the same as no class (what score --format json writes)
            pass
        elif not isinstance(cls, str):
            self.problem("V0002", "单位类别（class）应为文字", f"{where}.class")
            cls = None
        elif (why := text_problem(cls, name=True)) is not None:
            self.problem("V0022", why, f"{where}.class")
            cls = None
        else:
            cls = cls.strip() or None  # as in a table: an empty class is no class
        values_doc = u.get("values", {})
        bad = self.refused(values_doc)
        if bad:
            self.problem(bad.code, bad.message, f"{where}.values")
            values_doc = {}
        elif not isinstance(values_doc, dict):
            self.problem("V0002", "“values”应为对象（键是编号或名称）", f"{where}.values")
            values_doc = {}
        self.twice(values_doc, f"{where}.values")
        values, refused = {}, {}
        keys, texts = self.keys, self.texts
        for key, value in values_doc.items():
            if key in keys and value.__class__ is str and value in texts:  # both seen and found good
                values[key] = texts[value]
                continue
            place = f"{where}.values[{key!r}]"
            why = text_problem(key, name=True)
            if why:
                self.problem("V0022", why, place)
                continue
            if self.value(value, place, 1):
                values[key] = shared(value)
                if len(keys) < _SEEN_LIMIT:
                    keys.add(key)
                if value.__class__ is str and len(texts) < _SEEN_LIMIT:
                    texts[value] = values[key]
            else:
                refused[key] = place
        return UnitResults(unit_name, cls, values, JsonPlaces(where, values), where, refused)

    def unit_name(self, u: dict, where: str) -> str | None:
        if "name" not in u:
            self.problem("V0002", "单位缺少名称（name）", where)
            return None
        unit_name = u["name"]
        bad = self.refused(unit_name)
        if bad:
            self.problem(bad.code, bad.message, f"{where}.name")
        elif not isinstance(unit_name, str) or not unit_name.strip():
            self.problem("V0002", "单位名称（name）应为非空的文字", where)
        elif (why := text_problem(unit_name, name=True)) is not None:
            self.problem("V0022", why, f"{where}.name")
        else:
            return unit_name.strip()
        return None

    def value(self, value, place: str, depth: int) -> bool:
        """True when the value and everything inside it can be handed on as read."""
        bad = self.refused(value)
        if bad:
            self.problem(bad.code, bad.message, place)
            return False
        if depth > MAX_DEPTH:
            self.problem("V0013", f"嵌套超过 {MAX_DEPTH} 层，不是考评结果的结构", place)
            return False
        if isinstance(value, str):
            why = text_problem(value) or number_problem(value)
            if why:
                self.problem("V0022" if text_problem(value) else "V0012", why, place)
                return False
            return True
        if isinstance(value, list):
            return all([self.value(v, f"{place}[{i}]", depth + 1) for i, v in enumerate(value)])
        if isinstance(value, dict):
            self.twice(value, place)
            ok = not getattr(value, "twice", ())
            for key, v in value.items():
                inner = f"{place}[{key!r}]"
                why = text_problem(key, name=True)
                if why:
                    self.problem("V0022", why, inner)
                    ok = False
                ok = self.value(v, inner, depth + 1) and ok
            return ok
        return True  # Decimal, bool

