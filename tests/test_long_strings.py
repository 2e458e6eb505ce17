"""A long string literal is lexed in linear time and memory (the STRING terminal has no repeated group)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from kaoping.dsl.parser import parse_fast, parse_with_lark

TIMEOUT = 60


def _scheme(body: str) -> str:
    return f'方案 "t" {{\n  类别 a 满分 2 {{\n    指标 1 "{body}" 分值 2\n  }}\n}}\n'


def test_a_five_megabyte_literal_is_checked_within_a_time_limit(tmp_path):
    plain = tmp_path / "plain.scheme"
    plain.write_text(_scheme("考" * 5_000_000), encoding="utf-8")
    escaped = tmp_path / "escaped.scheme"
    escaped.write_text(_scheme('考\\"' * 1_000_000), encoding="utf-8")
    code = textwrap.dedent("""
        import sys
        from kaoping.dsl.load import check_path
        for path in sys.argv[1:]:
            r = check_path(path)
            assert r.ok, [d.message for d in r.diagnostics]
            print(len(r.scheme.roots[0].children[0].text))
    """)
    out = subprocess.run([sys.executable, "-c", code, str(plain), str(escaped)], capture_output=True, text=True,
                         timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["5000000", "2000000"]


def test_long_strings_parse_alike_on_both_paths():
    for body in ("考" * 200_000, 'a\\"b\\\\' * 50_000, "\\n" * 100_000):
        text = _scheme(body)
        assert parse_fast(text) == parse_with_lark(text)


def test_an_unclosed_long_string_is_still_located():
    from conftest import check, codes

    r = check('方案 "t" {\n  类别 a 满分 2 {\n    指标 1 "' + "考" * 1_000_000 + '\n  }\n}\n')
    assert codes(r) == [("E0104", 3, 10)]
