"""`kaoping check` without click (kaoping.entry) answers exactly as the click command line does."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kaoping.entry import _plain_check

GOOD = '方案 "t" 年度 2020 {\n  假定 "原文未载明"\n  类别 a 满分 2 {\n    指标 1 "x" 分值 2\n  }\n}\n'
BAD = '方案 "t" {\n  类别 a 满分 3 {\n    指标 1 "x\x1b[2J" 分值 2 时限 13月\n    指标 1 "y" 分值 1\n  }\n}\n'
UNPARSED = '方案 "t" {\n  类别 a 满分 2 {\n    指标 1 "x" 分值 2 分值\n  }\n'
CLICK = "import sys; from kaoping.cli import main; sys.argv[0] = 'kaoping'; main()"
pytestmark = pytest.mark.skipif(os.name != "posix", reason="the click-free path runs on POSIX only")


def _run(args, via_click: bool, cwd):
    env = {k: v for k, v in os.environ.items() if k != "KAOPING_TEMPLATES"}
    cmd = [sys.executable, "-c", CLICK] if via_click else [sys.executable, "-m", "kaoping"]
    proc = subprocess.run(cmd + args, capture_output=True, text=True, cwd=cwd, env=env)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("args", [
    ["check", "good.scheme"],
    ["check", "bad.scheme"],
    ["check", "--format", "short", "good.scheme", "bad.scheme"],
    ["check", "--format=json", "bad.scheme", "good.scheme"],
    ["check", "bad.scheme", "--no-notes", "--format", "short", "--format", "human"],
    ["check", "--no-notes", "good.scheme"],
    ["check", "unparsed.scheme", "missing.scheme"],
])
def test_the_click_free_check_prints_what_click_prints(tmp_path, args):
    for name, text in (("good", GOOD), ("bad", BAD), ("unparsed", UNPARSED)):
        (tmp_path / f"{name}.scheme").write_text(text, encoding="utf-8")
    assert _plain_check(args) is not None  # this path is the one under test
    assert _run(args, False, tmp_path) == _run(args, True, tmp_path)


def test_anything_else_goes_to_click(tmp_path, monkeypatch):
    monkeypatch.delenv("KAOPING_TEMPLATES", raising=False)
    (tmp_path / "a.scheme").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for args in (["check"], ["check", "--help"], ["check", "-h"], ["check", "--format", "SHORT", "a.scheme"],
                 ["check", "--format"], ["check", "--templates", ".", "a.scheme"], ["check", "--", "a.scheme"],
                 ["check", "-", "a.scheme"], ["check", "--no-note", "a.scheme"], ["check", "."],
                 ["inspect", "a.scheme"], ["--version"], []):
        assert _plain_check(args) is None, args
    assert _plain_check(["check", "a.scheme", "missing.scheme"]) == (["a.scheme", "missing.scheme"], "human", False)
    monkeypatch.setenv("KAOPING_TEMPLATES", ".")
    assert _plain_check(["check", "a.scheme"]) is None
