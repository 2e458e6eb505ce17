"""The documentation is tested: every example in docs/ is real.

Conventions for fenced code blocks in docs/*.md (the block's opening fence is ```scheme):

* A block whose first word (after comments) is a header keyword — 方案 / 模板 / scheme / template —
  is a *complete scheme*. It must parse and pass `check_text` with no errors and no warnings
  (notes are allowed). `继承 "x.scheme"` is resolved against docs/examples/.
* Any other block is a *fragment*. It is wrapped before parsing and only parsed, never checked
  (fragments may name things they do not define):
    - by default it is a piece of a scheme body, wrapped as  方案 "片段" { <block> }
      (meta lines such as 文号/依据 may start a fragment: they come first in the body);
    - after the comment <!-- fragment: category --> it is a piece of a category body (items,
      指标 blocks), wrapped as  方案 "片段" { 类别 片段 { <block> } }.
* HTML comments on the lines just before the opening fence (blank lines allowed) are directives:
    - <!-- expect: E0301 W0401 --> the block must produce exactly these error/warning codes
      (each as often as listed, in any order; notes are ignored). For a fragment, the codes of
      its parse (syntax errors) are compared instead.
    - <!-- file: examples/NAME.scheme --> the block's text must equal that file in docs/.
* A ```text block after <!-- output: kaoping check NAME.scheme --> (or any other kaoping command
  line) shows that command's output when NAME.scheme holds the nearest ```scheme block above it;
  the test runs the command (docs/examples/ files beside it) and compares the output exactly.
* docs/examples/*.scheme are complete schemes checked the same way; a first line comment
  `# expect: E0305` lists the codes such a file must produce. Other docs/*.scheme files are
  only parsed.

The keyword table of docs/language.md (section “关键字表”) must list exactly the keywords of the
grammar's `_k_…` rules, both spellings; the diagnostic table (section “诊断代码表”) must list every
code that dsl/ and compiler/import_xlsx.py can emit.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from kaoping.dsl.load import check_path, check_text
from kaoping.dsl.parser import parse
from kaoping.dsl.source import Source
from kaoping.grammar import grammar_text

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
HEADER = re.compile(r"^\s*(方案|模板|scheme|template)(\s|\"|$)")
FENCE = re.compile(r"^```(\S*)\s*$")
DIRECTIVE = re.compile(r"^<!--\s*(expect|fragment|file|output):\s*(.*?)\s*-->$")
CODE = re.compile(r"\b[EWN]\d{4}\b")


def _blocks(outputs=None):
    """(id, text, directives) for every ```scheme block of docs/*.md; when `outputs` is a list,
    (id, command, expected output, input scheme) of every ```text block with an output directive."""
    out = []
    for md in sorted(DOCS.glob("*.md")):
        lines = md.read_text(encoding="utf-8").split("\n")
        last_scheme = None
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                i += 1
                continue
            lang, start = m.group(1), i
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            i += 1  # the closing fence
            directives = {}
            j = start - 1
            while j >= 0 and (not lines[j].strip() or DIRECTIVE.match(lines[j].strip())):
                d = DIRECTIVE.match(lines[j].strip())
                if d:
                    directives[d.group(1)] = d.group(2)
                j -= 1
            where = f"{md.name}:{start + 1}"
            if lang == "scheme":
                last_scheme = "\n".join(body) + "\n"
                out.append((where, last_scheme, directives))
            elif "output" in directives and outputs is not None:
                outputs.append((where, directives["output"], "\n".join(body), last_scheme))
    return out


OUTPUTS: list = []
BLOCKS = _blocks(OUTPUTS)
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.scheme")) if EXAMPLES.exists() else []


def _first_word_line(text: str) -> str:
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "＃")):
            return stripped
    return ""


def _is_complete(text: str) -> bool:
    return bool(HEADER.match(_first_word_line(text)))


def _wrap(text: str, kind: str) -> str:
    if kind == "category":
        return '方案 "片段" {\n类别 片段 {\n' + text + "}\n}\n"
    assert kind in ("", "body"), f"unknown fragment kind {kind!r}"
    return '方案 "片段" {\n' + text + "}\n"


def _codes(diagnostics) -> Counter:
    return Counter(d.code for d in diagnostics if d.severity.value != "note")


def _expected(directives) -> Counter:
    return Counter(CODE.findall(directives.get("expect", "")))


def _show(diagnostics) -> str:
    return "\n".join(f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in diagnostics)


def test_docs_have_scheme_blocks():
    assert len(BLOCKS) >= 20


@pytest.mark.parametrize("where,text,directives", BLOCKS, ids=[b[0] for b in BLOCKS])
def test_scheme_block(where, text, directives):
    if "file" in directives:
        target = DOCS / directives["file"]
        assert target.read_text(encoding="utf-8") == text, f"{where} differs from docs/{directives['file']}"
    if _is_complete(text):
        assert "fragment" not in directives, f"{where}: a complete scheme needs no fragment directive"
        result = check_text(text, where, base_dir=EXAMPLES)
        assert _codes(result.diagnostics) == _expected(directives), _show(result.diagnostics)
        if "expect" not in directives:
            assert result.scheme is not None
        return
    tree, problems = parse(Source(where, _wrap(text, directives.get("fragment", ""))))
    assert _codes(problems) == _expected(directives), _show(problems)
    if "expect" not in directives:
        assert tree is not None


@pytest.mark.parametrize("where,command,expected,scheme", OUTPUTS, ids=[o[0] for o in OUTPUTS])
def test_shown_output(where, command, expected, scheme, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kaoping.cli import main

    args = command.split()
    assert args[0] == "kaoping" and scheme is not None, where
    name = next(a for a in args if a.endswith(".scheme"))
    for example in EXAMPLE_FILES:
        (tmp_path / example.name).write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / name).write_text(scheme, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args[1:])
    assert result.output.rstrip("\n") == expected.rstrip("\n")


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_example_file(path):
    text = path.read_text(encoding="utf-8")
    first = text.split("\n", 1)[0]
    expected = Counter(CODE.findall(first)) if first.startswith("# expect:") else Counter()
    result = check_path(path)
    assert _codes(result.diagnostics) == expected, _show(result.diagnostics)


OTHER_SCHEMES = sorted(DOCS.glob("*.scheme"))


@pytest.mark.parametrize("path", OTHER_SCHEMES, ids=[p.name for p in OTHER_SCHEMES])
def test_other_docs_scheme_parses(path):
    tree, problems = parse(Source(path.name, path.read_text(encoding="utf-8")))
    assert tree is not None, _show(problems)


# ---------------------------------------------------------------- tables in docs/language.md
def _section_rows(heading: str) -> list[list[str]]:
    """The cells of every table row in the section that starts with `heading` (up to the next ##)."""
    text = (DOCS / "language.md").read_text(encoding="utf-8")
    start = text.index("\n## " + heading)
    end = text.find("\n## ", start + 1)
    rows = []
    for line in text[start:end if end >= 0 else None].split("\n"):
        if line.startswith("|") and not re.match(r"^\|[\s:|-]+\|$", line):
            cells = [c.strip().strip("`").strip() for c in line.strip().strip("|").split("|")]
            rows.append(cells)
    return rows[1:]  # without the header row


def _grammar_keywords() -> set[tuple[str, str]]:
    pairs = set()
    for zh, en in re.findall(r'^_k_\w+:\s*"([^"]+)"(?:\s*\|\s*"([^"]+)")?\s*$', grammar_text(), re.M):
        pairs.add((zh, en or "—"))
    return pairs


def test_keyword_rules_are_all_read():
    rules = re.findall(r"^_k_\w+:", grammar_text(), re.M)
    assert len(rules) == len(re.findall(r'^_k_\w+:\s*"[^"]+"(?:\s*\|\s*"[^"]+")?\s*$', grammar_text(), re.M))


def test_keyword_table_matches_grammar():
    documented = {(r[0], r[1]) for r in _section_rows("关键字表") if len(r) >= 2}
    grammar = _grammar_keywords()
    assert documented - grammar == set(), "documented but not in the grammar"
    assert grammar - documented == set(), "in the grammar but not documented"


def _emitted_codes() -> set[str]:
    codes = set()
    for path in [*(ROOT / "dsl").rglob("*.py"), ROOT / "compiler" / "import_xlsx.py"]:
        codes |= set(re.findall(r"[\"']([EWN]\d{4})[\"']", path.read_text(encoding="utf-8")))
    return codes


def test_every_emitted_code_is_documented():
    documented = {r[0] for r in _section_rows("诊断代码表") if r and CODE.fullmatch(r[0])}
    missing = _emitted_codes() - documented
    assert not missing, f"codes emitted in dsl/ but missing from docs/language.md: {sorted(missing)}"
    assert documented - _emitted_codes() == set(), "documented codes that dsl/ never emits"
