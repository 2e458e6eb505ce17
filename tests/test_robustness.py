"""Bad input gets a located diagnostic, never a traceback: through check_path and through the CLI.

Exit codes of `kaoping check`: 0 no errors, 1 problems found, 2 usage error.
"""

from __future__ import annotations

import codecs
import json
import random

import pytest
from click.testing import CliRunner

from conftest import check, codes
from kaoping.cli import main
from kaoping.dsl.diagnostics import render, render_short, to_json
from kaoping.dsl.load import check_path, check_text

GOOD = '方案 "测试" {\n  类别 职能 满分 2 {\n    1-1 "甲" 权重 1\n    1-2 "乙" 权重 1\n  }\n}\n'


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def only(result, code):
    """The single diagnostic of a result, which must have this code; every form renders."""
    assert [d.code for d in result.diagnostics] == [code], [(d.code, d.message) for d in result.diagnostics]
    d = result.diagnostics[0]
    assert render(d, result.sources) and render_short(d) and json.loads(to_json([d]))
    return d


def write(tmp_path, data: bytes, name="t.scheme"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- files that are not UTF-8 text
@pytest.mark.parametrize("data", [b"", "   \n\t\n\r\n\u3000\n".encode(), "# 只有注释\n  ＃ 全角注释\n".encode()])
def test_empty_and_blank_files(tmp_path, data):
    path = write(tmp_path, data)
    d = only(check_path(path), "E0107")
    assert (d.span.line, d.span.column) == (1, 1)
    assert run("check", path).exit_code == 1


def test_binary_bytes(tmp_path):
    data = bytes(range(256)) * 4
    d = only(check_path(write(tmp_path, data)), "E0001")
    assert (d.span.line, d.span.column) == (1, 1)  # the NUL at offset 0
    assert run("check", write(tmp_path, data)).exit_code == 1


def test_nul_byte_is_located(tmp_path):
    path = write(tmp_path, '方案 "t" {\n  类别 a\x00 {}\n}\n'.encode())
    d = only(check_path(path), "E0001")
    assert (d.span.line, d.span.column) == (2, 7)  # characters, not bytes
    assert "NUL" in d.message


def test_gbk_bytes_are_located_and_named(tmp_path):
    path = write(tmp_path, '方案 "t" {\n  类别 职能 {}\n}\n'.encode("gbk"))
    d = only(check_path(path), "E0001")
    assert (d.span.line, d.span.column) == (1, 1) and "GBK" in d.message
    path = write(tmp_path, b'scheme "t" {\n  category ' + "类别".encode("gbk") + b" {}\n}\n")
    d = only(check_path(path), "E0001")
    assert (d.span.line, d.span.column) == (2, 12)
    result = run("check", path)
    assert result.exit_code == 1 and "E0001" in result.output


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, encoding):
    data = GOOD.encode(encoding)
    if encoding != "utf-16":
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    d = only(check_path(write(tmp_path, data)), "E0001")
    assert "UTF-16" in d.message


def test_utf8_bom_works_and_columns_ignore_it(tmp_path):
    assert check_path(write(tmp_path, codecs.BOM_UTF8 + GOOD.encode())).ok
    bad = GOOD.replace("满分 2", "满分 3")
    d = only(check_path(write(tmp_path, codecs.BOM_UTF8 + bad.encode())), "E0301")
    assert (d.span.line, d.span.column) == (2, 9)
    assert run("check", write(tmp_path, codecs.BOM_UTF8 + GOOD.encode())).exit_code == 0


def test_crlf_line_endings_work_with_the_right_columns(tmp_path):
    assert check_path(write(tmp_path, GOOD.replace("\n", "\r\n").encode())).ok
    bad = GOOD.replace("满分 2", "满分 3").replace("\n", "\r\n")
    d = only(check_path(write(tmp_path, bad.encode())), "E0301")
    assert (d.span.line, d.span.column) == (2, 9)
    # a syntax error on a later line: line and column as in an LF file
    bad = GOOD.replace('1-2 "乙"', '1-2 "乙" @').replace("\n", "\r\n")
    d = only(check_path(write(tmp_path, bad.encode())), "E0101")
    assert (d.span.line, d.span.column) == (4, 13)
    assert "\r" not in render(d, check_path(write(tmp_path, bad.encode())).sources)


