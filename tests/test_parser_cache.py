"""The parser's caches in the user's cache folder are never trusted.

A FIFO, a link to a device, garbage, a damaged file or a file of another user where a cache file
should be: `kaoping check` still answers, and answers right, within a time limit; the cache is
rebuilt as a regular file; nothing in it is ever executed (JSON, checked by its SHA-256).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

from kaoping.dsl import parser as P
from kaoping.grammar import grammar_text

GOOD = '方案 "t" {\n  类别 a 满分 2 {\n    指标 1 "x" 分值 2\n  }\n}\n'
BAD = '方案 "t" {\n  类别 a 满分 2 {\n    指标 1 "x" 分值 2 分值\n  }\n'
TIMEOUT = 60
pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, links to devices and file owners are POSIX")


def _paths(cache_home) -> list:
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache_home)
    try:
        text = grammar_text()
        return [P._tables_file(text), P._lark_file(text)]
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old


def _start(cache_home, files):
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    return subprocess.Popen([sys.executable, "-m", "kaoping", "check", "--format", "short", *map(str, files)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def _finish(proc) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"kaoping check did not finish within {TIMEOUT} s")
    return proc.returncode, out, err


def _fifo(path):
    os.mkfifo(path)


def _zero_link(path):
    os.symlink("/dev/zero", path)


def _garbage(path):
    path.write_bytes(os.urandom(3000))


def _hash_ok_but_not_tables(path):
    payload = json.dumps({"format": P._TABLES_FORMAT, "grammar": "x", "actions": [[0, "1,2,x"]],
                          "lark": {"data": {}, "memo": {"a": 1}}}).encode()
    path.write_bytes(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


HOSTILE = {"fifo": _fifo, "link to /dev/zero": _zero_link, "garbage": _garbage,
           "well-formed but wrong": _hash_ok_but_not_tables}


@pytest.fixture(scope="module")
def schemes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemes")
    (folder / "good.scheme").write_text(GOOD, encoding="utf-8")
    (folder / "bad.scheme").write_text(BAD, encoding="utf-8")
    return folder / "good.scheme", folder / "bad.scheme"


def test_a_hostile_cache_is_ignored_and_rebuilt(tmp_path, schemes):
    homes = {}
    for name, make in HOSTILE.items():
        home = tmp_path / name.replace(" ", "-").replace("/", "-")
        (home / "kaoping").mkdir(parents=True)
        for path in _paths(home):
            make(path)
        homes[name] = home
    clean = tmp_path / "clean"
    procs = {name: _start(home, schemes) for name, home in homes.items()}
    reference = _finish(_start(clean, schemes))
    assert reference[0] == 1 and "E0102" in reference[2] + reference[1]
    for name, proc in procs.items():
        code, out, err = _finish(proc)
        assert (code, out, err) == reference, name
        assert "Traceback" not in err
        for path in _paths(homes[name]):
            assert path.is_file() and not path.is_symlink(), (name, path)
    assert os.path.exists("/dev/zero") and not os.path.isfile("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file away")
def test_a_cache_file_of_another_user_is_not_read(tmp_path, schemes):
    warm = tmp_path / "warm"
    code, _out, _err = _finish(_start(warm, schemes))
    assert code == 1
    for path in _paths(warm):
        data = json.loads(path.read_bytes().partition(b"\n")[2])
        assert isinstance(data, dict)
        os.chown(path, 65534, 65534)
    before = [p.stat().st_mtime_ns for p in _paths(warm)]
    code, out, err = _finish(_start(warm, schemes))
    assert code == 1 and "Traceback" not in err
    after = _paths(warm)
    assert all(p.stat().st_uid == os.getuid() for p in after)  # replaced by a file of our own
    assert [p.stat().st_mtime_ns for p in after] != before


def test_read_private_refuses_what_is_not_a_small_regular_file_of_ours(tmp_path):
    from kaoping.dsl.source import read_private

    plain = tmp_path / "plain"
    plain.write_bytes(b"abc")
    assert read_private(plain, 10) == b"abc"
    assert read_private(plain, 2) is None  # too large
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert read_private(fifo, 10) is None  # and it does not block
    link = tmp_path / "link"
    link.symlink_to(plain)
    assert read_private(link, 10) is None
    assert read_private(tmp_path, 10) is None
    assert read_private(tmp_path / "missing", 10) is None


def test_the_grammar_caches_keep_the_most_recently_used_files(tmp_path, monkeypatch):
    """Each version of the grammar, kaoping, lark or Python writes its own cache files: writing one
    keeps the _CACHE_KEEP most recently used and removes older ones (only ours: never a link, never
    another name)."""
    monkeypatch.setattr(P, "_CACHE_KEEP", 2)
    olds = [tmp_path / f"scheme-grammar-old{i}.json" for i in range(3)]
    for i, old in enumerate(olds):
        old.write_text("x")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    other = tmp_path / "other.json"
    other.write_text("x")
    os.utime(other, (1, 1))
    link = tmp_path / "scheme-grammar-link.json"
    link.symlink_to(tmp_path / "nowhere")
    P._write_cache(tmp_path / "scheme-grammar-new.json", {"a": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["scheme-grammar-new.json", olds[2].name, other.name, link.name])
    os.utime(tmp_path / "scheme-grammar-new.json", (1, 1))
    assert P._read_cache(tmp_path / "scheme-grammar-new.json") == {"a": 1}  # read: marked used
    assert os.stat(tmp_path / "scheme-grammar-new.json").st_mtime > 1_000_010


def test_checking_with_warm_caches_never_imports_lark(tmp_path, schemes):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    code = textwrap.dedent("""
        import sys
        from kaoping.dsl.load import check_path
        assert check_path(sys.argv[1]).ok
        print("lark" in sys.modules)
    """)
    first = subprocess.run([sys.executable, "-c", code, str(schemes[0])], env=env, capture_output=True, text=True,
                           timeout=TIMEOUT)
    assert first.stdout.strip() == "True", first.stderr  # the first run builds the tables with lark
    second = subprocess.run([sys.executable, "-c", code, str(schemes[0])], env=env, capture_output=True,
                            text=True, timeout=TIMEOUT)
    assert second.stdout.strip() == "False", second.stderr


def test_lark_read_back_from_its_json_cache_parses_as_lark_built_anew():
    from lark import Lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    from conftest import ROOT

    built = Lark(grammar_text(), **P._OPTIONS)
    data, memo = built.memo_serialize([TerminalDef, Rule])
    loaded = P._lark_from_json(json.loads(json.dumps({"data": data, "memo": memo})))
    files = sorted(ROOT.glob("schemes/**/*.scheme")) + sorted(ROOT.glob("docs/**/*.scheme"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert loaded.parse(text) == built.parse(text), path
