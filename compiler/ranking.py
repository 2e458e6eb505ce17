"""The ranking spec (排名, 等次, 比例, 否决) as plain data for runtime.rank_units."""

from __future__ import annotations

from fractions import Fraction

from kaoping.dsl import model as M
from kaoping.dsl.methods import condition_plan


def ranking_spec(s: M.Scheme) -> dict:
    grades = []
    quotas = []
    if s.grades is not None:
        grades = [(g.name.text, g.op, Fraction(g.bound.value) if g.bound is not None else None)
                  for g in s.grades.grades]
        quotas = [(q.grade.text, q.op, Fraction(q.amount.value), q.by_class) for q in s.grades.quotas]
    return {
        "by_class": bool(s.ranking and s.ranking.by_class),
        "ascending": bool(s.ranking and s.ranking.ascending),
        "grades": grades,
        "quotas": quotas,
        "vetoes": [(v.name.text, condition_plan(v.cond, v.span, "否决"), v.effect, v.grade.text) for v in s.vetoes],
    }
