"""docs/methods.md and schemes/examples/methods-gallery.scheme: every worked example is scored by
both back ends (tests/scoring_helpers.Both) against the result computed by hand in the doc; the
gallery scheme checks, passes its cases and its verification, and `kaoping score` gives the hand
totals and ranks for its results file. Every expected value below is worked out in its comment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kaoping.cli import main
from scoring_helpers import Both, D, unit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "methods.md"
GALLERY = ROOT / "schemes" / "examples" / "methods-gallery.scheme"
GALLERY_RESULTS = ROOT / "schemes" / "examples" / "methods-gallery.json"


def doc_examples() -> dict[str, str]:
    """NAME → the ```scheme block right after `<!-- example: NAME -->` in docs/methods.md."""
    text = DOC.read_text(encoding="utf-8")
    found = re.findall(r"^<!-- example: (\w+) -->\n(?:<!-- expect: [^>]*-->\n)?```scheme\n(.*?)^```", text, re.S | re.M)
    names = [name for name, _ in found]
    assert len(names) == len(set(names)), "an example name is used twice"
    return dict(found)


# NAME → [(unit, values, class, expected total)], the units of one example scored together.
EXAMPLES: dict[str, list[tuple[str, dict, str | None, str]]] = {
    "tiers": [
        # 1-1 二档: 4 × 90% = 3.6; 1-2 三档 promoted one tier to 二档: 6 × 90% = 5.4; 3.6 + 5.4 = 9
        ("甲局", {"1-1": "二档", "1-2": {"档次": "三档", "晋档": "1"}}, None, "9"),
        # 1-1 一档 promoted stays 一档: 4; 1-2 三档: 6 × 80% = 4.8; 4 + 4.8 = 8.8
        ("乙局", {"1-1": {"档次": "一档", "晋档": "1"}, "1-2": "三档"}, None, "8.8"),
    ],
    "ratio": [
        # 6 × 85% = 5.1; 120% capped at 100%: 4; 5.1 + 4 = 9.1
        ("甲局", {"1-1": "85%", "1-2": "120%"}, None, "9.1"),
    ],
    "efficacy": [
        ("甲局", {"1-1": "90%"}, None, "7.5"),  # 10 × (0.9 − 0.6) ÷ (1 − 0.6) = 10 × 0.75
        ("乙局", {"1-1": "50%"}, None, "0"),  # below the floor: share 0
        ("丙局", {"1-1": "110%"}, None, "10"),  # (1.1 − 0.6) ÷ 0.4 = 1.25 → 1
    ],
    "ranges": [
        ("甲市", {"2-1": "90%", "2-2": "40"}, None, "7"),  # [85%, 95%): 5 × 80% = 4; (35, 50]: 5 × 60% = 3
        ("乙市", {"2-1": "95%", "2-2": "35"}, None, "10"),  # both on a closed end of the full row: 5 + 5
    ],
    "rank": [
        ("甲局", {"3-1": "2", "3-2": "1"}, None, "14"),  # 9 + 5
        ("乙局", {"3-1": "5", "3-2": "4"}, None, "5"),  # 8 − 2 × 2 = 4; 4th is 其余: 1; 4 + 1
        ("丙局", {"3-1": "7", "3-2": "3"}, None, "5"),  # 8 − 4 × 2 = 0 → 下限 2; 3rd: 3; 2 + 3
    ],
    "reverse_rank": [
        ("倒一", {"3-3": "1"}, None, "2"),  # 倒数第 1 名: 2 as the table says
        ("倒三", {"3-3": "3"}, None, "1.8"),
        ("倒六", {"3-3": "6"}, None, "1.5"),  # 1.8 − 3 × 0.1
    ],
    "steps": [
        ("零次", {"4-1": "0"}, None, "2"),
        ("一次", {"4-1": "1"}, None, "1.5"),  # 2 − 0.5
        ("三次", {"4-1": "3"}, None, "0"),  # 2次及以上: 不得分
    ],
    "per_time": [
        # 2 − 3 × 0.5 = 0.5; 3 × 0.5 = 1.5; 6 × 0.3 = 1.8 → 最多 扣 1.5: 1.5; ⌊7 ÷ 3⌋ = 2: 3 − 2 = 1
        # 0.5 + 1.5 + 1.5 + 1 = 4.5
        ("甲局", {"4-2": "3", "4-3": "3", "4-4": "6", "4-5": "7"}, None, "4.5"),
        # 2 − 2.5 → 扣完为止 0; 2.5 → 最多 加 2; 3 − 0.6 = 2.4; ⌊2 ÷ 3⌋ = 0: 3;  0 + 2 + 2.4 + 3 = 7.4
        ("乙局", {"4-2": "5", "4-3": "5", "4-4": "2", "4-5": "2"}, None, "7.4"),
    ],
    "quota": [
        ("甲局", {"5-1": "12", "5-2": "6"}, None, "8"),  # 4 + 4 × 0.25 = 5; 3
        ("乙局", {"5-1": "14", "5-2": "4"}, None, "7"),  # 4 + 1.5 → 最多 加 1: 5; 3 × 4 ÷ 6 = 2
        ("丙局", {"5-1": "5", "5-2": "5"}, None, "5"),  # 4 − 3 × 0.5 = 2.5; 3 × 5 ÷ 6 = 2.5
    ],
    "quota_bonus": [
        ("甲局", {"5-1": "12"}, None, "21"),  # 5-1: 20; 4 more × 0.25 = 1 to 信息奖分; 20 + 1
        ("乙局", {"5-1": "20"}, None, "21.5"),  # 12 more × 0.25 = 3, 最多 加 1.5; 20 + 1.5
        ("丙局", {"5-1": "6"}, None, "16"),  # 20 − 2 × 2 = 16; no bonus
    ],
    "unit_items": [
        ("环保局", {"19-3": "40", "1": "一档", "2": "二档"}, None, "88"),  # 40 + (30 + 20 × 90%) = 40 + 48
        ("商务局", {"19-3": "45", "1": "三档"}, "市直部门", "85"),  # 45 + 50 × 80% = 45 + 40
        ("东镇", {"19-3": "50"}, "镇街", "50"),  # 50 + 部门职责 not applicable: 0
    ],
    "decimals": [
        # 4.125 → 2 places half up: 4.13; 5.5 meets no row: 5.125 as given; 18.5 → 0 places: 19; 4.13 + 5.125 + 19
        ("甲局", {"21-2": "4.125", "21-3": "5.125", "21-4": "18.5"}, None, "28.255"),
    ],
    # the grades, by hand, are in VERDICTS below
    "grade_quotas": [(n, {"17-3": t}, c, t) for n, c, t in [
        ("A", "局", "98"), ("B", "局", "95"), ("C", "局", "95"), ("D", "局", "92"), ("G", "局", "91"),
        ("E", "局", "85"), ("F", "局", "70"), ("H", "镇", "99"), ("I", "镇", "93"), ("J", "镇", "60")]],
    "quota_levels": [
        # 5-3: 5 + 1 × 1.5 − 1 × 0.5 = 6; 5-4: 1 × 1 + 2 × 0.5 = 2; 6 + 2 = 8
        ("甲局", {"5-3": {"省级": "3", "市级": "3"}, "5-4": {"国家级": "1", "省级": "2"}}, None, "8"),
        # 5-3: 2 × 1.5 + 2 × 0.25 = 3.5 → 最多 加 2: 7; 5-4: 8 × 0.5 = 4 → 分值 3; 7 + 3 = 10
        ("乙局", {"5-3": {"省级": "4", "市级": "6"}, "5-4": {"国家级": "0", "省级": "8"}}, None, "10"),
    ],
    "deviation": [
        # 平均年龄 mean (44 + 40 + 42) ÷ 3 = 42
        # 3 − 2.5 × 0.5 = 1.75; 3 − 5 × 0.2 = 2; 2 − 2 × 0.5 = 1; 3 − 5 × 0.15 = 2.25; 3 − 2 × 0.2 = 2.6 → 9.6
        ("甲局", {"6-1": "4.25%", "内设机构占比": "60%", "业务科室占比": "55%", "平均年龄": "44", "6-4": "80%",
                "6-5": "7.5%"}, None, "9.6"),
        ("乙局", {"6-1": "3.5%", "内设机构占比": "60%", "业务科室占比": "70%", "平均年龄": "40", "6-4": "90%",
                "6-5": "5%"}, None, "14"),  # every standard met: 3 + 3 + 2 + 3 + 3
        # 6-1: 3 − 10 × 0.5 = −2 → 0; the rest on their standards: 0 + 3 + 2 + 3 + 3 = 11
        ("丙局", {"6-1": "5%", "内设机构占比": "60%", "业务科室占比": "60%", "平均年龄": "42", "6-4": "85%",
                "6-5": "4%"}, None, "11"),
    ],
    "highest": [
        ("甲局", {"7-1": {"省级": "2", "市级": "5"}}, None, "3"),  # 省级 2 篇: 3 > 市级 1
        ("乙局", {"7-1": {"国家级": "1", "省级": "1"}}, None, "4"),
        ("丙局", {"7-1": {"省级": "1"}}, None, "2"),
    ],
    "panel": [
        # drop 95 and 70: (90 + 86 + 87 + 89 + 84) ÷ 5 = 436 ÷ 5 = 87.2; × 10 ÷ 100 = 8.72
        ("甲局", {"8-1": ["90", "86", "87", "89", "70", "95", "84"]}, None, "8.72"),
        # drop 90 and 70: 262 ÷ 3 = 87.333… → 87.33; × 10 ÷ 100 = 8.733
        ("乙局", {"8-1": ["90", "86", "87", "89", "70"]}, None, "8.733"),
    ],
    "vs_best": [
        ("甲局", {"9-1": "80"}, None, "4.8"),  # 6 × 80 ÷ 100
        ("乙局", {"9-1": "100"}, None, "6"),
        ("丙局", {"9-1": "50"}, None, "3"),  # 6 × 50 ÷ 100
    ],
    "direct_yes_no": [
        ("甲局", {"9-2": "2.4", "9-3": "是"}, None, "3.9"),  # 2.4 + 1.5
        ("乙局", {"9-2": "3", "9-3": "否"}, None, "3"),  # 3 + 0
    ],
    "parts": [
        ("甲局", {"9-4": {"迟报": "1", "漏报": "1", "表扬": "2"}}, None, "2"),  # 4 + min(2, 1) − (1 + 2)
        ("乙局", {"9-4": {"迟报": "2", "漏报": "2", "表扬": "0"}}, None, "1"),  # 4 − min(2 + 4, 3)
        ("丙局", {"9-4": {"迟报": "0", "漏报": "0", "表扬": "1"}}, None, "5"),  # 4 + 1 (可超分值)
    ],
    "fields_value": [
        # 产值 120, 90, 150, 60 → 名次 2, 3, 1, 4
        ("甲局", {"10-1": {"已覆盖": "3", "应覆盖": "4"}, "产值": "120"}, None, "7.75"),  # 5 × 3 ÷ 4 + 4
        ("乙局", {"10-1": {"已覆盖": "4", "应覆盖": "4"}, "产值": "90"}, None, "8"),  # 5 + 3
        ("丙局", {"10-1": {"已覆盖": "1", "应覆盖": "5"}, "产值": "150"}, None, "6"),  # 5 × 1 ÷ 5 + 5
        ("丁局", {"10-1": {"已覆盖": "2", "应覆盖": "2"}, "产值": "60"}, None, "7"),  # 5 + 其余 2
    ],
    "gate": [
        # 6 × 90% = 5.4; 达标率 80% ≥ 75%: 4; 5.4 + 4 = 9.4
        ("甲局", {"11-1": "90%", "按时": "是", "佐证": "是", "11-2": "是", "达标率": "80%"}, None, "9.4"),
        # no 佐证: 0; 达标率 70% < 75%: 0
        ("乙局", {"11-1": "100%", "按时": "是", "11-2": "是", "达标率": "70%"}, None, "0"),
    ],
    "applies": [
        ("甲局", {"口岸": "是", "援建任务": "是", "12-1": "50%", "12-2": "是"}, None, "5"),  # 4 × 50% + 3
        ("乙局", {}, None, "5"),  # 不适用 满分 4 + 不适用 计 1
    ],
    "bounds": [
        # 13-1: 5 × 0.5 − 0.5 = 2 → 1.25; 13-2: 2 − 2 × 2 = −2; 13-3: 1 + 2 × 0.5 = 2; 1.25 − 2 + 2 = 1.25
        ("甲局", {"13-1": {"创新": "5", "失误": "1"}, "13-2": "2", "13-3": "4"}, None, "1.25"),
        # 13-1: −4 × 0.5 = −2 → −1.5; 13-2: 2; 13-3: 1 × 1 ÷ 2 = 0.5; −1.5 + 2 + 0.5 = 1
        ("乙局", {"13-1": {"创新": "0", "失误": "4"}, "13-2": "0", "13-3": "1"}, None, "1"),
    ],
    "missing": [
        ("甲局", {}, None, "8.6"),  # 0.6 + 0 + 80 × 10%
        ("乙局", {"14-1": "1", "14-2": "1.5", "领导评价": "90"}, None, "11.5"),  # 1 + 1.5 + 9
    ],
    "groups": [
        # 奖励 4 + min(3, 2) = 6 → 上限 5; 通报 1 × 3; 8 + 5 − 3 = 10
        ("甲局", {"15-1": "8", "正向激励加分": {"省级表彰": "1", "市级表彰": "3"}, "通报批评扣分": {"通报批评": "1"}},
         None, "10"),
        ("乙局", {"15-1": "9", "正向激励加分": "1.5", "通报批评扣分": "0"}, None, "10.5"),  # 9 + 1.5 − 0
    ],
    "exempt": [
        # 占比 mean (20% + 10% + 9%) ÷ 3 = 13%; 13% + 3% = 16%
        ("甲局", {"16-1": "8", "16-2": "1", "通报扣分": "2", "占比": "20%"}, None, "12"),  # 8 + 4 − 0
        ("乙局", {"16-1": "8", "16-2": "1", "通报扣分": "2", "占比": "10%"}, None, "10"),  # 8 + 4 − 2
        ("丙局", {"16-1": "8", "16-2": "1", "通报扣分": "2", "占比": "9%", "免检": "是"}, None, "11"),  # 8 + 5 − 2
    ],
    "veto": [(f"镇{i + 1}", {"17-1": str(99 - i)}, "镇", str(99 - i)) for i in range(5)],
    # no grade table: the veto is a flag on the unit; the totals are the reported 95 and 90
    "veto_no_grades": [("甲局", {"17-2": "95", "重大安全事故": "是"}, None, "95"), ("乙局", {"17-2": "90"}, None, "90")],
    "shared": [
        # 全市平均完成率 0.9 given by 甲局 only: 86% is 4 points below: 5 − 4 × 0.5 = 3
        ("甲局", {"全市平均完成率": "0.9", "完成率": "86%"}, None, "3"),
        ("乙局", {"完成率": "95%"}, None, "5"),
    ],
    "classes": [
        ("甲局", {"领导评价": "90", "公众评议": "80"}, "市直部门", "87"),  # 63 + 24
        ("乙镇", {"领导评价": "90", "市直部门评价": "80", "公众评议": "70"}, "镇区", "82"),  # 45 + 16 + 21
    ],
    "unit_block": [
        ("环保局", {"19-1": "8", "19-2": "4"}, None, "12"),  # 8 + 4
        ("商务局", {"19-1": "7"}, None, "7"),  # 7 + 0 (no 专项任务)
    ],
    "rescale": [
        ("甲局", {"20-1": "20", "20-2": "15", "公众评议": "9"}, None, "88"),  # 35/40 × 100 × 80% + 90 × 20%
        ("乙局", {"20-1": "25", "20-2": "10", "公众评议": "7.5"}, None, "85"),  # 87.5 × 80% + 75 × 20%
    ],
    "precision": [
        # 8.77 → 8.7 (截断); 8.7 × 0.7 + 80 × 0.3 ÷ 9 = 6.09 + 2.666… = 8.7566… → 8.76
        ("甲局", {"21-1": "87.7%", "公众评议": "80"}, None, "8.76"),
    ],
}

# Grades and vetoes the examples expect besides their totals: NAME → [(unit, grade, {veto: fired})].
VERDICTS = {
    # 镇: ranks 1…5 of 5; 后三位 is rank > 5 − 3 = 2: 镇3, 镇4, 镇5 may not be 优秀
    "veto": [("镇1", "优秀", {"后三位": False}), ("镇2", "优秀", {"后三位": False}),
             ("镇3", "良好", {"后三位": True}), ("镇4", "良好", {"后三位": True}), ("镇5", "良好", {"后三位": True})],
    # 任一 { 有 重大安全事故, 有 数据造假 }: 甲局 reports 重大安全事故 是 → fired; 乙局 reports neither → not
    "veto_no_grades": [("甲局", None, {"一票否优": True}), ("乙局", None, {"一票否优": False})],
    # 局: 优秀 ≤ ⌊7 × 30%⌋ = 2 but B 95 ties C 95 at the limit → only A 98; 良好 ≤ ⌊3.5⌋ = 3 → B, C, D (G, E 合格);
    # 镇: 优秀 ≤ ⌊0.9⌋ = 0 → H, I 良好; 良好 ≤ ⌊1.5⌋ = 1 → H (I 合格)
    "grade_quotas": [(u, g, {}) for u, g in [("A", "优秀"), ("B", "良好"), ("C", "良好"), ("D", "良好"), ("G", "合格"),
                                             ("E", "合格"), ("F", "合格"), ("H", "良好"), ("I", "合格"), ("J", "合格")]],
}



def test_every_example_in_the_doc_has_its_hand_results():
    assert set(doc_examples()) == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_worked_example(name, tmp_path):
    both = Both.of_text(doc_examples()[name], tmp_path)
    cases = EXAMPLES[name]
    scores = both.rank([unit(u, values, cls) for u, values, cls, _ in cases])
    for s in scores:
        assert s["problems"] == [], (s["unit"], s["problems"])
    assert [(s["unit"], s["total"]) for s in scores] == [(u, D(total)) for u, _, _, total in cases]
    for u, grade, vetoes in VERDICTS.get(name, []):
        s = next(s for s in scores if s["unit"] == u)
        assert s["grade"] == grade and dict(s["vetoes"]) == vetoes, u


def test_a_shared_input_given_as_a_percentage_reaches_the_other_units(tmp_path):
    """`全体` inputs are shared by the units scored together, however the value is written."""
    both = Both.of_text(doc_examples()["shared"], tmp_path)
    units = [unit("甲局", {"全市平均完成率": "90%", "完成率": "86%"}), unit("乙局", {"完成率": "95%"})]
    # as with 0.9: 5 − 4 × 0.5 = 3; 95% ≥ 90%: 5
    assert [s["total"] for s in both.rank(units)] == [3, 5]


# ---------------------------------------------------------------- the gallery scheme
# 五个单位 (the results file and the scheme's 总体 "五个单位" hold the same values). Hand totals:
#
# 产值 120, 90, 150, 60, 100 → 名次 甲 2, 乙 4, 丙 1, 东 5, 西 3 (3-2: 2, 0.5, 3, 0.5, 1)
# 平均年龄 44, 40, 42, 41, 43 → 均值 210 ÷ 5 = 42 (6-3: 2 − 2 × 0.5 = 1, 2, 2, 2, 2 − 0.5 = 1.5)
# 9-1 比最优 80, 100, 90, 50, 75 → 4 × v ÷ 100: 3.2, 4, 3.6, 2, 3
# 占比 20%, 10%, 9%, 15%, 11% → 均值 13%; 13% + 3% = 16%: only 甲局 is exempt from 通报扣分
#
# 甲局 (市直部门):
#   重点工作 1-1-1 二档 3 × 90% = 2.7; 1-1-2 三档 晋 1 → 二档 2.7; 1-2 5 × 85% = 4.25;
#            1-3 5 × (0.9 − 0.6) ÷ 0.4 = 3.75                                      → 13.4
#   生态环境 2-1 3 × 80% = 2.4; 2-2 4 × 60% = 2.4                                     → 4.8
#   排名考核 3-1 第 5 名 3 − 2 × 1 = 1; 3-2 第 2 名 2; 3-3 倒数第 3 名 1.5             → 4.5
#   日常管理 4-1 1.5; 4-2 2 − 1.5 = 0.5; 4-3 3 − min(1.8, 1.5) = 1.5; 4-4 3 − ⌊7 ÷ 3⌋ = 1;
#            4-5 3 + min(2, 1) − (1 + 2) = 1; 4-6 3 × 4 ÷ 6 = 2; 4-7 1; 4-8 0.8;
#            14-1 缺失 取 0.6; 14-2 可缺 0                                            → 9.9
#   对标指标 6-1 3 − 2.5 × 0.5 = 1.75; 6-2 3 − 5 × 0.2 = 2; 6-3 1; 6-4 3 − 5 × 0.15 = 2.25;
#            6-5 3 − 2 × 0.2 = 2.6; 6-6 2 − 2 × 0.5 = 1                                → 10.6
#   综合评价 7-1 省级 2 篇 3; 8-1 (90 + 86 + 87 + 89 + 84) ÷ 5 = 87.2 → 4 × 87.2 ÷ 100 = 3.488;
#            9-1 3.2                                                                  → 9.688
#   专项工作 10-1 3 × 3 ÷ 4 = 2.25; 11-1 3 × 90% = 2.7; 11-2 2                          → 6.95
#   口岸管理 12-1 1 × 50% = 0.5; 对口援建 12-2 是 1
#   信息宣传 5-1 4 + 4 × 0.25 = 5; 5-3 3 + 1.5 − 0.5 = 4; 5-4 1 + 2 × 0.5 = 2;
#            13-1 2.5 − 0.5 = 2 → 1.25; 13-2 1 − 2 = −1; 11.25 → 满分 10                → 10
#   业务工作 13.4 + 4.8 + 4.5 + 9.9 + 10.6 + 9.688 + 6.95 + 0.5 + 1 + 10 = 71.338
#   满意度 90 × 70% + 80 (默认) × 30% = 87; 专项任务 5 + 4 = 9 → 百分制 90
#   正向激励 2 + min(3, 2) = 4; 通报扣分 免扣 0; 测评排名扣分 倒数第 4 名 1.8 − 0.1 = 1.7
#   考评成绩 71.338 × 75% + 87 × 20% + 90 × 5% + 4 − 0 − 1.7 = 53.5035 + 17.4 + 4.5 + 2.3 = 77.7035 → 77.70
# 乙局 (市直部门): 重点 16 (120% capped); 生态 7; 排名 3.5 + 0.5 + 2 = 6; 日常 20 − 0.6 = 19.4;
#   对标 16; 综合 4 + 4 × 95 ÷ 100 + 4 = 11.8; 专项 8; 口岸 不适用 满分 1; 援建 不适用 计 0.5;
#   信息宣传 5 + 5 (3 + min(3.5, 2)) + 0 + 0 + 1 = 11 → 10
#   业务 16 + 7 + 6 + 19.4 + 16 + 11.8 + 8 + 1 + 0.5 + 10 = 95.7; 满意度 66.5 + 27 = 93.5
#   考评成绩 95.7 × 75% + 93.5 × 20% + 0 + 1.5 − 1 = 71.775 + 18.7 + 0.5 = 90.975 → 90.98
# 丙局 (市直部门): 排名 4 + 3 + 2 = 9; 对标 16 − 3 (6-1 3 − 10 × 0.5 → 0) = 13;
#   综合 4 + 4 + 3.6 = 11.6; 口岸 免扣 → 满分 1; 信息宣传 8
#   业务 16 + 7 + 9 + 20 + 13 + 11.6 + 8 + 1 + 0.5 + 8 = 94.1; 满意度 59.5 + 24 = 83.5
#   考评成绩 94.1 × 75% + 83.5 × 20% + min(6 + 0, 5) = 70.575 + 16.7 + 5 = 92.275 → 92.28
# 东镇 (镇区): 排名 4 + 0.5 + 2 = 6.5; 日常 20 − 0.5 (14-2) = 19.5; 综合 4 + 4 + 2 = 10
#   业务 16 + 7 + 6.5 + 19.5 + 16 + 10 + 8 + 1 + 0.5 + 8 = 92.5; 满意度 45 + 16 + 21 = 82
#   考评成绩 92.5 × 75% + 82 × 20% = 69.375 + 16.4 = 85.775 → 85.78
# 西镇 (镇区): 排名 1 (下限) + 1 + 2 = 4; 日常 20 − 2 (4-2 扣完为止) − 3 (4-5) = 15; 对标 16 − 0.5 = 15.5;
#   综合 4 + 4 + 3 = 11; 业务 16 + 7 + 4 + 15 + 15.5 + 11 + 8 + 1 + 0.5 + 8 = 86; 满意度 47.5 + 18 + 27 = 92.5
#   考评成绩 86 × 75% + 92.5 × 20% + (2 + 1) = 64.5 + 18.5 + 3 = 86
# Ranks by class: 市直部门 丙 1, 乙 2, 甲 3; 镇区 西 1, 东 2.
# Grades (优秀 ≥ 85, 良好 ≥ 75; 优秀 ≤ 50% per class): 丙 优秀; 乙 90.98 but 一票否优 (重大安全事故) → 良好;
# 甲 77.70 良好 (末位 also fires: 3 > 3 − 1); 西 优秀; 东 85.78 but 末位 (2 > 2 − 1) → 良好.
GALLERY_EXPECTED = [
    # 甲局 77.7035 + 信息奖分 1 (5-1: 12 条, 4 more × 0.25 = 1) = 78.7035 → 78.7
    ("甲局", "市直部门", "78.7", 3, "良好", {"末位": True, "一票否优": False}),
    # 乙局 90.975 + 信息奖分 1 (5-1: 14 条, 6 × 0.25 = 1.5, 最多 加 1) = 91.975 → 91.98; 一票否优: 良好
    ("乙局", "市直部门", "91.98", 2, "良好", {"末位": False, "一票否优": True}),
    ("丙局", "市直部门", "92.28", 1, "优秀", {"末位": False, "一票否优": False}),
    ("东镇", "镇区", "85.78", 2, "良好", {"末位": True, "一票否优": False}),
    ("西镇", "镇区", "86", 1, "优秀", {"末位": False, "一票否优": False}),
]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_gallery_checks_with_no_error_or_warning():
    result = run("check", GALLERY)
    assert result.exit_code == 0, result.output
    assert "0 个错误，0 个警告" in result.output


def test_gallery_scores_the_hand_totals_ranks_and_grades():
    result = run("score", GALLERY, GALLERY_RESULTS, "--format", "json")
    assert result.exit_code == 0, result.output
    units = {u["unit"]: u for u in json.loads(result.output)["units"]}
    for name, cls, total, rank, grade, vetoes in GALLERY_EXPECTED:
        u = units[name]
        assert (u["class"], u["total"], u["rank"], u["grade"]) == (cls, total, rank, grade), name
        assert {v["name"]: v["fired"] for v in u["vetoes"]} == vetoes, name
    assert units["甲局"]["formulas"]["考评成绩"] == "78.7035"


def test_gallery_cases_pass():
    result = run("test", GALLERY)
    assert result.exit_code == 0, result.output
    assert result.output.count("[通过]") == 3


def test_gallery_verifies():
    result = run("verify", GALLERY, "--seed", "1", "--examples", "5")
    assert result.exit_code == 0, result.output
    assert "不成立" not in result.output and "无法验证" not in result.output


def test_the_score_output_shown_in_the_doc_is_real():
    """Every line of the shortened output in docs/methods.md (but the … marks) is a line of the real one."""
    text = DOC.read_text(encoding="utf-8")
    shown = re.search(r"<!-- shortened: kaoping score methods-gallery -->\n```text\n(.*?)\n```", text, re.S).group(1)
    result = run("score", GALLERY, GALLERY_RESULTS, "--no-items")
    assert result.exit_code == 0, result.output
    real = result.output.split("\n")
    lines = [line for line in shown.split("\n") if line.strip() != "…"]
    assert len(lines) > 20
    assert [line for line in lines if line not in real] == []
    assert "\n".join(lines[-6:]) in result.output  # the ranking, in order


def test_the_results_file_equals_the_schemes_population():
    """The scheme's 总体 "五个单位" and methods-gallery.json give the same units the same values: the
    cases and the file are scored alike (the file's total for each unit equals the case's formula
    value rounded to 2 places, asserted above and in the cases)."""
    data = json.loads(GALLERY_RESULTS.read_text(encoding="utf-8"))
    text = GALLERY.read_text(encoding="utf-8")
    population = text[text.index('总体 "五个单位"'):text.index("用例 ")]
    for u in data["units"]:
        assert f'单位 "{u["name"]}" 属于 {u["class"]} {{' in population
        start = population.index(f'单位 "{u["name"]}"')
        end = population.find("单位 \"", start + 1)
        block = population[start:end if end >= 0 else None]
        for key in u["values"]:
            assert re.search(rf"(^|[\s,{{]){re.escape(key)}: ", block), (u["name"], key)
