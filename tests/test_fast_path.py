"""The compiled module's fast path (fastgen.py, fastrun.py) against the runtime, the reference: the
same totals and the same 得分说明 / JSON, byte for byte, on every shipped scheme, on generated units,
and on units it must hand to the runtime (a third, a division that does not terminate, a problem)."""

from __future__ import annotations

import os

import decimal
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, check
from kaoping.compiler import runtime as R
from kaoping.compiler.emit import compile_program
from kaoping.compiler.explain import explain_text, unit_json, unit_json_text, unit_text
from kaoping.compiler.interpret import Interpreter, unit_dict
from kaoping.compiler.results import read_results
from kaoping.dsl.load import check_path
from kaoping.dsl.source import visible
from scoring_helpers import load_module

SHIPPED = sorted((ROOT / "schemes").glob("*.scheme")) + [ROOT / "schemes" / "examples" / "methods-gallery.scheme"]

FAST = """
方案 "快速路径" {
  精度 2 位 四舍五入
  类别 考评 满分 10 {
    类别 定档 满分 4 评分 三档 {
      1-1 "工作一" 权重 2
      1-2 "工作二" 权重 2
    }
    类别 经济 满分 6 评分 完成率 {
      2-1 "投资" 权重 3
      2-2 "资金" 权重 3
    }
  }
  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% }
  评分法 完成率 = 按比例 上限 100%
  输入 公众评议 满分 100
  得分 总分 = 考评 × 70% + 公众评议 × 30%
}
"""


def module_of(text: str, folder: Path):
    checked = check(text)
    assert checked.ok, [d.message for d in checked.errors]
    return checked.program, load_module(compile_program(checked.program, "t.scheme"), folder)


def reference_outputs(program, units: list[dict]) -> list[tuple[str, str, str]]:
    summaries, scores = R.score_stream(program, units)
    return [(visible(explain_text(s), newline=True), visible(explain_text(s, items=False), newline=True),
             json.dumps(unit_json(s), ensure_ascii=False)) for s in scores]


def fast_outputs(module, units: list[dict]) -> tuple[list[tuple[str, str, str]], int]:
    """The module's stream, rendered; and how many units its fast path scored."""
    summaries, scores = module.stream(units)
    out, fast = [], 0
    for s in scores:
        fast += "fast" in s
        out.append((unit_text(s), unit_text(s, items=False), unit_json_text(s)))
    return out, fast


def unit(name: str, **values) -> dict:
    return {"name": name, "class": None, "values": values}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scheme_scores_the_same_fast(path, tmp_path):
    checked = check_path(str(path))
    results = (path.with_suffix(".json") if path.parent.name == "examples"
               else path.parent / "results" / (path.stem + ".json"))
    read, _problems = read_results(results)
    units = [unit_dict(u) for u in read]
    module = load_module(compile_program(checked.program, path.name), tmp_path)
    reference = Interpreter(checked.program).score_all(read)
    summaries, _scores = module.stream(units)
    assert [s["total"] for s in summaries] == [s["total"] for s in reference]
    assert [(s["rank"], s["grade"]) for s in summaries] == [(s["rank"], s["grade"]) for s in reference]
    fast, _count = fast_outputs(module, units)
    assert fast == reference_outputs(checked.program, units)
    for u, s in zip(units, reference):
        if not checked.program.stages:
            assert module.total(u) == s["total"]


def test_the_fast_path_scores_most_shipped_schemes(tmp_path):
    """Not every scheme is specialised (cross-unit values, unit blocks), but the structure most take is."""
    fast = 0
    for path in SHIPPED:
        module = load_module(compile_program(check_path(str(path)).program, path.name), tmp_path)
        fast += module.FAST is not None
    assert fast >= 4


