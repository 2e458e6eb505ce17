"""The compiled module and the reference interpreter agree — total and the whole breakdown —
on random valid results for every shipped scheme (and on random invalid ones: the same problems)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SCHEMES
from kaoping.compiler.verify import valid_results
from kaoping.dsl import ir
from kaoping.dsl.load import check_path
from scoring_helpers import Both

SCHEME_FILES = sorted(p.name for p in SCHEMES.glob("*.scheme"))


def with_gaps(program: ir.Program):
    """Valid results, and sometimes one value dropped: both back ends must then report the same problem."""
    def maybe_drop(u):
        keys = sorted(u.values)
        return st.one_of(st.just(u), st.sampled_from(keys).map(
            lambda k: attrs.evolve(u, values={x: v for x, v in u.values.items() if x != k})))
    return valid_results(program).flatmap(maybe_drop)


@pytest.mark.parametrize("name", SCHEME_FILES)
def test_compiled_module_agrees_with_interpreter(name, tmp_path_factory):
    r = check_path(SCHEMES / name)
    assert r.ok
    both = Both(r, tmp_path_factory.mktemp("agree"))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(with_gaps(r.program))
    def agree(u):
        both.score(u)  # asserts equality of the whole result, and total() against score()

    agree()


def test_final_formula_is_the_one_nothing_else_uses():
    r = check_path(SCHEMES / "quanzhou-transport-2019.scheme")
    assert r.program.views[0].total == "考评总得分"
