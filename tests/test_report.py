"""kaoping report: one self-contained page whose totals and ranking are those of score_units; no
scheme or results text becomes markup; Chromium renders it (the DOM is checked) and prints it."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from conftest import SCHEMES
from kaoping.cli import main
from kaoping.compiler import browser
from kaoping.compiler import runtime as R
from kaoping.compiler.results import read_results
from kaoping.compiler.scoring import score_units
from kaoping.dsl.load import check_path
from office_tools import NO_CHROMIUM

SEEDS = sorted(SCHEMES.glob("*.scheme"))
HAS_CHROMIUM = browser.find() is not None


class Page(HTMLParser):
    """The ranking rows (rank, unit, total), the units' totals, the tags used and the text."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[list[str]] = []
        self.totals: list[str] = []
        self.tags: set[str] = set()
        self.attrs_seen: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self._cell: str | None = None
        self._buf = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs_seen += attrs
        classes = (dict(attrs).get("class") or "").split()
        if tag == "tr" and "rank-row" in classes:
            self.rows.append([])
        for name in ("rank-no", "rank-unit", "rank-total", "total-value"):
            if name in classes:
                self._cell, self._buf = name, ""

    def handle_endtag(self, tag):
        if self._cell and tag in ("td", "strong"):
            if self._cell == "total-value":
                self.totals.append(self._buf.strip())
            else:
                self.rows[-1].append(self._buf.strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell:
            self._buf += data


def _report(tmp_path, scheme, results, *extra):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(scheme), str(results), "-o", str(out), *extra])
    return result, out


def _expected(scheme, results):
    checked = check_path(scheme)
    units, _ = read_results(results)
    return score_units(checked.program, units)


def _ranking(scores):
    ranked = sorted((s for s in scores if s["rank"] is not None), key=lambda s: (str(s["group"]), s["rank"]))
    return sorted([[str(s["rank"]), s["unit"], R.show(s["total"])] for s in ranked])


@pytest.mark.parametrize("scheme", SEEDS, ids=[p.stem for p in SEEDS])
def test_every_seed_reports_the_scores_of_score_units(scheme, tmp_path):
    results = SCHEMES / "results" / f"{scheme.stem}.json"
    result, out = _report(tmp_path, scheme, results)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    scores = _expected(scheme, results)
    assert sorted(page.rows) == _ranking(scores)
    assert page.totals == [R.show(s["total"]) for s in scores if s["total"] is not None]
    # self-contained: nothing to fetch, nothing to run
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not [a for a in page.attrs_seen if a[0] in ("src", "srcset") or a[0].startswith("on")]
    assert re.findall(r"https?://[^\s\"']+", html) == ["http://www.w3.org/2000/svg"] * html.count("<svg")
    assert "@page" in html and "size: A4" in html
    assert len(html.encode("utf-8")) < 2_000_000


