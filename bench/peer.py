"""kaoping against its peer, OpenFisca, and against the floor: the totals path of the compiled module,
a folded straight-line Decimal function (each item's points per tier hoisted; the floor), and an
idiomatic OpenFisca model (bench/openfisca_model.py), on the synthetic scheme of bench/score.py with
200 indicators (10 categories × 20 indicators of 5 tier items; tiers 100/90/80%; the total
70% assessment + 30% public score, rounded to 0.01); then `kaoping score` with the full 得分说明 on
10,000 units (table and JSON), in a fresh process.

Run: python bench/peer.py [--quick] [--repeats N] [--no-openfisca] [--no-cli]. OpenFisca (openfisca-core)
is installed by this script into a throwaway virtual environment in a temporary folder; when it
cannot be installed, the comparison is skipped with a message. Every ratio is measured in one run;
each figure is the minimum / median over the repeats, wall time and CPU time. Wrong units: totals
that differ from the exact total (the Fraction runtime), to the cent.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from score import load, scheme_text, units_for  # noqa: E402  (the same synthetic scheme)
from score_cli import run as run_cli  # noqa: E402

from kaoping.compiler import runtime as R  # noqa: E402
from kaoping.compiler.emit import compile_program  # noqa: E402
from kaoping.compiler.runtime import batch  # noqa: E402
from kaoping.dsl.load import check_text  # noqa: E402

LEAVES, POOL = 200, 10_000
SHARES = {"一档": Decimal("1"), "二档": Decimal("0.9"), "三档": Decimal("0.8")}


def folded_source(indicators) -> str:
    """The floor: straight-line Decimal code, each item's points per tier a hoisted dict."""
    lines = ["from decimal import Decimal as D, ROUND_HALF_UP", "CENT = D('0.01')"]
    body = ["def ref(v):", "    t = D(0)"]
    for n, (_ind, items) in enumerate(indicators):
        for key, w in items:
            lines.append(f"P_{key.replace('-', '_')} = {{{', '.join(f'{t!r}: D({str(w * s)!r})' for t, s in SHARES.items())}}}")
        terms = " + ".join(f"P_{k.replace('-', '_')}[v[{k!r}]]" for k, _w in items)
        cap = sum(w for _k, w in items)
        body += [f"    a = {terms}", f"    if a > D('{cap}'):", f"        a = D('{cap}')", "    t += a"]
    body.append("    return (t * D('0.7') + D(v['公众评议']) * D('0.3')).quantize(CENT, ROUND_HALF_UP)")
    return "\n".join(lines + body) + "\n"


def timed(fn, items, repeats: int) -> tuple[list[float], list[float]]:
    """(wall, cpu): each [min, median] over the repeats."""
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        batch(fn, items)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return [min(walls), statistics.median(walls)], [min(cpus), statistics.median(cpus)]


def cents(total: Fraction) -> str:
    return f"{(Decimal(total.numerator) / Decimal(total.denominator)).quantize(Decimal('0.01'), ROUND_HALF_UP)}"


