"""Parse + check speed and memory on synthetic schemes of 1,000, 5,000 and 50,000 items.

    python bench/parse_check.py            # all figures (a minute or two)
    python bench/parse_check.py --quick    # 1,000 and 5,000 items only

The schemes are realistic in shape: top categories → sub-categories → 指标 (level-1 indicators,
分值, 分管, 责任, 依据) → items (权重 summing to the indicator, 时限, 责任, 备注, Chinese texts),
plus methods, inputs, formulas and rules; every sum closes, so `check` finds nothing.

Every figure is measured in this one run, with repeats: min and median, CPU time beside wall time.
Child processes are measured first, while this process is still small (a child's ru_maxrss can
carry over its parent's peak on Linux), and their peak is also read from /proc where there is one.

Aims (from the issue): ≥ 25,000 items/s; 5,000 items in a fresh process ≤ 0.35 s; 50,000 items
≤ 3 s and ≤ 100 MiB; time(50k)/time(5k) ≤ 12. No test asserts timings; this script reports them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

TEXTS = [
    "完成路基土石方工程和桥梁下部结构施工，完成年度投资计划",
    "开展权责清单和办事指南修订工作，按时报送修订成果",
    "推进混合所有制改革，完成市属企业改制任务",
    "建立联络机制，按季度报送工作进展和存在问题",
    "落实安全生产责任制，开展隐患排查治理专项行动",
    "推进政务服务“一网通办”，提高网上办理比例",
    "完成年度重点项目前期工作，争取上级资金支持",
]
OWNERS = ["办公室", "规划科", "建设科", "财务科", "法规科", "各科室"]
LEADERS = ["林", "王", "陈", "张", "黄"]
DEADLINES = ["12月底前", "7月份", "6月", "11月中旬前", "2020年7月15日前", "10月", "9月底前"]
WEIGHTS = ["1", "1", "0.5", "1.5", "1"]  # 5 items, 5 points per indicator
PER_CATEGORY = 20  # indicators per sub-category


def scheme(n_items: int) -> str:
    """A scheme with n_items items (a multiple of 5) whose sums all close."""
    n_ind = n_items // len(WEIGHTS)
    n_cat = -(-n_ind // PER_CATEGORY)
    halves = [list(range(1, n_cat // 2 + 1)), list(range(n_cat // 2 + 1, n_cat + 1))]
    points = {c: min(PER_CATEGORY, n_ind - (c - 1) * PER_CATEGORY) * 5 for c in range(1, n_cat + 1)}
    out = ['方案 "合成测试方案（%d 项）" 年度 2020 {' % n_items, '  文号 "泉效综〔2020〕3号"',
           '  依据 "泉效综〔2020〕2号" "泉人社文〔2020〕151号"', "  精度 2 位 四舍五入",
           '  假定 "二档比例原文未载明"']
    out.append(f"  类别 目标考评 满分 {n_ind * 5} {{")
    for top, cats in zip(("职能工作目标", "行政能力目标"), halves):
        out.append(f"    类别 {top} 满分 {sum(points[c] for c in cats)} 评分 三档 {{")
        for c in cats:
            out.append(f"      类别 工作目标{c} 满分 {points[c]} {{")
            for j in range(1, points[c] // 5 + 1):
                text = TEXTS[(c + j) % len(TEXTS)]
                out.append(f'        指标 {c}-{j} "{text}（第{j}项）" 分值 5 分管 "{LEADERS[j % 5]}" '
                           f'责任 "{OWNERS[j % 6]}" 依据 "泉政办〔2020〕{j}号" {{')
                for i, w in enumerate(WEIGHTS, 1):
                    line = (f'          {c}-{j}-{i} "{TEXTS[(c + j + i) % len(TEXTS)]}。" 权重 {w} '
                            f'时限 {DEADLINES[(j + i) % len(DEADLINES)]} 责任 "{OWNERS[(i + c) % 6]}"')
                    if (j + i) % 7 == 0:
                        line += ' 备注 "省级媒体报道"'
                    out.append(line)
                out.append("        }")
            out.append("      }")
        out.append("    }")
    out.append("  }")
    out += [
        "  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% } 可晋档 1",
        "  评分法 完成率 = 按比例 上限 100%",
        "  输入 公众评议 满分 100",
        "  加分组 正向激励加分 上限 5",
        "  扣分组 察访核验扣分 上限 10",
        "  得分 考评总得分 = 目标考评 × 70% + 公众评议 × 30% + 正向激励加分 − 察访核验扣分",
        "  规则 至少十五项: 计数(职能工作目标) >= 15 级别 警告",
        '  规则 归属行政能力: 每项 于 职能工作目标 内容 不含 "党建" "综治" 级别 警告',
        "  性质 总分有界: 考评总得分 <= 100 + 正向激励加分.上限",
        "}",
    ]
    return "\n".join(out) + "\n"


def _check(text: str):
    from kaoping.dsl.load import check_text

    result = check_text(text, "bench.scheme")
    assert result.ok and not result.errors, [d.message for d in result.diagnostics[:3]]
    return result


def timed(fn, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `repeat` calls (a full collection before each)."""
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return walls, cpus


