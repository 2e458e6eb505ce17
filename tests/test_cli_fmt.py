"""`kaoping fmt FILE… [--check]`: rewrites in place, atomically, keeping the file's form; refuses bad input."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kaoping.cli import main
from kaoping.dsl.load import check_path

ROOT = Path(__file__).resolve().parent.parent
MESSY = '方案 "t" {\n类别 甲 满分 2 {  # 注释\n    1-1 "一"   权重 2\n}\n  }\n'
TIDY = '方案 "t" {\n  类别 甲 满分 2 {  # 注释\n    1-1 "一" 权重 2\n  }\n}\n'


def run(*args):
    result = CliRunner().invoke(main, list(map(str, args)))
    return result.exit_code, result.stdout, result.stderr


def test_fmt_rewrites_and_check_lists(tmp_path):
    messy, tidy = tmp_path / "messy.scheme", tmp_path / "tidy.scheme"
    messy.write_text(MESSY, encoding="utf-8")
    tidy.write_text(TIDY, encoding="utf-8")
    code, out, _ = run("fmt", "--check", messy, tidy)
    assert code == 1 and out.splitlines() == [str(messy)]
    assert messy.read_text(encoding="utf-8") == MESSY  # --check never writes
    code, _, _ = run("fmt", messy, tidy)
    assert code == 0 and messy.read_text(encoding="utf-8") == TIDY
    code, out, _ = run("fmt", "--check", messy, tidy)
    assert (code, out) == (0, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.scheme", "tidy.scheme"]  # no temporary file left


def test_fmt_keeps_bom_crlf_and_permissions(tmp_path):
    path = tmp_path / "win.scheme"
    path.write_bytes(b"\xef\xbb\xbf" + MESSY.replace("\n", "\r\n").encode("utf-8"))
    os.chmod(path, 0o640)
    assert run("fmt", path)[0] == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + TIDY.replace("\n", "\r\n").encode("utf-8")
    assert (path.stat().st_mode & 0o777) == 0o640


def test_fmt_through_a_link_rewrites_the_target(tmp_path):
    target = tmp_path / "real.scheme"
    target.write_text(MESSY, encoding="utf-8")
    link = tmp_path / "link.scheme"
    link.symlink_to(target)
    assert run("fmt", link)[0] == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8") == TIDY


@pytest.mark.parametrize("data,code", [
    ('方案 "t" {\n  类别 甲 {\n}\n'.encode("utf-8"), "E0103"),
    ("方案 “t” {}\n".encode("utf-8"), "E0101"),
    ('方案 "t" {}\n'.encode("gbk"), "E0001"),
    ("# 只有注释\n".encode("utf-8"), "E0107"),
    ('方案 "t" {}\n'.encode("utf-16"), "E0001"),
])
def test_fmt_refuses_bad_files_and_leaves_them(tmp_path, data, code):
    path = tmp_path / "bad.scheme"
    path.write_bytes(data)
    exit_code, out, err = run("fmt", path)
    assert exit_code == 1 and "Traceback" not in err and "未改动" in err
    assert f"[{code}]" in err
    assert path.read_bytes() == data


def test_fmt_missing_file_and_folder(tmp_path):
    code, _, err = run("fmt", tmp_path / "nope.scheme")
    assert code == 1 and "[E0002]" in err
    assert run("fmt")[0] == 2


def test_formatted_schemes_check_the_same(tmp_path):
    """Every shipped scheme, formatted, gets the same diagnostics from `kaoping check`."""
    work = tmp_path / "schemes"
    shutil.copytree(ROOT / "schemes", work)
    files = sorted(work.rglob("*.scheme"))
    before = {p: Counter((d.code, d.message) for d in check_path(p).diagnostics) for p in files}
    assert run("fmt", *files)[0] == 0
    assert run("fmt", "--check", *files)[0] == 0
    for p in files:
        assert Counter((d.code, d.message) for d in check_path(p).diagnostics) == before[p], p.name
