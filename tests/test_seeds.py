"""The five real schemes: the figures stated in the documents (checked by hand in DOMAIN.md)
hold in `kaoping inspect --json`; `kaoping check` is clean except for the warnings asserted here;
each scores its shipped sample results; the as-printed table fails where a reviewer would look."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner

from conftest import SCHEMES
from kaoping.cli import main

SEEDS = ["quanzhou-sasac-2020", "quanzhou-transport-2019", "quanzhou-sasac-2024", "quanzhou-commerce-2025",
         "dashiqiao-2017"]


def inspect(name: str) -> dict:
    result = CliRunner().invoke(main, ["inspect", str(SCHEMES / f"{name}.scheme"), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def find(nodes, key):
    for node in nodes:
        if node["key"] == key:
            return node
        hit = find(node["children"], key)
        if hit is not None:
            return hit
    return None


def points(node) -> Decimal:
    return Decimal(node["points"])


def test_seed000_sasac_2020_figures():
    tree = inspect("quanzhou-sasac-2020")["tree"]
    key, regular, functional = find(tree, "重点工作目标"), find(tree, "常规工作目标"), find(tree, "职能工作目标")
    assert (points(key), points(regular), points(functional)) == (65, 15, 80)  # 65 + 15 = 80
    admin = find(tree, "行政能力目标")
    aspects = [c for c in admin["children"] if c["kind"] == "category"]
    assert points(admin) == 20 and len(aspects) == 5
    assert all(points(a) == 4 and a["counts"]["items"] == 4 for a in aspects)  # 5 × 4 = 20
    assert admin["counts"]["level2"] == 0 and "locked" in admin["flags"]


def test_seed001_transport_2019_figures():
    tree = inspect("quanzhou-transport-2019")["tree"]
    key, regular = find(tree, "重点工作目标"), find(tree, "常规工作目标")
    assert (points(key), points(regular), points(find(tree, "职能工作目标"))) == (69, 11, 80)  # 69 + 11 = 80
    assert (key["counts"]["level1"], key["counts"]["level2"]) == (15, 35)
    assert (regular["counts"]["level1"], regular["counts"]["level2"]) == (4, 8)
    assert key["declared_counts"] == {"level1": 15, "level2": 35}
    admin = find(tree, "行政能力目标")
    assert points(admin) == 20 and admin["counts"]["items"] == 20
    assert len([c for c in admin["children"] if c["kind"] == "category"]) == 5


def test_seed003_commerce_2025_figures():
    tree = inspect("quanzhou-commerce-2025")["tree"]
    admin = find(tree, "行政能力目标")
    assert [points(c) for c in admin["children"]] == [7, 6, 7] and points(admin) == 20  # 7 + 6 + 7 = 20
    assert points(find(tree, "6-5")) == 3
    assert [points(find(tree, k)) for k in ("7-1", "7-2", "7-3", "7-4")] == [4, 4, 1, 1]
    assert points(find(tree, "职能工作目标")) == 70
    assert [t["key"] for t in tree] == ["职能工作目标", "行政能力目标", "精神文明建设成效", "平安建设成效", "安全生产",
                                        "消防安全"]
    assert sum(points(t) for t in tree) == 100  # 70 + 20 + 4 + 4 + 1 + 1


def test_seed004_dashiqiao_2017_figures():
    doc = inspect("dashiqiao-2017")
    blocks = {b["unit"]: b for b in doc["unit_blocks"]}
    assert len(blocks) == 44
    env = blocks["市环保局"]
    assert env["counts"]["items"] == 27 and points(env) == 175  # 27 items = 175 points
    assert env["declared_counts"] == {"items": 27}
    # 附件1 rows: 市政府办 10 tasks / 75 points, 市城乡规划建设局 31 / 191.5, 市供销社 16 / 83.5
    for unit, count, full in [("市政府办", 10, 75), ("市城乡规划建设局", 31, "191.5"), ("市供销社", 16, "83.5")]:
        assert (blocks[unit]["declared_counts"]["items"], Decimal(blocks[unit]["declared"])) == (count, Decimal(full))
    assert set(doc["classes"]) == {"市直部门", "镇区", "垂直管理单位"}


def test_seed002_sasac_2024_structure_only():
    doc = inspect("quanzhou-sasac-2024")
    names = [t["key"] for t in doc["tree"]]
    assert names[:2] == ["职能工作目标", "行政能力目标"] and "精神文明建设成效" in names and "平安建设成效" in names
    assert all(n["counts"]["items"] == 0 for n in doc["tree"])  # no table was published
    assert doc["assumptions"], "open parameters are declared as assumptions"


EXPECTED_WARNINGS = {
    "quanzhou-commerce-2025": [("W0401", "1-2-2")],  # “广泛宣传泉州的有利商机”: 宣传 in a business sense
}


@pytest.mark.parametrize("name", SEEDS)
def test_check_is_clean_except_expected_warnings(name):
    result = CliRunner().invoke(main, ["check", str(SCHEMES / f"{name}.scheme"), "--format", "json"])
    assert result.exit_code == 0, result.output
    diags = json.loads(result.output)
    assert [d for d in diags if d["severity"] == "error"] == []
    warnings = [(d["code"], d["message"].split(" ")[0]) for d in diags if d["severity"] == "warning"]
    assert warnings == EXPECTED_WARNINGS.get(name, [])


@pytest.mark.parametrize("name", sorted(p.stem for p in (SCHEMES / "templates").glob("*.scheme")))
def test_templates_check_clean(name):
    result = CliRunner().invoke(main, ["check", str(SCHEMES / "templates" / f"{name}.scheme"), "--format", "short"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", SEEDS)
def test_scores_its_sample_results(name):
    result = CliRunner().invoke(main, ["score", str(SCHEMES / f"{name}.scheme"),
                                       str(SCHEMES / "results" / f"{name}.json"), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # notes (V0011) go to stderr
    assert report["units"] and all(u["problems"] == [] and u["total"] is not None for u in report["units"])


def test_as_printed_table_reports_its_real_problems():
    path = SCHEMES / "as-printed" / "quanzhou-commerce-2025-table.scheme"
    lines = path.read_text(encoding="utf-8").split("\n")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert result.exit_code == 1
    diags = json.loads(result.output)
    dup_lines = sorted(d["line"] for d in diags if d["code"] == "E0201")
    # the rows 4-1…4-4 are printed twice: the second printing is reported, pointing at the first
    second = [i + 1 for i, text in enumerate(lines) if re.match(r"\s*4-[1-4] ", text)][4:]
    assert dup_lines == second and len(second) == 4
    first = [i + 1 for i, text in enumerate(lines) if re.match(r"\s*4-[1-4] ", text)][:4]
    assert sorted(d["related"][0]["line"] for d in diags if d["code"] == "E0201") == first
    sums = {d["message"].split(" 的")[0]: d["line"] for d in diags if d["code"] == "E0301"}
    line_of = lambda pattern: next(i + 1 for i, t in enumerate(lines) if re.search(pattern, t))  # noqa: E731
    assert sums["类别 行政能力目标"] == line_of(r"类别 行政能力目标 ")  # 4 × 1 printed twice: 24 ≠ 20
    assert sums["类别 职能工作目标"] == line_of(r"类别 职能工作目标 ")  # rows 1-7…1-12 missing: 41 ≠ 70
    assert "类别 精神文明" in sums and "类别 平安建设" in sums  # the shifted labels: 8 ≠ 4, 2 ≠ 4
    assert any("24" in d["message"] and "20" in d["message"] for d in diags if d["code"] == "E0301")


def test_dynamic_goals_over_their_cap_against_the_city_template(tmp_path):
    import textwrap

    from conftest import col
    from kaoping.dsl.load import check_path

    template = "quanzhou-city.scheme"  # found in the template root given below
    text = f"""
    方案 "动态目标" 继承 "{template}" {{
      类别 职能工作目标 {{
        类别 动态工作目标 {{ 3-1 "新部署一" 权重 6  3-2 "新部署二" 权重 6 }}
      }}
    }}
    """
    path = tmp_path / "d.scheme"
    path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    result = check_path(path, templates=(SCHEMES / "templates",))
    # 6 + 6 = 12 > 上限 10: reported at the department's own 动态工作目标 (the template's rule says the same)
    caps = [d for d in result.diagnostics if d.code == "E0302"]
    assert [(d.span.line, d.span.column) for d in caps] == [(3, col(text, 3, "动态工作目标"))]
    assert "12" in caps[0].message and "10" in caps[0].message