def run_child(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system, from the kernel's accounting of the child) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def children(args: list[str], repeat: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, _out = run_child(args)
        walls.append(wall)
        cpus.append(cpu)
    return walls, cpus


PEAK = """
import resource, sys
from kaoping.dsl.load import check_path
assert check_path(sys.argv[1]).ok
hwm = None
try:
    with open('/proc/self/status') as f:
        hwm = next((int(l.split()[1]) for l in f if l.startswith('VmHWM')), None)
except OSError:
    pass
scale = 1 if sys.platform == 'darwin' else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale, hwm and hwm * 1024)
"""


def child_peak_mib(path: str) -> tuple[float, float | None]:
    """Peak resident memory of a new interpreter that imports kaoping and checks the file:
    (ru_maxrss, VmHWM or None), MiB."""
    _wall, _cpu, out = run_child([sys.executable, "-c", PEAK, path])
    maxrss, hwm = out.split()
    return int(maxrss) / 2**20, None if hwm == "None" else int(hwm) / 2**20


def peak_mib(text: str) -> float:
    """Peak memory allocated by Python while checking (tracemalloc; the text itself excluded)."""
    gc.collect()
    tracemalloc.start()
    _check(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def phases(text: str, repeat: int) -> dict:
    """Where the time of one check goes: parse, resolve, checks, lowering (min over repeats, collector paused
    as in load)."""
    from kaoping.dsl.checks import Checker
    from kaoping.dsl.lower import lower
    from kaoping.dsl.parser import parse
    from kaoping.dsl.resolve import Resolver
    from kaoping.dsl.source import Source

    best: dict = {}
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            tree, _ = parse(Source("bench.scheme", text))
            t1 = time.perf_counter()
            scheme = Resolver().resolve([("bench.scheme", tree)])
            t2 = time.perf_counter()
            Checker(scheme).run()
            t3 = time.perf_counter()
            lower(scheme)
            t4 = time.perf_counter()
        finally:
            gc.enable()
        for k, v in (("parse", t1 - t0), ("resolve", t2 - t1), ("checks", t3 - t2), ("lowering", t4 - t3)):
            best[k] = min(best.get(k, v), v)
        del tree, scheme
    return best


def parse_paths(text: str, repeat: int) -> tuple[float, float]:
    """Parse only: the fast table-driven path against lark's trees + transformer (the reference path)."""
    from kaoping.dsl.parser import parse_fast, parse_with_lark

    def paused(fn):
        def run():
            gc.disable()
            try:
                fn(text)
            finally:
                gc.enable()
        return run

    return min(timed(paused(parse_fast), repeat)[0]), min(timed(paused(parse_with_lark), repeat)[0])


def table_times() -> dict:
    """LALR tables: lark's build (strict, no cache), the driver's derivation, and the cached JSON read back."""
    from lark import Lark

    from kaoping.dsl import parser as P
    from kaoping.grammar import grammar_text

    start = time.perf_counter()
    built = Lark(grammar_text(), **P._OPTIONS)
    build = time.perf_counter() - start
    start = time.perf_counter()
    data = P._build_tables(built)
    driver_build = time.perf_counter() - start
    blob = json.dumps(data)
    start = time.perf_counter()
    P._Tables(json.loads(blob))
    driver_load = time.perf_counter() - start
    code = "import time; t = time.perf_counter(); from kaoping.dsl.parser import _tables; _tables(); " \
           "print(time.perf_counter() - t)"
    fresh = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    return dict(build=build, driver_build=driver_build, driver_load=driver_load, fresh_import_and_load=fresh,
                driver_kib=len(blob.encode()) / 1024)


def spread(xs: list[float]) -> str:
    return f"{min(xs):.3f} / {statistics.median(xs):.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="only 1,000 and 5,000 items")
    ap.add_argument("--repeat", type=int, default=7, help="runs of each fresh-process figure (default 7)")
    ap.add_argument("--write", nargs=2, metavar=("ITEMS", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.write:
        with open(args.write[1], "w", encoding="utf-8") as f:
            f.write(scheme(int(args.write[0])))
        return
    sizes = (1_000, 5_000) if args.quick else (1_000, 5_000, 50_000)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; figures are min / median of repeats\n")

    with tempfile.TemporaryDirectory() as tmp:
        # ---- child processes first, while this process is small
        paths = {}
        for n in sizes:  # written by a child: this process stays small for the peaks measured below
            paths[n] = os.path.join(tmp, f"{n}.scheme")
            subprocess.run([sys.executable, __file__, "--write", str(n), paths[n]], check=True)
        check = [sys.executable, "-m", "kaoping", "check", "--format", "short"]
        # warm the caches in the user's cache folder, and write kaoping's bytecode as an installation does
        # (with PYTHONDONTWRITEBYTECODE set, every start would compile the changed modules from source)
        run_child(check + [paths[1_000]], env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
        fresh_wall, fresh_cpu = children(check + [paths[5_000]], args.repeat)
        bare_wall, _ = children([sys.executable, "-c", "pass"], args.repeat)
        import_wall, _ = children([sys.executable, "-c", "import kaoping.cli"], args.repeat)
        print("fresh process, `kaoping check` of 5,000 items, wall / CPU s (min / median):")
        print(f"  {spread(fresh_wall)} wall, {spread(fresh_cpu)} CPU   (bare interpreter {spread(bare_wall)} wall, "
              f"interpreter + `import kaoping.cli` {spread(import_wall)} wall)")
        if sys.flags.dont_write_bytecode:
            print("  (PYTHONDONTWRITEBYTECODE is set: kaoping's bytecode was written by the warm-up run only)")
        peaks = {n: child_peak_mib(paths[n]) for n in sizes}
        print("peak resident memory of a new interpreter that checks the file (interpreter and imports included):")
        for n, (maxrss, hwm) in peaks.items():
            print(f"  {n:>6,} items: ru_maxrss {maxrss:.0f} MiB" + (f", VmHWM {hwm:.0f} MiB" if hwm else ""))
        texts = {}
        for n in sizes:
            with open(paths[n], encoding="utf-8") as f:
                texts[n] = f.read()

    # ---- in this process
    from kaoping.dsl.parser import _tables

    _tables()
    _check(texts[1_000])  # warm up: compiled lexers, caches
    print(f"\n{'items':>7} {'MB':>6} {'wall s min / med':>17} {'CPU s min / med':>16} {'items/s min / med':>19} "
          f"{'peak MiB':>9}")
    times: dict = {}
    for n in sizes:
        text = texts[n]
        walls, cpus = timed(lambda: _check(text), 5 if n <= 5_000 else 3)
        times[n] = min(walls)
        peak = times[(n, "peak")] = peak_mib(text)
        rate = f"{n / min(walls):,.0f} / {n / statistics.median(walls):,.0f}"
        print(f"{n:>7,} {len(text.encode()) / 1e6:>6.2f} {spread(walls):>17} {spread(cpus):>16} {rate:>19} "
              f"{peak:>9.1f}")
    print("  (peak: tracemalloc's peak of Python allocations during the check, the text itself excluded;")
    print("   dsl.load pauses the cyclic garbage collector for the whole check: the AST and the model are acyclic)")
    if 50_000 in times:
        print(f"linearity: time(50,000) / time(5,000) = {times[50_000] / times[5_000]:.1f} (10 is linear)")

    split = phases(texts[5_000], 5)
    total = sum(split.values())
    print("\nwhere a check of 5,000 items goes (min of 5): " +
          ", ".join(f"{k} {v:.3f} s ({v / total:.0%})" for k, v in split.items()))
    fast, slow = parse_paths(texts[5_000], 3)
    print(f"parse only, 5,000 items: fast path {fast:.3f} s ({5000 / fast:,.0f} items/s), "
          f"lark trees + transformer {slow:.3f} s ({5000 / slow:,.0f} items/s): {slow / fast:.1f}× faster")

    t = table_times()
    print(f"\nLALR tables: built by lark (strict, no cache) {t['build']:.3f} s; the driver's derived from them "
          f"{t['driver_build']:.3f} s, read back from JSON {t['driver_load'] * 1000:.1f} ms ({t['driver_kib']:.0f} KiB);")
    print(f"  import + cached tables in a fresh process {t['fresh_import_and_load']:.3f} s")

    print("\naims:")
    rate = min(n / times[n] for n in sizes)
    fresh = statistics.median(fresh_wall)
    aims = [(f"≥ 25,000 items/s (slowest size, best run: {rate:,.0f})", rate >= 25_000),
            (f"5,000 items in a fresh process ≤ 0.35 s (median {fresh:.3f} s)", fresh <= 0.35)]
    if 50_000 in times:
        ratio = times[50_000] / times[5_000]
        aims += [(f"50,000 items ≤ 3 s ({times[50_000]:.2f} s)", times[50_000] <= 3),
                 (f"50,000 items ≤ 100 MiB (tracemalloc peak {times[(50_000, 'peak')]:.0f} MiB)",
                  times[(50_000, "peak")] <= 100),
                 (f"time(50k)/time(5k) ≤ 12 ({ratio:.1f})", ratio <= 12)]
    for text, met in aims:
        print(f"  [{'met' if met else 'NOT met'}] {text}")


if __name__ == "__main__":
    main()
