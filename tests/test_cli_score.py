"""kaoping score: the 得分说明 a unit reads, and exit 1 with every problem when results are invalid."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import SCHEMES
from kaoping.cli import main

SCHEME = str(SCHEMES / "quanzhou-transport-2019.scheme")


def test_table_output_explains_each_item():
    result = CliRunner().invoke(main, ["score", SCHEME, str(SCHEMES / "results" / "quanzhou-transport-2019.json")])
    assert result.exit_code == 0, result.output
    # a second-tier item of weight 2: 2 × 90% = 1.8, losing 0.2
    assert "定档 二档，按 90%，得 1.8 分（权重 2），失 0.2 分" in result.output
    assert "第 1 名" in result.output


def test_invalid_results_exit_1_listing_every_problem(tmp_path):
    results = tmp_path / "r.csv"
    results.write_text("单位,编号,值\n甲,1-1-1,五档\n甲,公众评议,130\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["score", SCHEME, str(results), "--format", "json"])
    assert result.exit_code == 1
    problems = json.loads(result.output)["units"][0]["problems"]
    codes = {(p["code"], p["key"]) for p in problems}
    assert ("V0105", "1-1-1") in codes and ("V0107", "公众评议") in codes
    assert ("V0101", "1-1-2") in codes  # every missing item is listed too
    assert next(p for p in problems if p["key"] == "1-1-1")["place"] == f"{results}:2"


def test_unreadable_results_file_is_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    result = CliRunner().invoke(main, ["score", SCHEME, str(bad)])
    assert result.exit_code == 1 and "V000" in result.output and "Traceback" not in result.output


def test_ranking_is_listed_per_unit_class():
    result = CliRunner().invoke(main, ["score", str(SCHEMES / "dashiqiao-2017.scheme"),
                                       str(SCHEMES / "results" / "dashiqiao-2017.json"), "--no-items"])
    assert result.exit_code == 0, result.output
    ranking = result.output.split("排名：\n", 1)[1].splitlines()
    groups = [line.strip() for line in ranking if not line.startswith("    ")]
    assert groups == ["市直部门", "镇区", "垂直管理单位"]  # 分类排名: each class ranked on its own
    town = ranking[ranking.index("  镇区") + 1: ranking.index("  垂直管理单位")]
    assert [line.split()[1] for line in town] == ["1", "2"]


def test_inspect_shows_the_tree_and_the_errors(tmp_path):
    bad = tmp_path / "bad.scheme"
    bad.write_text('方案 "x" {\n  类别 a 满分 5 { 1-1 "甲" 权重 2 }\n}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(bad)])
    assert result.exit_code == 1
    assert "类别 a" in result.stdout and "E0301" in result.stderr