def openfisca(folder: Path, job: dict) -> dict | None:
    """The peer's figures, or None (with a message) when openfisca-core cannot be installed or run."""
    venv = folder / "openfisca-venv"
    print("installing openfisca-core into a throwaway virtual environment …", flush=True)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "openfisca-core"], check=True,
                       capture_output=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as err:
        print(f"OpenFisca skipped: openfisca-core could not be installed ({type(err).__name__})")
        return None
    version = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('openfisca-core'))"],
                             capture_output=True, text=True).stdout.strip()
    done = subprocess.run([str(python), str(Path(__file__).parent / "openfisca_model.py")], input=json.dumps(job),
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"OpenFisca skipped: the model failed\n{done.stderr[-2000:]}")
        return None
    print(f"openfisca-core {version}")
    return json.loads(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="up to 10,000 units (else 100,000)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-openfisca", action="store_true")
    ap.add_argument("--no-cli", action="store_true", help="skip kaoping score on 10,000 units")
    args = ap.parse_args()
    sizes = [100, 1000, 10000] if args.quick else [100, 1000, 10000, 100000]
    rng = random.Random(2026)
    text, indicators = scheme_text(LEAVES, rounding=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        program = check_text(text, "peer.scheme").program
        module = load(compile_program(program, "peer.scheme"), "peer_module", folder)
        floor = load(folded_source(indicators), "peer_floor", folder).ref
        keys = [k for _ind, items in indicators for k, _w in items]
        pool = units_for(keys, POOL, rng)  # larger sizes cycle through these units
        (folder / "units.json").write_text(json.dumps(pool, ensure_ascii=False), encoding="utf-8")

        # exactness first: every unit of the pool against the floor; some against the Fraction runtime
        exact = [cents(module.total(u)) for u in pool]
        wrong_kaoping = sum(e != str(floor(u["values"])) for e, u in zip(exact, pool))
        for u, e in zip(pool[:200], exact):
            assert cents(R.score_unit(program, u)["total"]) == e
        fast = sum(module.FAST.total(u) is not None for u in pool)
        print(f"{LEAVES} indicators; {POOL:,} distinct units (larger sizes repeat them); the fast path scored "
              f"{fast:,} of {POOL:,}; kaoping wrong units vs the floor: {wrong_kaoping}")

        if not args.no_cli:  # first: the peak memory of child processes is the largest so far
            cli_units(folder, keys, rng, text)

        peer = None
        if not args.no_openfisca:
            categories = [[(ind, [(k, str(w)) for k, w in items]) for ind, items in indicators[c:c + 20]]
                          for c in range(0, len(indicators), 20)]
            peer = openfisca(folder, {"categories": categories, "units": str(folder / "units.json"),
                                      "sizes": sizes, "repeats": args.repeats})
        print(f"\n{'units':>7}  {'kaoping total() wall':>21} {'cpu':>7}  {'floor wall':>17} {'cpu':>7}  "
              f"{'OpenFisca wall':>17} {'cpu':>7}  {'kaoping/floor':>13} {'OpenFisca/kaoping':>17}  wrong (OpenFisca)")
        for n in sizes:
            units = [pool[i % POOL] for i in range(n)]
            values = [u["values"] for u in units]
            k_wall, k_cpu = timed(module.total, units, args.repeats)
            f_wall, f_cpu = timed(floor, values, args.repeats)
            row = (f"{n:>7}  {k_wall[0] / n * 1e6:7.1f}/{k_wall[1] / n * 1e6:6.1f} µs {k_cpu[0] / n * 1e6:6.1f}µs  "
                   f"{f_wall[0] / n * 1e6:7.1f}/{f_wall[1] / n * 1e6:6.1f} µs {f_cpu[0] / n * 1e6:6.1f}µs  ")
            ratio = f"{k_wall[0] / f_wall[0]:5.2f}× ({k_cpu[0] / f_cpu[0]:4.2f}×)"
            if peer is not None:
                p = peer[str(n)]
                wrong = sum(a != b for a, b in zip(p["totals"], exact[:n]))
                row += (f"{p['wall'][0] / n * 1e6:7.1f}/{p['wall'][1] / n * 1e6:6.1f} µs {p['cpu'][0] / n * 1e6:6.1f}µs  "
                        f"{ratio:>13} {p['wall'][0] / k_wall[0]:7.2f}× ({p['cpu'][0] / k_cpu[0]:5.2f}×)  "
                        f"{wrong} of {min(n, POOL)}")
            else:
                row += f"{'—':>17} {'—':>7}  {ratio:>13} {'—':>17}"
            print(row)
        print("per unit, min/median over the repeats; ratios of the minima, wall (CPU). aims: kaoping/floor ≤ 1.5×; "
              "OpenFisca/kaoping > 1× (kaoping ahead) at every size; 0 wrong units for kaoping")


def cli_units(folder: Path, keys: list[str], rng: random.Random, text: str) -> None:
    """kaoping score with the full 得分说明 on 10,000 units, table and JSON, in a fresh process."""
    scheme = folder / "peer.scheme"
    scheme.write_text(text, encoding="utf-8")
    results = folder / "cli.json"
    units = units_for(keys, 10000, rng)
    results.write_text(json.dumps({"units": [{"name": u["name"], "values": u["values"]} for u in units]},
                                  ensure_ascii=False), encoding="utf-8")
    run_cli(scheme, results, "table")  # the module is compiled and cached by the first run
    print(f"kaoping score, 10,000 units × {LEAVES} indicators, the full 得分说明 (aim: ≤ 5 s, ≤ 500 MiB)")
    for fmt in ("table", "json"):
        wall, cpu, peak = run_cli(scheme, results, fmt)
        print(f"  {fmt:>5}: wall {wall:5.2f} s, cpu {cpu:5.2f} s, peak {peak:4.0f} MiB (the largest child so far)")
    print()


if __name__ == "__main__":
    main()
