"""The peer: the synthetic scheme of bench/score.py as an idiomatic OpenFisca model, timed on the same
units. Run by bench/peer.py inside a throwaway virtual environment that has openfisca-core; reads a
job (JSON) on standard input and prints its figures (JSON) on standard output.

One entity (the unit assessed), a tier enum, one input variable per item (its tier) and the public
score; one variable per item (weight × the tier's share, from parameters), per indicator (the sum of its
items, capped at its points), per category, the assessment, and the total (70/30, rounded to 0.01):
written as OpenFisca models are, with its float arithmetic. Its own input loading: arrays built from the
units, set with Simulation.set_input.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DateUnit
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

PERIOD = "2024"
Unit = build_entity(key="unit", plural="units", label="考评单位", is_person=True)


class Tier(Enum):
    FIRST = "一档"
    SECOND = "二档"
    THIRD = "三档"


BY_VALUE = {m.value: m.name for m in Tier}


def _variable(name: str, **fields) -> type:
    return type(name, (Variable,), {"entity": Unit, "definition_period": DateUnit.YEAR, **fields})


def _item_points(tier_var: str, weight: float):
    def formula(unit, period, parameters):
        tier = unit(tier_var, period)
        share = parameters(period).tiers
        return weight * np.select([tier == Tier.FIRST, tier == Tier.SECOND, tier == Tier.THIRD],
                                  [share.first, share.second, share.third])
    return formula


def _capped_sum(parts: list[str], cap: float):
    def formula(unit, period):
        return np.minimum(sum(unit(p, period) for p in parts), cap)
    return formula


def _sum(parts: list[str]):
    def formula(unit, period):
        return sum(unit(p, period) for p in parts)
    return formula


def _total(unit, period, parameters):
    weights = parameters(period).total
    return np.round(unit("assessment", period) * weights.assessment + unit("public", period) * weights.public, 2)


def system(categories: list[list[tuple[str, list[tuple[str, str]]]]]) -> tuple[TaxBenefitSystem, list[str]]:
    """The model; and the tier input variables, in the order of the items."""
    tbs = TaxBenefitSystem([Unit])
    start = "2000-01-01"
    tbs.parameters = ParameterNode("", data={
        "tiers": {k: {"values": {start: v}} for k, v in (("first", 1.0), ("second", 0.9), ("third", 0.8))},
        "total": {k: {"values": {start: v}} for k, v in (("assessment", 0.7), ("public", 0.3))},
    })
    inputs, category_vars = [], []
    for c, indicators in enumerate(categories):
        indicator_vars = []
        for ind, items in indicators:
            item_vars = []
            for key, weight in items:
                slug = key.replace("-", "_")
                tbs.add_variable(_variable(f"tier_{slug}", value_type=Enum, possible_values=Tier,
                                           default_value=Tier.FIRST))
                tbs.add_variable(_variable(f"points_{slug}", value_type=float,
                                           formula=_item_points(f"tier_{slug}", float(weight))))
                inputs.append(f"tier_{slug}")
                item_vars.append(f"points_{slug}")
            cap = sum(float(w) for _k, w in items)
            tbs.add_variable(_variable(f"indicator_{ind}", value_type=float, formula=_capped_sum(item_vars, cap)))
            indicator_vars.append(f"indicator_{ind}")
        tbs.add_variable(_variable(f"category_{c}", value_type=float, formula=_sum(indicator_vars)))
        category_vars.append(f"category_{c}")
    tbs.add_variable(_variable("assessment", value_type=float, formula=_sum(category_vars)))
    tbs.add_variable(_variable("public", value_type=float))
    tbs.add_variable(_variable("total", value_type=float, formula=_total))
    return tbs, inputs


def score(tbs, inputs: list[str], keys: list[str], units: list[dict]) -> np.ndarray:
    """Input loading (arrays from the units, set on a new simulation) and the totals."""
    sim = SimulationBuilder().build_default_simulation(tbs, count=len(units))
    for var, key in zip(inputs, keys):
        sim.set_input(var, PERIOD, Tier.encode(np.array([BY_VALUE[u["values"][key]] for u in units])))
    sim.set_input("public", PERIOD, np.array([float(u["values"]["公众评议"]) for u in units]))
    return sim.calculate("total", PERIOD)


def main() -> None:
    job = json.load(sys.stdin)
    tbs, inputs = system(job["categories"])
    keys = [key for indicators in job["categories"] for _ind, items in indicators for key, _w in items]
    with open(job["units"], encoding="utf-8") as f:
        pool = json.load(f)
    out = {}
    for n in job["sizes"]:
        units = [pool[i % len(pool)] for i in range(n)]
        walls, cpus, totals = [], [], None
        for _ in range(job["repeats"]):
            w, c = time.perf_counter(), time.process_time()
            totals = score(tbs, inputs, keys, units)
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
        out[str(n)] = {"wall": [min(walls), statistics.median(walls)], "cpu": [min(cpus), statistics.median(cpus)],
                       "totals": [f"{t:.2f}" for t in totals[:len(pool)]]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
