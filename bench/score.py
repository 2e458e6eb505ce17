"""Scoring benchmark: compile time, and scoring throughput of the compiled module against the
reference interpreter and against a hand-written straight-line function (the floor).

Run: python bench/score.py [--quick]. Prints figures; ratios are measured in one run (the machine
is noisy, so compare ratios, not seconds). Every path runs many units through runtime.batch (the
cyclic garbage collector paused), as score_all(), rank() and `kaoping score` do. Synthetic schemes: N leaf indicators (level-2 items,
five per level-1 indicator, twenty indicators per category), all scored by 三档层差法 (tiers
100% / 90% / 80%), one input and a 70%/30% formula, as seed 001 does.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from kaoping.compiler.emit import compile_program
from kaoping.compiler.interpret import Interpreter
from kaoping.compiler.results import UnitResults
from kaoping.compiler.runtime import batch
from kaoping.dsl.load import check_text

TIERS = ("一档", "二档", "三档")
SHARES = {"一档": Decimal("1"), "二档": Decimal("0.9"), "三档": Decimal("0.8")}


def scheme_text(leaves: int, rounding: bool = False) -> tuple[str, list[tuple[str, list[tuple[str, Decimal]]]]]:
    """The scheme, and its indicators as (id, [(item id, weight)]) for the reference function;
    `rounding`: the total kept to 0.01 (精度 2 位 四舍五入)."""
    indicators = []
    out = ['方案 "评分基准" {'] + (["  精度 2 位 四舍五入"] if rounding else []) + ["  类别 考评 评分 三档层差法 {"]
    per_cat, per_ind = 20, 5
    n_ind = leaves // per_ind
    for c in range(0, n_ind, per_cat):
        out.append(f"    类别 类{c // per_cat + 1} {{")
        for i in range(c, min(c + per_cat, n_ind)):
            items = [(f"{i + 1}-{j + 1}", Decimal("1.5") if j % 2 else Decimal("2")) for j in range(per_ind)]
            total = sum(w for _, w in items)
            out.append(f'      指标 {i + 1} "指标{i + 1}" 分值 {total} {{')
            out += [f'        {k} "工作{k}" 权重 {w} 时限 12月' for k, w in items]
            out.append("      }")
            indicators.append((str(i + 1), items))
        out.append("    }")
    out += ["  }", "  评分法 三档层差法 = 分档 { 一档 100%, 二档 90%, 三档 80% }", "  输入 公众评议 满分 100",
            "  得分 总分 = 考评 × 70% + 公众评议 × 30%", "}"]
    return "\n".join(out) + "\n", indicators


def reference_source(indicators) -> str:
    """Straight-line Decimal code: weight × tier share per item, capped per indicator; no breakdown."""
    lines = ["from decimal import Decimal as D", "S = {'一档': D('1'), '二档': D('0.9'), '三档': D('0.8')}",
             "def ref(v):", "    t = D(0)"]
    for ind, items in indicators:
        cap = sum(w for _, w in items)
        terms = " + ".join(f"D('{w}') * S[v['{k}']]" for k, w in items)
        lines += [f"    a = {terms}", f"    if a > D('{cap}'):", f"        a = D('{cap}')", "    t += a"]
    lines.append("    return t * D('0.7') + D(v['公众评议']) * D('0.3')")
    return "\n".join(lines) + "\n"


def load(source: str, name: str, folder: Path):
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def units_for(leaf_ids, count: int, rng: random.Random):
    return [{"name": f"单位{u}", "class": None,
             "values": {**{k: rng.choice(TIERS) for k in leaf_ids}, "公众评议": str(rng.randint(60, 100))}}
            for u in range(count)]


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def run(leaves: int, unit_counts: list[int], folder: Path, rng: random.Random, interp_limit: int) -> None:
    text, indicators = scheme_text(leaves)
    t0 = time.perf_counter()
    checked = check_text(text, "bench.scheme")
    t1 = time.perf_counter()
    source = compile_program(checked.program, "bench.scheme")
    t2 = time.perf_counter()
    module = load(source, f"bench_{leaves}", folder)
    t3 = time.perf_counter()
    ref = load(reference_source(indicators), f"ref_{leaves}", folder).ref
    interp = Interpreter(checked.program)
    leaf_ids = [k for _, items in indicators for k, _ in items]
    print(f"\n{leaves} indicators: check {t1 - t0:.3f} s, compile {t2 - t1:.3f} s, import {t3 - t2:.3f} s, "
          f"module {len(source.splitlines())} lines")
    print(f"  {'units':>6} {'interp+bd':>11} {'module+bd':>11} {'total()':>10} {'reference':>10}"
          f"  {'bd speedup':>10} {'total/ref':>9}  per-unit (module+bd)")
    per_unit = {}
    for n in unit_counts:
        units = units_for(leaf_ids, n, rng)
        as_results = [UnitResults(u["name"], None, u["values"], {}, u["name"]) for u in units]
        # correctness first: every path gives the same totals
        for u, r in zip(units[:3], as_results[:3]):
            exact = interp.score(r)["total"]
            assert module.score(u)["total"] == exact == module.total(u)
            assert Decimal(exact.numerator) / Decimal(exact.denominator) == ref(u["values"])
        t_mod = timed(lambda: module.score_all(units))
        t_tot = timed(lambda: batch(module.total, units))
        t_ref = timed(lambda: batch(ref, [u["values"] for u in units]))
        t_int = timed(lambda: batch(interp.score, as_results)) if n * leaves <= interp_limit else None
        per_unit[n] = t_mod / n
        ratio = f"{t_int / t_mod:9.2f}×" if t_int else "      n/a"
        ti = f"{t_int:10.3f}s" if t_int else "       n/a"
        print(f"  {n:>6} {ti} {t_mod:10.3f}s {t_tot:9.3f}s {t_ref:9.3f}s  {ratio} {t_tot / t_ref:8.2f}×"
              f"  {per_unit[n] * 1e3:.3f} ms")
    if 100 in per_unit and max(per_unit) > 100:
        top = max(per_unit)
        print(f"  linearity: per-unit time at {top} units / at 100 units = {per_unit[top] / per_unit[100]:.2f}"
              f" (aim ≤ 1.2)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a minute instead of several)")
    args = ap.parse_args()
    rng = random.Random(2026)
    sys.setrecursionlimit(10000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.quick:
            run(100, [1, 100, 1000], folder, rng, 10 ** 6)
            run(1000, [1, 100], folder, rng, 10 ** 6)
        else:
            run(100, [1, 100, 1000, 10000], folder, rng, 2 * 10 ** 6)
            run(1000, [1, 100, 1000], folder, rng, 2 * 10 ** 6)
            run(10000, [1, 10, 100], folder, rng, 2 * 10 ** 6)
    print("\nmodule+bd is score_all: lines of pure leaves are shared by the units scored together; interp+bd scores "
          "one unit at a time. "
          "aims: total() within 1.5× of the reference; per-unit time at 10,000 units within 1.2× of that at 100")


if __name__ == "__main__":
    main()