def test_hand_computed_totals_fast_and_by_the_runtime(tmp_path):
    program, module = module_of(FAST, tmp_path)
    jia = unit("甲", **{"1-1": "一档", "1-2": "二档", "2-1": "85%", "2-2": "120%", "公众评议": "90"})
    # 2 + 2 × 0.9 + 3 × 0.85 + 3 × 1 (120% capped at 100%) = 9.35; 9.35 × 0.7 + 90 × 0.3 = 33.545 → 33.55
    # (四舍五入 rounds the half up: Decimal's default half-even would give 33.54)
    assert module.FAST.total(jia) == Fraction("33.55") == module.total(jia)
    # 2-1 at 1/7: 3/7 points, a decimal that does not terminate: the runtime scores the unit
    yi = unit("乙", **{"1-1": "三档", "1-2": "一档", "2-1": "1/7", "2-2": "100%", "公众评议": "80"})
    # 1.6 + 2 + 3/7 + 3 = 246/35; × 7/10 = 4.92; + 80 × 0.3 = 28.92
    assert module.FAST.total(yi) is None
    assert module.total(yi) == Fraction("28.92")
    # a missing result, an unknown key, a bad tier: problems, so the runtime, which says why
    for bad in ({"1-1": "一档"}, {**jia["values"], "9-9": "一档"}, {**jia["values"], "1-1": "四档"},
                {**jia["values"], "公众评议": "120"}):
        assert module.FAST.total(unit("丙", **bad)) is None
        assert module.total(unit("丙", **bad)) is None
    # a tier given as {"档次": …}: read by the runtime
    as_dict = unit("丁", **{**jia["values"], "1-1": {"档次": "一档"}})
    assert module.FAST.total(as_dict) is None and module.total(as_dict) == Fraction("33.55")
    fast, count = fast_outputs(module, [jia, yi])
    assert count == 1 and fast == reference_outputs(program, [jia, yi])
    # score(): the same breakdown, from the records, each line a copy of its own
    assert module.FAST.score(jia, "总分") == R.score_unit(program, jia) == module.score(jia)
    module.score(jia)["tree"][0]["children"][0]["points"] = Fraction(-1)
    assert module.score(jia) == R.score_unit(program, jia)


def test_a_division_that_does_not_terminate_is_left_to_the_runtime(tmp_path):
    text = FAST.replace("得分 总分 = 考评 × 70% + 公众评议 × 30%", "得分 总分 = 考评 ÷ 3 + 公众评议 × 0")
    program, module = module_of(text, tmp_path)
    full = unit("甲", **{"1-1": "一档", "1-2": "一档", "2-1": "100%", "2-2": "100%", "公众评议": "90"})
    assert module.FAST.total(full) is None  # 10 ÷ 3 is inexact in decimal: the trap fires
    assert module.total(full) == Fraction("3.33")  # 10/3 = 3.333… → 3.33
    half = unit("乙", **{"1-1": "一档", "1-2": "一档", "2-1": "50%", "2-2": "100%", "公众评议": "90"})
    # 2 + 2 + 1.5 + 3 = 8.5 → 8.5 ÷ 3 = 2.8333… → 2.83, by the runtime
    assert module.total(half) == Fraction("2.83")
    nine = unit("丙", **{"1-1": "一档", "1-2": "一档", "2-1": "50%", "2-2": "50%", "公众评议": "90"})
    # 2 + 2 + 1.5 + 1.5 = 7 → 7 ÷ 3 = 2.333… → 2.33, by the runtime
    six = unit("丁", **{"1-1": "一档", "1-2": "一档", "2-1": "1/3", "2-2": "1/3", "公众评议": "90"})
    # 2 + 2 + 3 × 1/3 + 3 × 1/3 = 6 → 6 ÷ 3 = 2: exact, so the fast path scores it
    assert module.FAST.total(six) == Fraction(2) == module.total(six)
    assert module.total(nine) == Fraction("2.33")
    fast, count = fast_outputs(module, [full, half, nine, six])
    assert count == 1 and fast == reference_outputs(program, [full, half, nine, six])


RESULT = st.sampled_from(["一档", "二档", "三档", "四档", "85%", "0.5", "1/3", "1/7", "120%", "", " 一档"])
RATIO = st.one_of(st.sampled_from(["85%", "100%", "120%", "1/3", "2/3", "1/7", "0", "-5%", "一档", "0.333", "1e2"]),
                  st.decimals(min_value=0, max_value=2, places=3).map(str),
                  st.fractions(min_value=0, max_value=2, max_denominator=12).map(str))
TIER = st.sampled_from(["一档", "二档", "三档", "四档", "85%"])


@st.composite
def units(draw):
    out = []
    for i in range(draw(st.integers(1, 4))):
        values = {"1-1": draw(TIER), "1-2": draw(TIER), "2-1": draw(RATIO), "2-2": draw(RATIO),
                  "公众评议": draw(st.sampled_from(["90", "85.5", "100", "0", "101", "1/3", "88%"]))}
        for key in draw(st.lists(st.sampled_from(sorted(values)), max_size=2)):
            values.pop(key, None)
        if draw(st.booleans()) and draw(st.booleans()):
            values["9-9"] = "一档"
        out.append(unit(f"单位{i}", **values))
    return out


@settings(max_examples=150, deadline=None)
@given(units())
def test_generated_units_score_the_same_fast_and_by_the_runtime(tmp_path_factory, batch):
    program, module = _module(tmp_path_factory)
    for u in batch:
        expected = R.score_unit(program, u)["total"]
        assert module.total(u) == expected
        assert module.score(u) == R.score_unit(program, u)
        fast = module.FAST.total(u)
        assert fast is None or fast == expected
    assert fast_outputs(module, batch)[0] == reference_outputs(program, batch)