def test_bars_are_proportional_and_values_exact(tmp_path):
    from kaoping.compiler.report import BAR_WIDTH, _chart

    rows = [{"unit": "甲", "total": "98.05", "value": R.Fraction(9805, 100)},
            {"unit": "乙", "total": "49.025", "value": R.Fraction(49025, 1000)},
            {"unit": "丙", "total": "-1", "value": R.Fraction(-1)}]
    bars = _chart(rows)["bars"]
    assert [b["width"] for b in bars] == [str(BAR_WIDTH), str(BAR_WIDTH // 2), "0"]
    assert [b["total"] for b in bars] == ["98.05", "49.025", "-1"]


HOSTILE = r'''
方案 "<script>alert(1)</script>" {
  文号 "\"onload=alert(1) x=\""
  类别 业务 满分 10 {
    指标 1-1 "<script>alert(1)</script>" 分值 6 评分 完成率 {
      1-1-1 "\"onload=alert(1) x=\"" 权重 3
      1-1-2 "<img src=x onerror=alert(1)>" 权重 3
    }
    指标 1-2 "</td></tr></table><b>乙" 分值 4 评分 少报
  }
  评分法 完成率 = 按比例 上限 100%
  评分法 少报 = 每次 扣 0.5 扣完为止
  排名 依据 总分
  等次 { 优秀 >= 9, 良好 >= 8, 合格 >= 6, 不合格 其余 }
  否决 一票否优 若 有 重大事故 则 等次 最高 良好
  得分 总分 = 业务
}
'''
HOSTILE_UNITS = ["<script>alert(1)</script>", "\"onload=alert(2) x=\"", "</svg><svg onload=alert(3)>"]


def _hostile(tmp_path):
    scheme = tmp_path / "h.scheme"
    scheme.write_text(HOSTILE.strip() + "\n", encoding="utf-8")
    units = [{"name": name, "values": {"1-1-1": "85%", "1-1-2": "1.2", "1-2": i, "重大事故": "是" if i == 0 else "否"}}
             for i, name in enumerate(HOSTILE_UNITS)]
    results = tmp_path / "h.json"
    results.write_text(json.dumps({"units": units}, ensure_ascii=False), encoding="utf-8")
    assert check_path(scheme).ok
    return scheme, results


def test_hostile_names_and_texts_stay_text(tmp_path):
    scheme, results = _hostile(tmp_path)
    result, out = _report(tmp_path, scheme, results)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert not [a for a in page.attrs_seen if a[0].startswith("on") or a[0] == "src"]
    assert page.tags & {"svg"} and html.count("<svg") == 1
    text = "".join(page.text)
    for name in HOSTILE_UNITS + ["<img src=x onerror=alert(1)>", "</td></tr></table><b>乙"]:
        assert name in text  # shown as written, as text
    # 甲 1-1-1: 85% × 3 = 2.55; 1-1-2: 120% capped at 100% → 3; 1-2: 4 − 0.5 × i
    assert sorted(page.rows) == sorted([["1", HOSTILE_UNITS[0], "9.55"], ["2", HOSTILE_UNITS[1], "9.05"],
                                        ["3", HOSTILE_UNITS[2], "8.55"]])
    assert "否决 一票否优：成立" in text  # the first unit reported 重大事故


def test_results_with_problems_write_no_report(tmp_path):
    results = tmp_path / "bad.json"
    results.write_text('{"units": [{"name": "甲", "values": {"1-1-1": null}}]}', encoding="utf-8")
    result, out = _report(tmp_path, SCHEMES / "quanzhou-transport-2019.scheme", results)
    assert result.exit_code == 1 and "未生成报告" in result.output and not out.exists()


def test_units_with_scoring_problems_are_listed_apart(tmp_path):
    results = tmp_path / "r.json"
    data = json.loads((SCHEMES / "results" / "quanzhou-transport-2019.json").read_text(encoding="utf-8"))
    data["units"][1]["values"]["1-1-1"] = "四档"
    results.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result, out = _report(tmp_path, SCHEMES / "quanzhou-transport-2019.scheme", results)
    assert result.exit_code == 0 and "1 个结果有问题" in result.output
    text = "".join(Page(out.read_text(encoding="utf-8")).text)
    assert "结果有问题、未排名" in text and "[V0105]" in text and "未定义的档次" in text


def test_unwritable_output_and_missing_browser(tmp_path, monkeypatch):
    scheme, results = SCHEMES / "quanzhou-transport-2019.scheme", SCHEMES / "results" / "quanzhou-transport-2019.json"
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = CliRunner().invoke(main, ["report", str(scheme), str(results), "-o", str(blocked / "r.html")])
    assert result.exit_code == 1 and "无法写入报告" in result.output and "Traceback" not in result.output
    monkeypatch.setattr(browser, "find", lambda: None)
    result, out = _report(tmp_path, scheme, results, "--pdf")
    assert result.exit_code == 2 and "没有找到 Chromium" in result.output and out.exists()


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_chromium_renders_the_totals_and_the_ranking(tmp_path):
    scheme, results = SCHEMES / "quanzhou-transport-2019.scheme", SCHEMES / "results" / "quanzhou-transport-2019.json"
    result, out = _report(tmp_path, scheme, results)
    assert result.exit_code == 0
    dom = Page(browser.dump_dom(out))
    scores = _expected(scheme, results)
    assert dom.rows == [[str(s["rank"]), s["unit"], R.show(s["total"])] for s in sorted(scores, key=lambda s: s["rank"])]
    assert dom.totals == [R.show(s["total"]) for s in scores]
    assert "script" not in dom.tags


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_chromium_keeps_hostile_text_as_text(tmp_path):
    scheme, results = _hostile(tmp_path)
    result, out = _report(tmp_path, scheme, results)
    dom = Page(browser.dump_dom(out))
    assert "script" not in dom.tags and "img" not in dom.tags
    assert not [a for a in dom.attrs_seen if a[0].startswith("on")]
    assert sorted(row[1] for row in dom.rows) == sorted(HOSTILE_UNITS)


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM)
def test_pdf_is_printed_by_the_browser(tmp_path):
    scheme, results = SCHEMES / "quanzhou-sasac-2020.scheme", SCHEMES / "results" / "quanzhou-sasac-2020.json"
    result, out = _report(tmp_path, scheme, results, "--pdf")
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
