"""Cross-unit benchmark: 名次 and 均值 over many units scored together (the stages of a scheme whose
total ranks a value that itself needs the other units). 名次 is looked up by bisection in the sorted
values of its scope, so scoring n units costs O(n log n), not O(n²).

Run: python bench/rank.py [--quick]. Prints the minimum and median of several repeats for each size,
and the ratio of the largest size to the smallest (linear would be 10 for 10× the units).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from kaoping.compiler import runtime as R
from kaoping.dsl.load import check_text

SCHEME = """
方案 "名次基准" {
  输入 产值
  得分 相对 = 产值 ÷ 最大(产值, 全部单位) × 10
  得分 总分 = 相对 + 100 - 名次(相对, 全部单位) + 均值(产值, 全部单位) ÷ 1000
  排名 依据 总分
}
"""


def units(n: int, rng: random.Random) -> list[dict]:
    return [{"name": f"单位{i}", "values": {"产值": str(rng.randint(1, 10 ** 6))}} for i in range(n)]


def measure(program, n: int, repeats: int, rng: random.Random) -> list[float]:
    population = units(n, rng)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        scores = R.score_many(program, population)
        times.append(time.perf_counter() - start)
    ranks = sorted(s["rank"] for s in scores)
    assert ranks[0] == 1 and all(s["total"] is not None for s in scores)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2,000 and 5,000 units only")
    args = ap.parse_args()
    program = check_text(SCHEME, "bench.scheme").program
    rng = random.Random(2026)
    sizes = [2000, 5000] if args.quick else [2000, 20000]
    results = {}
    print(f"{'units':>7} {'min':>8} {'median':>8}  (2 stages: 最大 and 均值, then 名次 of a value needing 最大)")
    for n in sizes:
        t = measure(program, n, 3, rng)
        results[n] = statistics.median(t)
        print(f"{n:>7} {min(t):7.2f}s {results[n]:7.2f}s")
    small, large = sizes[0], sizes[-1]
    print(f"ratio {large} / {small} units: {results[large] / results[small]:.1f} "
          f"(units × {large // small}; aim ≤ 12 for × 10, and under 5 s at 20,000)")


if __name__ == "__main__":
    main()
