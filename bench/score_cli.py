"""`kaoping score` as a user runs it: N units read from a JSON or CSV results file, scored, explained
and written (to /dev/null), in a fresh process. Prints wall time, CPU time and the process's peak
memory for each size, and the ratio of per-unit times (linear is 1.0).

Run: python bench/score_cli.py [--quick] [--indicators 20]. The files are written to a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from score import TIERS, scheme_text  # noqa: E402  (the same synthetic scheme as bench/score.py)


def write_results(folder: Path, leaf_ids: list[str], n: int, rng: random.Random) -> tuple[Path, Path]:
    rows = [(f"单位{u}", {**{k: rng.choice(TIERS) for k in leaf_ids}, "公众评议": str(rng.randint(60, 100))})
            for u in range(n)]
    as_json = folder / f"u{n}.json"
    as_json.write_text(json.dumps({"units": [{"name": name, "values": v} for name, v in rows]}, ensure_ascii=False),
                       encoding="utf-8")
    as_csv = folder / f"u{n}.csv"
    keys = leaf_ids + ["公众评议"]
    with as_csv.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位"] + keys)
        for name, v in rows:
            w.writerow([name] + [v[k] for k in keys])
    return as_json, as_csv


def run(scheme: Path, results: Path, fmt: str) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MiB) of one `kaoping score` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kaoping", "score", "--format", fmt, str(scheme), str(results)],
                   stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024  # the largest child so far: sizes run smallest first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 and 10,000 units (else up to 100,000)")
    ap.add_argument("--indicators", type=int, default=20)
    args = ap.parse_args()
    sizes = [1000, 10000] if args.quick else [1000, 10000, 100000]
    rng = random.Random(2026)
    text, indicators = scheme_text(args.indicators)
    leaf_ids = [k for _, items in indicators for k, _ in items]
    print(f"{args.indicators} indicators; kaoping score with the full 得分说明, written to /dev/null")
    print(f"{'units':>7} {'file':>5} {'format':>6} {'wall':>8} {'cpu':>8} {'peak':>9} {'per unit':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scheme = folder / "bench.scheme"
        scheme.write_text(text, encoding="utf-8")
        per_unit: dict[tuple[str, str], dict[int, float]] = {}
        for n in sizes:
            files = write_results(folder, leaf_ids, n, rng)
            for path in files:
                for fmt in ("table", "json"):
                    wall, cpu, peak = run(scheme, path, fmt)
                    per_unit.setdefault((path.suffix, fmt), {})[n] = wall / n
                    print(f"{n:>7} {path.suffix[1:]:>5} {fmt:>6} {wall:7.2f}s {cpu:7.2f}s {peak:7.0f}MiB "
                          f"{wall / n * 1e3:8.3f}ms")
        small, large = sizes[0], sizes[-1]
        for (suffix, fmt), times in per_unit.items():
            print(f"linearity {suffix[1:]}/{fmt}: per-unit time at {large} / at {small} units = "
                  f"{times[large] / times[small]:.2f}")
    print("peak is the largest child process so far (sizes run smallest first); aim: ≤ 500 MiB at 100,000 units")


if __name__ == "__main__":
    main()
