"""Shared helpers: check a scheme given as text, and list its diagnostics compactly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

from kaoping.compiler.verify import cache_dir
from kaoping.dsl.load import check_text

# hypothesis keeps what it stores (examples, its own caches) in the user's cache folder, never in the
# repository or the current folder
set_hypothesis_home_dir(str(cache_dir() / "home"))
settings.register_profile("kaoping", database=DirectoryBasedExampleDatabase(str(cache_dir() / "tests")))
settings.load_profile("kaoping")

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ROOT / "schemes"


def check(text: str, name: str = "t.scheme"):
    return check_text(textwrap.dedent(text).strip() + "\n", name)


def codes(result, *, notes: bool = False):
    """[(code, line, column), …] in source order; notes only when asked."""
    return [(d.code, d.span.line, d.span.column) for d in result.diagnostics
            if notes or d.severity.value != "note"]


@pytest.fixture
def tmp_scheme(tmp_path):
    def write(text: str, name: str = "t.scheme") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
        return path
    return write


def col(text: str, line: int, token: str, nth: int = 1) -> int:
    """The 1-based column of the nth `token` on `line` of a dedented scheme text (found by search,
    independently of the checker)."""
    row = textwrap.dedent(text).strip().split("\n")[line - 1]
    at = -1
    for _ in range(nth):
        at = row.index(token, at + 1)
    return at + 1
