"""The compiled module and the reference interpreter agree — total and the whole breakdown —
on random valid results for every shipped scheme (and on random invalid ones: the same problems)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SCHEMES
from kaoping.compiler.formulas import final_formula, formula_view
from kaoping.compiler.interpret import Interpreter, leaf_plan
from kaoping.dsl import ast as A
from kaoping.dsl import model as M
from kaoping.dsl.load import check_path
from scoring_helpers import Both, unit

SCHEME_FILES = sorted(p.name for p in SCHEMES.glob("*.scheme"))


def decimals(low, high, places=2):
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places,
                       allow_nan=False, allow_infinity=False).map(str)


def value_for(plan: dict, weight):
    kind = plan["kind"]
    w = weight if weight is not None else 10
    if kind == "tiers":
        names = [r[0] for r in plan["rows"]]
        plain = st.sampled_from(names)
        promoted = st.builds(lambda t, k: {"档次": t, "晋档": str(k)}, st.sampled_from(names),
                             st.integers(0, plan["promote"]))
        return st.one_of(plain, promoted)
    if kind == "ratio":
        return decimals("0", "1.5", 3)
    if kind in ("direct",):
        return decimals("0", str(w))
    if kind == "yes_no":
        return st.booleans()
    if kind in ("count", "steps", "rank", "reverse_rank"):
        return st.integers(1 if "rank" in kind else 0, 12).map(str)
    if kind == "panel":
        scale = plan["full"] if plan["full"] is not None else w
        return st.lists(decimals("0", str(scale)), min_size=1, max_size=7)
    if kind == "highest":
        return st.lists(st.sampled_from([r[0] for r in plan["rows"]]), max_size=3)
    return decimals("0", "100")


def results_strategy(scheme: M.Scheme, interp: Interpreter):
    classes = list(scheme.classes) or [None]
    units = sorted({b.unit for b in scheme.unit_blocks}) or ["甲"]

    @st.composite
    def draw(draw_):
        name = draw_(st.sampled_from(units))
        cls = draw_(st.sampled_from(classes))
        if scheme.unit_block_classes.get(name) and scheme.classes:
            cls = scheme.unit_block_classes[name]
        values = {}
        roots = list(scheme.roots) + [b for b in scheme.unit_blocks if b.unit == name]
        for root in roots:
            for node in root.walk():
                if node.kind == M.CATEGORY and not node.leaves() and node.points is not None and not node.children:
                    values[node.key] = draw_(decimals("0", str(node.points)))
                elif node.is_leaf:
                    plan = leaf_plan(node, interp.plans, interp.named)
                    values[node.key] = draw_(value_for(plan, node.points))
        for n, inp in scheme.inputs.items():
            values[n] = draw_(decimals("0", str(inp.full if inp.full is not None else 100)))
        for n, g in scheme.groups.items():
            values[n] = draw_(decimals("0", str((g.cap or 5) + 2)))
        view = formula_view(scheme, cls)
        for n, f in view.items():
            if isinstance(f.expr, A.External):
                values[n] = draw_(decimals("0", "100"))
        if draw_(st.booleans()) and values:  # sometimes drop one value: both must report the same problem
            values.pop(draw_(st.sampled_from(sorted(values))))
        return unit(name, values, cls)

    return draw()


@pytest.mark.parametrize("name", SCHEME_FILES)
def test_compiled_module_agrees_with_interpreter(name, tmp_path_factory):
    r = check_path(SCHEMES / name)
    assert r.ok
    both = Both(r.scheme, tmp_path_factory.mktemp("agree"))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(results_strategy(r.scheme, both.interp))
    def agree(u):
        both.score(u)  # asserts equality of the whole result, and total() against score()

    agree()


def test_final_formula_is_the_one_nothing_else_uses():
    r = check_path(SCHEMES / "quanzhou-transport-2019.scheme")
    assert final_formula(r.scheme, formula_view(r.scheme, None)) == "考评总得分"
