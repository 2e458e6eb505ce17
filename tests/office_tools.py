"""Helpers for the tests that read exported workbooks: cell values as exact decimals, a small SUM
evaluator (to hold formulas against the model without a spreadsheet program), and LibreOffice /
Chromium found on PATH (tests that need them skip with a reason when they are absent)."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
NO_SOFFICE = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
NO_CHROMIUM = "Chromium is not installed: apt-get install chromium"


def exact(value) -> Decimal | None:
    """A number cell as the decimal Excel shows (openpyxl gives floats)."""
    if value is None:
        return None
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


_REF = re.compile(r"^([A-Z]+)(\d+)$")


def evaluate(ws, ref: str) -> Decimal:
    """The value of a cell: a number, or =SUM(…) over cells, ranges and constants (recursively)."""
    value = ws[ref].value
    if isinstance(value, str) and value.startswith("="):
        match = re.fullmatch(r"=SUM\((.*)\)", value)
        assert match, f"{ref}: unexpected formula {value}"
        total = Decimal(0)
        for arg in match.group(1).split(","):
            if ":" in arg:
                a, b = arg.split(":")
                (ca, ra), (cb, rb) = _REF.match(a).groups(), _REF.match(b).groups()
                assert ca == cb, arg
                total += sum((evaluate(ws, f"{ca}{r}") for r in range(int(ra), int(rb) + 1)), Decimal(0))
            elif _REF.match(arg):
                total += evaluate(ws, arg)
            else:
                total += Decimal(arg)
        return total
    return exact(value) or Decimal(0)


def recalculated_csv(paths: list[Path], tmp: Path) -> dict[Path, list[list[str]]]:
    """Recalculate workbooks in LibreOffice headless (own temporary profile) and read the values back
    as CSV (UTF-8, raw values, not as shown)."""
    out = tmp / "csv"
    profile = (tmp / "lo-profile").as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false",
                    "--outdir", str(out)] + [str(p) for p in paths],
                   check=True, capture_output=True, timeout=300)
    result = {}
    for p in paths:
        text = (out / (p.stem + ".csv")).read_text(encoding="utf-8")
        result[p] = list(csv.reader(text.splitlines()))
    return result


def cell_of(rows: list[list[str]], ref: str) -> str:
    col, row = _REF.match(ref).groups()
    r, c = int(row) - 1, column_index_from_string(col) - 1
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""


__all__ = ["SOFFICE", "CHROMIUM", "NO_SOFFICE", "NO_CHROMIUM", "exact", "evaluate", "recalculated_csv", "cell_of",
           "get_column_letter"]