def test_tabs_count_as_one_column(tmp_path):
    text = GOOD.replace("  ", "\t").replace("满分 2", "满分 3")
    d = only(check_path(write(tmp_path, text.encode())), "E0301")
    assert (d.span.line, d.span.column) == (2, 8)
    text = GOOD.replace("  ", "\t").replace('1-1 "甲"', '1-1 "甲" ＠')
    d = only(check_path(write(tmp_path, text.encode())), "E0101")
    assert (d.span.line, d.span.column) == (3, 11)


# ---------------------------------------------------------------- unfinished text
def test_missing_closing_brace_at_eof_points_at_the_unclosed_brace():
    r = check('方案 "t" {\n  类别 a 满分 1 {\n    1-1 "x" 权重 1\n')
    assert codes(r) == [("E0103", 3, 17)]
    related = r.diagnostics[0].related
    assert [(x.span.line, x.span.column) for x in related] == [(2, 13)]
    r = check('方案 "t" { 类别 a { 类别 b { } }')
    assert codes(r) == [("E0103", 1, 27)]
    assert [(x.span.line, x.span.column) for x in r.diagnostics[0].related] == [(1, 8)]


def test_braces_in_strings_and_comments_do_not_count_as_unclosed():
    r = check('方案 "t {" { # {\n  类别 a "{{" {\n')
    assert [(x.span.line, x.span.column) for x in r.diagnostics[0].related] == [(2, 13)]


def test_unclosed_string():
    r = check('方案 "t" {\n  文号 "泉国资办〔2020〕161号\n}\n')
    assert codes(r) == [("E0104", 2, 6)]
    r = check('方案 "t')
    assert codes(r) == [("E0104", 1, 4)]


def test_truncated_at_every_point_never_raises():
    text = GOOD + '得分 总分 = 职能 × 70% + 指标 1-1\n规则 r: 若 计数(职能) >= 1 则 分值(职能) = 2\n'
    for cut in range(len(text) + 1):
        r = check_text(text[:cut], "t.scheme")
        for d in r.diagnostics:
            assert d.span.line >= 1 and d.span.column >= 1, (cut, d)
            render(d, r.sources)


def test_random_edits_never_raise():
    rnd = random.Random(20241125)
    text = GOOD + '评分法 违规 = 阶梯 { 1次: 扣 0.5, 2次及以上: 不得分 }\n得分 总分 = 职能 × 70%\n'
    pieces = list('{}()[]"「」:：,，、%-+=<>#\n 1１') + ["满分", "指标 1-1", "若", "类别", "时限 13月"]
    for _ in range(300):
        p = rnd.randrange(len(text))
        edited = text[:p] + rnd.choice(pieces) + text[p + rnd.randrange(3):]
        r = check_text(edited, "t.scheme")
        for d in r.diagnostics:
            render(d, r.sources)
            render_short(d)


