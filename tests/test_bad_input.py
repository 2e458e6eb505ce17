"""Hostile and careless input: every case gets a located answer (code and place) within a time limit,
never a traceback, a hang, a guess or a raw control character. Expected places are written by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from click.testing import CliRunner

from conftest import SCHEMES
from kaoping.cli import main
from kaoping.compiler.results import missing_units, read_csv, read_json, read_results
from kaoping.dsl.diagnostics import render, render_short
from kaoping.dsl.load import check_path, check_text

GOOD = '方案 "t" {\n  类别 甲 满分 2 { 1-1 "一" 权重 2 }\n}\n'


def found(problems):
    return [(p.code, p.place) for p in problems]


def quick(fn, *args, limit=2.0):
    start = time.perf_counter()
    out = fn(*args)
    assert time.perf_counter() - start < limit
    return out


# ---------------------------------------------------------------- JSON
def test_json_null_nan_and_infinity_are_refused_at_their_path():
    text = '{"units": [{"name": "甲", "class": null, "values": {"1-1": null, "1-2": NaN, "1-3": [1, Infinity], "1-4": 2}}]}'
    units, problems = read_json(text, "r.json")
    assert found(problems) == [("V0010", "r.json:units[0].values['1-1']"), ("V0010", "r.json:units[0].values['1-2']"),
                               ("V0010", "r.json:units[0].values['1-3'][1]")]
    assert units[0].values == {"1-4": Decimal(2)} and units[0].unit_class is None  # "class": null is no class
    assert set(units[0].refused) == {"1-1", "1-2", "1-3"}
    assert found(read_json('{"units": null}', "r")[1]) == [("V0010", "r:units")]
    assert found(read_json('{"name": null, "values": {}}', "r")[1]) == [("V0010", "r.name")]


def test_json_keys_and_units_given_twice_are_refused_never_last_wins():
    text = '{"units": [{"name": "甲", "values": {"1-1": 1, "1-1": 2}}, {"name": "甲", "values": {}}]}'
    units, problems = read_json(text, "r.json")
    assert found(problems) == [("V0003", "r.json:units[0].values['1-1']"), ("V0003", "r.json:units[1]")]
    assert [u.name for u in units] == ["甲"] and units[0].values == {"1-1": 1}  # and a problem: never scored


def test_json_nested_100000_deep_is_located_without_recursion_error():
    units, problems = quick(read_json, "[" * 100_000 + "]" * 100_000, "r.json")
    assert found(problems) == [("V0013", "r.json:1:33")]  # the 33rd bracket
    units, problems = read_json('{"name": "甲", "values": {"1-1": ' + "[" * 40 + "]" * 40 + "}}", "r")
    assert problems[0].code == "V0013" and problems[0].place.startswith("r.values['1-1']" + "[0]" * 31)


@pytest.mark.parametrize("literal", ["1e999999999", "-1E+101", "9" * 5000, "0." + "1" * 200, '"1e999999999"',
                                     '"85e200%"', '"1' + "0" * 150 + '"'])
def test_json_numbers_too_large_are_refused_before_conversion(literal):
    units, problems = quick(read_json, '{"name": "甲", "values": {"x": ' + literal + "}}", "r")
    assert found(problems) == [("V0012", "r.values['x']")]


def test_json_numbers_are_exact_decimals():
    units, problems = read_json('{"name": "甲", "values": {"a": 0.1, "b": 12345678901234567890.125, "c": 1e100,'
                                ' "d": 7, "e": "1e100"}}')
    assert problems == []
    assert units[0].values == {"a": Decimal("0.1"), "b": Decimal("12345678901234567890.125"),
                               "c": Decimal("1E+100"), "d": 7, "e": "1e100"}
    assert not any(isinstance(v, float) for v in units[0].values.values())


def test_json_lone_surrogates_and_control_characters_in_names():
    text = '{"units": [{"name": "甲\\u001b[2J", "values": {"k\\n": 1, "v": "\\ud800"}}]}'
    units, problems = read_json(text, "r")
    assert found(problems) == [("V0022", "r:units[0].name"), ("V0022", "r:units[0].values['k\\n']"),
                               ("V0022", "r:units[0].values['v']")]


def test_json_without_units_is_a_problem():
    assert found(read_json('{"units": []}', "r")[1]) == [("V0021", "r")]


# ---------------------------------------------------------------- CSV
def test_csv_cells_without_a_header_are_located_never_dropped():
    units, problems = read_csv("单位,1-1\n甲,1,2\n乙,,,3\n", "r.csv")
    assert found(problems) == [("V0014", "r.csv:2"), ("V0014", "r.csv:3")]
    units, problems = read_csv("单位,,1-1\n甲,5,1\n", "r.csv")
    assert found(problems) == [("V0014", "r.csv:2")]


def test_csv_with_cr_only_line_ends_is_read():
    units, problems = read_csv("单位,编号,值\r甲,1-1,1\r甲,1-2,\"a\rb\"\r乙,1-1,2\r", "r.csv")
    assert problems == []
    assert [(u.name, u.values) for u in units] == [("甲", {"1-1": "1", "1-2": "a\rb"}), ("乙", {"1-1": "2"})]
    assert units[1].places["1-1"] == "r.csv:5"  # the quoted CR is a line of its own


def test_csv_over_long_cell_is_located_and_the_rest_still_read():
    text = "单位,编号,值\n甲,1-1," + "9" * 200_000 + "\n甲,1-1,2\n乙,,1\n"
    units, problems = quick(read_csv, text, "r.csv")
    assert found(problems) == [("V0012", "r.csv:2"), ("V0003", "r.csv:3"), ("V0002", "r.csv:4")]


def test_csv_conflicting_class_is_a_problem_at_the_second_row():
    units, problems = read_csv("单位,类别,编号,值\n甲,镇区,1-1,1\n甲,,1-2,1\n甲,部门,1-3,1\n", "r.csv")
    assert found(problems) == [("V0015", "r.csv:4")]
    assert units[0].unit_class == "镇区"


def test_csv_unit_twice_in_a_wide_table_and_number_limits():
    units, problems = read_csv("单位,1-1,1-2\n甲,1,\n甲,,2\n乙,1e999999999,1;2e300\n", "r.csv")
    assert found(problems) == [("V0003", "r.csv:3"), ("V0012", "r.csv:4"), ("V0012", "r.csv:4")]


def test_csv_undecodable_bytes_and_empty_files(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("单位,编号,值\n甲,1-1,".encode() + b"\xff\xfe1\n")
    assert found(read_results(path)[1]) == [("V0001", f"{path}:2:7")]
    for text, place in [("", "r.csv:1"), ("单位,编号,值\n", "r.csv:1"), ("\n\n", "r.csv:1")]:
        assert [p.code for p in read_csv(text, "r.csv")[1]] == ["V0021"], text


def test_results_file_must_be_a_regular_file(tmp_path):
    assert found(quick(read_results, "/dev/zero")[1]) == [("V0001", "/dev/zero")]
    assert found(read_results(tmp_path)[1]) == [("V0001", str(tmp_path))]


def test_missing_units_are_located_notes():
    units, _ = read_json('{"name": "甲", "values": {}}')
    notes = missing_units({"甲": "s.scheme:3", "乙": "s.scheme:4"}, units)
    assert [(p.code, p.place, p.severity) for p in notes] == [("V0011", "s.scheme:4", "note")]


# ---------------------------------------------------------------- Excel
openpyxl = pytest.importorskip("openpyxl")


def test_xlsx_every_sheet_formulas_errors_merges_percentages_dates(tmp_path):
    import datetime

    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["请在第二个工作表填写结果"])
    first = book.create_sheet("镇区")
    first.append(["单位", "1-1", "1-2", "1-3"])
    first.append(["甲", 0.9, "=1+1", True])
    first["B2"].number_format = "0%"
    first.append(["乙", 0.123, "#DIV/0!", datetime.date(2024, 5, 1)])
    first["B3"].number_format = "0.0%"
    first.append(["丙", 3, None, None])
    first.append(["丁", None, None, None])
    first.merge_cells("B4:B5")
    second = book.create_sheet("部门")
    second.append(["单位", "1-1"])
    second.append(["戊", 0.1])
    book.create_sheet("空表")
    path = tmp_path / "r.xlsx"
    book.save(path)
    units, problems = read_results(path)
    assert [(p.code, p.place, p.severity) for p in problems] == [
        ("V0020", f"{path}!说明!A1", "note"),
        ("V0016", f"{path}!镇区!C2", "error"),
        ("V0017", f"{path}!镇区!C3", "error"),
        ("V0019", f"{path}!镇区!D3", "error"),
        ("V0018", f"{path}!镇区!B4", "error"),
        ("V0020", f"{path}!空表!A1", "note")]
    assert {u.name: u.values for u in units} == {
        "甲": {"1-1": "90%", "1-3": True}, "乙": {"1-1": "12.3%"}, "丙": {}, "丁": {}, "戊": {"1-1": "0.1"}}
    assert units[4].places["1-1"] == f"{path}!部门!B2"


def test_xlsx_with_no_results_table_is_a_problem(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["说明"])
    path = tmp_path / "r.xlsx"
    book.save(path)
    assert [p.code for p in read_results(path)[1]] == ["V0020", "V0021"]


# ---------------------------------------------------------------- the score command
def run(*args, env=None):
    return CliRunner(env=env).invoke(main, [str(a) for a in args])


def test_score_reports_read_and_value_problems_in_one_pass(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"name": "甲局", "values": {"1-1-1": null, "1-1-2": "五档"}}', encoding="utf-8")
    result = run("score", SCHEMES / "quanzhou-transport-2019.scheme", path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}.values['1-1-1']: [V0010]" in result.stderr
    assert f"{path}.values['1-1-2']: [V0105]" in result.stderr  # the value problem, in the same run
    assert "1-1-1']: [V0101]" not in result.stderr  # the refused value is not reported again as missing


def test_score_of_no_units_exits_1(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"units": []}', encoding="utf-8")
    result = run("score", SCHEMES / "quanzhou-transport-2019.scheme", path)
    assert result.exit_code == 1 and f"{path}: [V0021]" in result.stderr


def test_score_notes_units_the_scheme_names_but_the_results_lack():
    result = run("score", SCHEMES / "dashiqiao-2017.scheme", SCHEMES / "results" / "dashiqiao-2017.json")
    assert result.exit_code == 0
    assert "dashiqiao-2017.scheme:91: 提示 [V0011] 方案中有单位“市信访局”" in result.stderr


def test_score_table_escapes_control_characters(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"name": "甲局", "values": {"1-1-1": "一档\x1b[2J\u202e", "x\u2028": 1}}), encoding="utf-8")
    result = run("score", SCHEMES / "quanzhou-transport-2019.scheme", path)
    assert "\x1b" not in result.output and "\u202e" not in result.output and "\u2028" not in result.output
    assert "\\u2028" in result.output


# ---------------------------------------------------------------- schemes: control characters, line ends
def test_control_characters_are_escaped_in_every_rendering_and_carets_align():
    r = check_text('方案 "a\x1b]0;title\x07" {\n  类别 甲 { 1-1 "\x1b\u202e一" 权重 2 分值 3 }\n}\n', "t\n.scheme")
    d = next(d for d in r.diagnostics if d.code == "E0208")
    long = render(d, r.sources)
    assert "\x1b" not in long and "\u202e" not in long and "\x07" not in long
    short = render_short(d)
    assert "\n" not in short and short.startswith("t\\n.scheme:2:25:")
    shown = long.split("\n")
    assert shown[3] == '2 │   类别 甲 { 1-1 "\\x1b\\u202e一" 权重 2 分值 3 }'
    # 分值 is at display column 42: "2 │ " 4, "  类别 甲 { 1-1 " 16, the escaped string 14 (一 is 2 wide), " 权重 2 " 8
    assert shown[4].index("^") == 42


def test_short_format_cannot_be_forged_by_a_newline(tmp_path):
    path = tmp_path / "t.scheme"
    path.write_text('方案 "x" {\n  类别 甲\u2028e: error[E9999]: forged 满分 3 { 1-1 "一" 权重 2 }\n}\n', encoding="utf-8")
    result = run("check", "--format", "short", path)
    assert all(line.startswith(str(path)) for line in result.output.splitlines())


@pytest.mark.parametrize("end", ["\r", "\u2028", "\u2029"])
def test_cr_only_and_unicode_line_separators(tmp_path, end):
    path = tmp_path / "t.scheme"
    path.write_bytes(("# 注释" + end + GOOD.replace("\n", end)).encode())
    assert check_path(path).ok


def test_utf16_without_bom_and_e0002_place(tmp_path):
    path = tmp_path / "t.scheme"
    path.write_bytes(GOOD.encode("utf-16-le"))
    d = check_path(path).diagnostics[0]
    assert d.code == "E0001" and "UTF-16" in d.message and "另存为" in d.message
    d = check_path(tmp_path / "missing.scheme").diagnostics[0]
    assert (d.code, d.span.line, d.span.column) == ("E0002", 1, 1)


# ---------------------------------------------------------------- templates
def scheme_inheriting(folder, target):
    path = folder / "s.scheme"
    path.write_text(f'方案 "局" 继承 "{target}" {{ }}\n', encoding="utf-8")
    return path


def test_templates_outside_the_folder_are_refused(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "t.scheme").write_text('模板 "外" { }\n', encoding="utf-8")
    for target in ["/etc/passwd", "../t.scheme"]:
        d = check_path(scheme_inheriting(inner, target)).diagnostics[0]
        assert (d.code, d.span.line, d.span.column) == ("E0108", 1, len('方案 "局" 继承 ') + 1)
    (inner / "link.scheme").symlink_to(tmp_path / "t.scheme")
    assert check_path(scheme_inheriting(inner, "link.scheme")).diagnostics[0].code == "E0108"
    assert check_path(scheme_inheriting(inner, "../t.scheme"), templates=(tmp_path,)).ok


def test_template_root_option_and_environment_variable(tmp_path):
    roots, work = tmp_path / "roots", tmp_path / "work"
    roots.mkdir()
    work.mkdir()
    (roots / "city.scheme").write_text('模板 "市" { }\n', encoding="utf-8")
    path = scheme_inheriting(work, "city.scheme")
    assert run("check", path).exit_code == 1
    assert run("check", "--templates", roots, path).exit_code == 0
    assert run("check", path, env={"KAOPING_TEMPLATES": str(roots)}).exit_code == 0


def test_a_file_that_is_not_a_scheme_is_refused_without_quoting_it(tmp_path):
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    result = run("check", scheme_inheriting(tmp_path, "passwd"))
    assert result.exit_code == 1 and "E0109" in result.output and "root:x" not in result.output


HANG_LIMIT = 20  # seconds for a whole subprocess (start-up included); each case takes well under 2 s


def kaoping(*args, encoding="utf-8", **kw):
    return subprocess.run([sys.executable, "-m", "kaoping", *map(str, args)], capture_output=True,
                          encoding=encoding, timeout=HANG_LIMIT, **kw)


def test_devices_and_fifos_never_block(tmp_path):
    os.mkfifo(tmp_path / "fifo.scheme")
    os.symlink("/dev/zero", tmp_path / "zero.scheme")
    result = kaoping("check", "--format", "short", "--templates", "/dev", scheme_inheriting(tmp_path, "fifo.scheme"))
    assert result.returncode == 1 and "E0106" in result.stdout and "Traceback" not in result.stderr
    result = kaoping("check", "--format", "short", "--templates", "/dev", tmp_path / "zero.scheme")
    assert result.returncode == 1 and "E0002" in result.stdout
    result = kaoping("check", "--format", "short", "--templates", "/dev", scheme_inheriting(tmp_path, "zero"))
    assert result.returncode == 1 and "E0106" in result.stdout
    result = kaoping("check", "--format", "short", "/dev/stdin", stdin=subprocess.PIPE)
    assert result.returncode == 1 and "/dev/stdin:1:1: error[E0002]" in result.stdout
    result = kaoping("score", SCHEMES / "quanzhou-transport-2019.scheme", tmp_path / "fifo.scheme")
    assert result.returncode == 1 and "[V0001]" in result.stderr


def test_gbk_console_gets_escapes_not_a_traceback(tmp_path):
    path = tmp_path / "t.scheme"
    path.write_text('方案 "t" {\n  类别 甲 满分 3 { 1-1 "䶮😀" 权重 2 }\n}\n', encoding="utf-8")
    result = kaoping("check", path, env={**os.environ, "PYTHONIOENCODING": "gbk"}, encoding="gbk")
    assert result.returncode == 1 and "Traceback" not in result.stderr and "E0301" in result.stdout
    assert "\\U0001f600" in result.stdout  # the emoji GBK lacks, as an escape


def test_compile_to_an_unwritable_place_is_a_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = run("compile", SCHEMES / "quanzhou-transport-2019.scheme", "-o", blocker / "out.py")
    assert result.exit_code == 1 and "无法写入" in result.stderr and "Traceback" not in result.output