_MODULES: dict = {}


def _module(factory):
    if "m" not in _MODULES:
        _MODULES["m"] = module_of(FAST, factory.mktemp("fast"))
    return _MODULES["m"]


def test_the_exact_context_refuses_to_round():
    from kaoping.compiler.fastrun import EXACT, Fallback, dec

    assert dec(Fraction(1, 8)) == decimal.Decimal("0.125")
    with pytest.raises(Fallback):
        dec(Fraction(1, 3))
    with pytest.raises(decimal.Inexact):
        EXACT.divide(decimal.Decimal(1), decimal.Decimal(3))


def test_score_keeps_its_module_in_the_users_cache_folder(tmp_path, monkeypatch):
    from kaoping.compiler.compiled import scoring_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    checked = check(FAST)
    texts = [("t.scheme", FAST)]
    first = scoring_module(checked.program, texts, "t.scheme")
    kept = list((tmp_path / "cache" / "kaoping" / "modules").glob("*.py"))
    assert len(kept) == 1 and first.FAST is not None
    again = scoring_module(checked.program, texts, "t.scheme")  # read back, not written again
    assert list((tmp_path / "cache" / "kaoping" / "modules").glob("*.py")) == kept
    assert again.SCHEME == first.SCHEME
    other = scoring_module(checked.program, [("t.scheme", FAST + "\n")], "t.scheme")  # another text: another file
    assert other.SCHEME == first.SCHEME
    assert len(list((tmp_path / "cache" / "kaoping" / "modules").glob("*.py"))) == 2
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("")  # the folder cannot be made: the module is made in memory
    assert scoring_module(checked.program, texts, "t.scheme").FAST is not None


def test_the_module_cache_keeps_the_most_recently_used_modules(tmp_path, monkeypatch):
    from kaoping.compiler import compiled

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(compiled, "KEEP", 3)
    folder = tmp_path / "cache" / "kaoping" / "modules"
    folder.mkdir(parents=True)
    olds = [folder / f"kaoping_scheme_old{i}.py" for i in range(4)]
    for i, old in enumerate(olds):  # old0 used longest ago
        old.write_text("# sha256 x\n")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    mine = folder / "notes.txt"  # not a module: never counted, never removed
    mine.write_text("x")
    os.utime(mine, (1, 1))
    link = folder / "kaoping_scheme_link.py"  # a link is never followed, counted or removed
    link.symlink_to(tmp_path / "nowhere")
    checked = check(FAST)
    texts = [("t.scheme", FAST)]
    compiled.scoring_module(checked.program, texts, "t.scheme")  # a new module: the folder is pruned to 3
    (new,) = [p for p in folder.glob("kaoping_scheme_*.py") if p not in olds and p != link]
    assert sorted(p.name for p in folder.iterdir()) == sorted([new.name, olds[3].name, olds[2].name, mine.name,
                                                              link.name])
    os.utime(new, (1, 1))  # read back: marked used, so it outlives old2 and old3 at the next pruning
    compiled.scoring_module(checked.program, texts, "t.scheme")
    assert new.stat().st_mtime > 1_000_010
    compiled.scoring_module(checked.program, [("t.scheme", FAST + "\n")], "t.scheme")
    assert new.exists() and not olds[2].exists() and olds[3].exists() and mine.exists() and link.is_symlink()


def test_a_changed_cached_module_is_made_anew_never_run(tmp_path, monkeypatch):
    from kaoping.compiler.compiled import scoring_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    checked = check(FAST)
    texts = [("t.scheme", FAST)]
    scoring_module(checked.program, texts, "t.scheme")
    (path,) = (tmp_path / "cache" / "kaoping" / "modules").glob("*.py")
    good = path.read_bytes()
    # a file edited after it was written (its digest no longer matches): never run, made again
    path.write_bytes(good + b"\nraise SystemExit('ran a changed cache file')\n")
    assert scoring_module(checked.program, texts, "t.scheme").FAST is not None
    assert path.read_bytes() == good
    # cut short, or a symbolic link put in its place: the same
    path.write_bytes(good[: len(good) // 2])
    assert scoring_module(checked.program, texts, "t.scheme").FAST is not None and path.read_bytes() == good
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_bytes(good)
    path.unlink()
    path.symlink_to(elsewhere)
    assert scoring_module(checked.program, texts, "t.scheme").FAST is not None
    assert not path.is_symlink() and path.read_bytes() == good
