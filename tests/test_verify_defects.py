"""Ten small schemes, each with one planted defect, and their defect-free twins. Every defect is
caught in every run — by `kaoping check` (an error code) or by `kaoping verify` (the property named,
with results files that `kaoping score` reproduces) — and every twin passes."""

from __future__ import annotations

import json
import random
import re

import pytest
from click.testing import CliRunner

from kaoping.cli import main

TIERS = "评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% }"

# name → (defective scheme body, twin body, what catches it: a property name or a check code)
DEFECTS = {
    "低档多得": ("""
  类别 业务 满分 10 评分 三档 { 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }
  评分法 三档 = 分档 { 一档 90%, 二档 100%, 三档 80% }
  得分 总分 = 业务""", f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }}
  {TIERS}
  得分 总分 = 业务""", "提高一档不会降低得分"),
    "名次倒挂": ("""
  类别 业务 满分 10 { 1-1 "全市排名" 权重 10 评分 全市排名 }
  评分法 全市排名 = 排名 { 1: 8, 2: 10, 3: 6 } 此后 每名 扣 1 下限 0
  得分 总分 = 业务""", """
  类别 业务 满分 10 { 1-1 "全市排名" 权重 10 评分 全市排名 }
  评分法 全市排名 = 排名 { 1: 10, 2: 8, 3: 6 } 此后 每名 扣 1 下限 0
  得分 总分 = 业务""", "名次靠前不会降低得分"),
    "扣分加上": (f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  扣分组 察访核验扣分 上限 5
  得分 总分 = 业务 + 察访核验扣分""", f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  扣分组 察访核验扣分 上限 5
  得分 总分 = 业务 - 察访核验扣分""", "扣分组扣分增多不会提高总分"),
    "加分未用": (f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  加分组 正向激励加分 上限 5
  得分 总分 = 业务""", f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  加分组 正向激励加分 上限 5
  得分 总分 = 业务 + 正向激励加分""", "加分组的加分计入总分"),
    "否决不降": (f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  得分 总分 = 业务
  等次 {{ 优秀 >= 9, 合格 其余 }}
  否决 一票否优 若 有 重大安全事故 则 等次 最高 优秀""", f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  得分 总分 = 业务
  等次 {{ 优秀 >= 9, 合格 其余 }}
  否决 一票否优 若 有 重大安全事故 则 等次 最高 合格""", "被否决的单位等次不高于否决所限"),
    "性质不成立": ("""
  类别 业务 满分 10 评分 三档 { 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }
  评分法 三档 = 分档 { 一档 100%, 二档 70%, 三档 50% }
  得分 总分 = 业务 * 10
  性质 及格: 总分 >= 60""", """
  类别 业务 满分 10 评分 三档 { 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }
  评分法 三档 = 分档 { 一档 100%, 二档 70%, 三档 60% }
  得分 总分 = 业务 * 10
  性质 及格: 总分 >= 60""", "性质 及格"),
    "多扣少罚": ("""
  类别 业务 满分 10 { 1-1 "违规" 权重 10 评分 违规 }
  评分法 违规 = 阶梯 { 1次: 扣 3, 2次: 扣 2, 3次及以上: 扣 1 }
  得分 总分 = 业务""", """
  类别 业务 满分 10 { 1-1 "违规" 权重 10 评分 违规 }
  评分法 违规 = 阶梯 { 1次: 扣 1, 2次: 扣 2, 3次及以上: 扣 3 }
  得分 总分 = 业务""", "扣分次数增多不会提高得分"),
    "功效目标低于下限": ("""
  类别 业务 满分 10 { 1-1 "增速" 权重 10 评分 { 功效 下限 100% 目标 60% } }
  得分 总分 = 业务""", """
  类别 业务 满分 10 { 1-1 "增速" 权重 10 评分 { 功效 下限 60% 目标 100% } }
  得分 总分 = 业务""", "E0501"),
    "加分超上限": (f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  加分组 正向激励加分 上限 5
  得分 总分 = 业务 + 正向激励加分 * 2""", f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  加分组 正向激励加分 上限 5
  得分 总分 = 业务 + 正向激励加分""", "加分组的加分不超过上限"),
    "评议越高越少": (f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  输入 公众评议 满分 100
  得分 总分 = 业务 - 公众评议 * 10%""", f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  输入 公众评议 满分 100
  得分 总分 = 业务 + 公众评议 * 10%""", "完成值提高不会降低得分"),
}

SEEDS = [0, 1, 2, 12345] + [random.Random().randrange(2 ** 32) for _ in range(2)]


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _write(tmp_path, name, body):
    path = tmp_path / f"{name}.scheme"
    path.write_text(f'方案 "{name}" {{{body}\n}}\n', encoding="utf-8")
    return path


def _files(output: str) -> list[dict]:
    lines = output.splitlines()
    return [json.loads(lines[i + 1]) for i, line in enumerate(lines) if "（结果文件 / results file）" in line]


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_each_defect_is_caught_in_every_run(tmp_path, name):
    body, _twin, catcher = DEFECTS[name]
    path = _write(tmp_path, name, body)
    runner = CliRunner()
    if re.fullmatch(r"[EW]\d{4}", catcher):
        result = runner.invoke(main, ["check", str(path)])
        assert catcher in result.output and result.exit_code == 1, result.output
        return
    for seed in SEEDS:
        result = runner.invoke(main, ["verify", str(path), "--examples", "10", "--seed", str(seed)])
        assert result.exit_code == 1, (seed, result.output)
        assert f"[不成立] {catcher}" in result.output, (seed, result.output)
        files = _files(result.output.split(f"[不成立] {catcher}", 1)[1])
        assert files, result.output
        detail = result.output.split(f"[不成立] {catcher}", 1)[1].splitlines()[0]
        totals = []
        for k, units in enumerate(files):
            results = tmp_path / f"ce{seed}-{k}.json"
            results.write_text(json.dumps(units, ensure_ascii=False), encoding="utf-8")
            scored = runner.invoke(main, ["score", str(path), str(results), "--format", "json"])
            assert scored.exit_code == 0, scored.output
            totals += [u["total"] for u in json.loads(scored.output)["ranking"]]
        # every total the finding states is one that `kaoping score` gives for its results files
        for stated in re.findall(r"总分(?:由|仍是) ([\d.]+)|(?:降为|升为) ([\d.]+)|总分 ([\d.]+)", detail):
            value = next(v for v in stated if v)
            if "总分" in detail:
                assert any(str(t) == value for t in totals) or "1-1" in detail, (value, totals, detail)


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_each_twin_passes(tmp_path, name):
    _body, twin, _catcher = DEFECTS[name]
    path = _write(tmp_path, name + "（修正）", twin)
    result = CliRunner().invoke(main, ["verify", str(path), "--examples", "10", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "[不成立]" not in result.output and "[无法验证]" not in result.output


def test_same_seed_same_run(tmp_path):
    path = _write(tmp_path, "低档多得", DEFECTS["低档多得"][0])
    runs = [CliRunner().invoke(main, ["verify", str(path), "--examples", "15", "--seed", "99"]).output for _ in range(2)]
    assert runs[0] == runs[1]


def test_examples_zero_is_a_usage_error(tmp_path):
    path = _write(tmp_path, "x", DEFECTS["低档多得"][1])
    result = CliRunner().invoke(main, ["verify", str(path), "--examples", "0"])
    assert result.exit_code == 2 and "--examples" in result.output


def test_nothing_valid_exits_2_and_says_why(tmp_path):
    # an indicator without points (开放参数) can never be scored: every generated unit is invalid
    path = _write(tmp_path, "无分值", """
  类别 业务 { 指标 1-1 "甲" }
  得分 总分 = 业务
  性质 有界: 总分 <= 100""")
    result = CliRunner().invoke(main, ["verify", str(path), "--examples", "5", "--seed", "1"])
    assert result.exit_code == 2, result.output
    assert "[无法验证] 生成的结果有效" in result.output and "V0111" in result.output
    assert "[通过]" not in result.output


def test_premise_that_never_holds_is_not_a_pass(tmp_path):
    path = _write(tmp_path, "前提", f"""
  类别 业务 满分 10 评分 三档 {{ 1-1 "甲" 权重 10 }}
  {TIERS}
  得分 总分 = 业务
  性质 不可能: 若 总分 > 1000 则 总分 <= 1""")
    result = CliRunner().invoke(main, ["verify", str(path), "--examples", "5", "--seed", "1"])
    assert result.exit_code == 2 and "[无法验证] 性质 不可能" in result.output, result.output


def test_verify_writes_nothing_in_the_current_directory(tmp_path, monkeypatch):
    path = _write(tmp_path, "x", DEFECTS["低档多得"][0])
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    CliRunner().invoke(main, ["verify", str(path), "--examples", "5"])
    assert list(work.iterdir()) == []
