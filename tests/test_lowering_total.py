"""The lowering is total: the closed sets it dispatches on are the grammar's own, and every member
is handled (the type checker proves the `match`es exhaustive; these tests keep the sets honest)."""

from __future__ import annotations

import re
import typing

from kaoping.compiler import runtime as R
from kaoping.dsl import ast as A
from kaoping.dsl import ir
from kaoping.dsl import lower as L
from kaoping.grammar import grammar_text

_ALIASES = {"attr_inputs": "fields", "m_base": "based_on", "m_sum": "sum"}


def _rules(prefix: str) -> set[str]:
    names = set(re.findall(rf"-> ({prefix}_[a-z0-9_]+)", grammar_text()))
    return {_ALIASES.get(n, n[len(prefix) + 1:]) for n in names}


def test_attribute_keys_are_the_grammars():
    assert set(typing.get_args(A.AttrKey)) == _rules("attr") - {"ref"}  # attr_ref is `名称.属性` in formulas


def test_clause_kinds_are_the_grammars():
    assert set(typing.get_args(A.ClauseKind)) == _rules("c")


def test_method_kinds_are_the_grammars():
    # a method written with clauses only is "clauses"; 配额 as a head is "quota"
    assert set(typing.get_args(A.MethodKind)) == _rules("m") | {"clauses"}


def test_every_method_family_has_its_clauses_and_a_runtime_function():
    families = {L.family(k, None) for k in typing.get_args(A.MethodKind) if k != "based_on"}
    assert families == set(L.KIND_CLAUSES)
    tags = {cls.tag for cls in typing.get_args(ir.Method)}
    assert tags == set(R.METHODS)


def test_every_attribute_has_a_stated_effect():
    effects = {k: L.attribute_effect(k) for k in typing.get_args(A.AttrKey)}
    assert set(effects.values()) == {"score", "check", "text"}
