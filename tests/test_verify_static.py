"""The static side of verification: W0602 (a formula reaching past a capped node) and the bounds that
`kaoping inspect` shows."""

from __future__ import annotations

import json
from fractions import Fraction

from click.testing import CliRunner

from conftest import check
from kaoping.cli import main
from kaoping.dsl import bounds as B


def test_a_formula_past_a_cap_is_warned_with_both_places():
    r = check("""
    方案 "越过上限" {
      类别 业务 满分 10 上限 8 { 指标 1-1 "甲" 分值 10 { 1-1-1 "子" 权重 10 } }
      得分 总分 = 指标 1-1
    }
    """)
    found = [d for d in r.diagnostics if d.code == "W0602"]
    assert len(found) == 1 and "业务" in found[0].message and found[0].related
    clean = check("""
    方案 "不越过" {
      类别 业务 满分 10 上限 8 { 指标 1-1 "甲" 分值 10 { 1-1-1 "子" 权重 10 } }
      得分 总分 = 业务
    }
    """)
    assert not [d for d in clean.diagnostics if d.code == "W0602"]


def test_bounds_of_nodes_and_formulas():
    r = check("""
    方案 "范围" {
      类别 业务 满分 10 评分 三档 { 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }
      评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% }
      输入 公众评议 满分 100
      扣分组 察访核验扣分
      得分 总分 = 业务×70% + 公众评议×30% - 察访核验扣分
    }
    """)
    b = B.analyse(r.program)
    # 业务 ∈ [6 × 80% + 4 × 80%, 10] = [8, 10]; 总分 ≤ 10 × 70% + 100 × 30% = 37, unbounded below (扣分组 has no cap)
    assert b.nodes["业务"] == (Fraction(8), Fraction(10))
    assert b.totals[None] == (None, Fraction(37))
    assert B.mul((Fraction(-2), Fraction(3)), (Fraction(-5), Fraction(4))) == (Fraction(-15), Fraction(12))
    assert B.div((Fraction(1), Fraction(2)), (Fraction(-1), Fraction(1))) == (None, None)


def test_inspect_shows_bounds(tmp_path):
    path = tmp_path / "s.scheme"
    path.write_text("""方案 "范围" {
  类别 业务 满分 10 评分 三档 { 1-1 "甲" 权重 6  1-2 "乙" 权重 4 }
  评分法 三档 = 分档 { 一档 100%, 二档 90%, 三档 80% }
  得分 总分 = 业务
}
""", encoding="utf-8")
    text = CliRunner().invoke(main, ["inspect", str(path), "--bounds"]).output
    assert "取值范围" in text and "总分 [8, 10]" in text
    data = json.loads(CliRunner().invoke(main, ["inspect", str(path), "--json"]).output)
    assert data["bounds"]["totals"][""] == ["8", "10"] and data["bounds"]["nodes"]["1-1"] == ["4.8", "6"]