# ---------------------------------------------------------------- size and depth
def _big_scheme(n_indicators: int, per_indicator: int = 5) -> str:
    lines = ['方案 "大" 年度 2020 {', f"  类别 目标考评 满分 {n_indicators * per_indicator} {{"]
    for c in range(1, n_indicators // 20 + 1):
        lines.append(f"    类别 工作{c} 满分 {20 * per_indicator} {{")
        for j in range(1, 21):
            lines.append(f'      指标 {c}-{j} "完成第{j}项重点工作任务，按时报送进展情况" 分值 {per_indicator} 分管 "张" {{')
            lines += [f'        {c}-{j}-{i} "推进第{i}项具体工作，建立工作台账并按季度报送" 权重 1 时限 12月底前 责任 "办公室"'
                      for i in range(1, per_indicator + 1)]
            lines.append("      }")
        lines.append("    }")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def test_a_5_mb_file_checks_ok(tmp_path):
    # a few seconds (bench/parse_check.py reports the speed; no timing is asserted here)
    text = _big_scheme(7400)
    path = write(tmp_path, text.encode())
    assert path.stat().st_size > 5_000_000
    r = check_path(path)
    assert r.ok and r.diagnostics == [] and len(r.scheme.roots[0].leaves()) == 37000


def test_categories_nested_1000_deep_is_an_error_not_a_recursion_error():
    depth = 1000
    text = '方案 "t" {\n' + "".join(f"类别 c{i} {{\n" for i in range(depth)) + "}\n" * depth + "}\n"
    r = check_text(text, "t.scheme")
    assert codes(r) == [("E0105", 34, 4)]  # the 33rd category, the first one too deep
    assert "32" in r.diagnostics[0].message


def test_nesting_1000_deep_through_the_cli(tmp_path):
    depth = 1000
    text = '方案 "t" {\n' + "".join(f"类别 c{i} {{\n" for i in range(depth)) + "}\n" * depth + "}\n"
    result = run("check", "--format", "short", write(tmp_path, text.encode()))
    assert result.exit_code == 1 and "E0105" in result.output


def test_deeply_nested_parentheses_are_no_recursion_error():
    r = check_text('方案 "t" { 得分 x = ' + "(" * 3000 + "1" + ")" * 3000 + " }\n", "t.scheme")
    assert r.ok


# ---------------------------------------------------------------- files that cannot be read
def test_nonexistent_file(tmp_path):
    path = tmp_path / "missing.scheme"
    d = only(check_path(path), "E0002")
    assert str(path) == d.source
    result = run("check", path)
    assert result.exit_code == 1 and "E0002" in result.output


def test_directory(tmp_path):
    folder = tmp_path / "folder.scheme"
    folder.mkdir()
    only(check_path(folder), "E0002")
    result = run("check", folder)
    assert result.exit_code == 2 and "directory" in result.output


def test_usage_errors_exit_2(tmp_path):
    assert run("check").exit_code == 2
    assert run("check", "--format", "xml", write(tmp_path, GOOD.encode())).exit_code == 2
    assert run("check", "--no-such-option", write(tmp_path, GOOD.encode())).exit_code == 2


# ---------------------------------------------------------------- output formats and exit codes
def test_exit_codes_clean_and_with_problems(tmp_path):
    good = write(tmp_path, GOOD.encode(), "good.scheme")
    bad = write(tmp_path, GOOD.replace("满分 2", "满分 3").encode(), "bad.scheme")
    assert run("check", good).exit_code == 0
    assert run("check", bad).exit_code == 1
    assert run("check", good, bad).exit_code == 1


def test_json_output_is_valid_json_with_locations(tmp_path):
    bad = write(tmp_path, GOOD.replace("满分 2", "满分 3").encode(), "bad.scheme")
    empty = write(tmp_path, b"", "empty.scheme")
    gbk = write(tmp_path, GOOD.encode("gbk"), "gbk.scheme")
    result = run("check", "--format", "json", bad, empty, gbk)
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert [(i["file"], i["line"], i["column"], i["code"]) for i in items] == [
        (str(bad), 2, 9, "E0301"), (str(empty), 1, 1, "E0107"), (str(gbk), 1, 1, "E0001")]
    for item in items:
        assert {"severity", "message", "gloss", "end_line", "end_column", "hint", "related"} <= set(item)


def test_json_output_of_a_clean_file_is_an_empty_list(tmp_path):
    result = run("check", "--format", "json", write(tmp_path, GOOD.encode()))
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_short_format_one_line_per_problem(tmp_path):
    bad = write(tmp_path, GOOD.replace("满分 2", "满分 3").encode())
    result = run("check", "--format", "short", bad)
    assert f"{bad}:2:9: error[E0301]" in result.stdout


def test_inspect_on_bad_input_exits_1_without_traceback(tmp_path):
    assert run("inspect", write(tmp_path, b"\x00\x01")).exit_code == 1
    assert run("inspect", write(tmp_path, '方案 "t" {'.encode())).exit_code == 1
    assert run("inspect", "--json", write(tmp_path, GOOD.encode())).exit_code == 0
