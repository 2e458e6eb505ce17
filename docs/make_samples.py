"""Make the committed samples by hand (tests never run this): the filled results workbook
schemes/results/quanzhou-transport-2019.xlsx (a `kaoping template` workbook holding the JSON
sample's values), and the screenshots in docs/img/ that docs/excel.md and docs/report.md show.

    python docs/make_samples.py            # needs openpyxl, Jinja2, LibreOffice (soffice) and Chromium

Screenshots of workbooks are LibreOffice's HTML rendering of them, photographed by Chromium; a
Chinese font (fonts-noto-cjk or fonts-wqy-zenhei) must be installed for the text to show.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl

from kaoping.compiler import browser
from kaoping.compiler.export_xlsx import excel_number, export
from kaoping.compiler.report import context, render
from kaoping.compiler.results import read_results
from kaoping.compiler.scoring import score_units
from kaoping.compiler.template_xlsx import write_template
from kaoping.dsl.load import check_path

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "schemes" / "quanzhou-transport-2019.scheme"
SAMPLE = ROOT / "schemes" / "results" / "quanzhou-transport-2019.json"
FILLED = ROOT / "schemes" / "results" / "quanzhou-transport-2019.xlsx"
IMG = ROOT / "docs" / "img"
MAX_PNG = 200 * 1024


def fill(path: Path, units: list[dict]) -> None:
    """Write the sample's values into a template workbook, as a person would type them."""
    wb = openpyxl.load_workbook(path)
    ws = wb["填报"]
    col = {c.value: c.column for c in ws[1]}
    row = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for unit in units:
        r = row[unit["name"]]
        for key, value in unit["values"].items():
            if isinstance(value, dict):
                ws.cell(r, col[key], value["档次"])
                ws.cell(r, col[f"{key}.晋档"], int(value["晋档"]))
            elif isinstance(value, str) and value.replace(".", "", 1).isdigit():
                ws.cell(r, col[key], excel_number(Decimal(value)))
            else:
                ws.cell(r, col[key], value)
    wb.save(path)


def _first_columns(path: Path, n: int) -> Path:
    """A copy of a template to photograph: its 填报 sheet alone, the first n columns, 甲局 half filled
    (LibreOffice's HTML shows the other sheets as an overview and comments as red marks)."""
    wb = openpyxl.load_workbook(path)
    del wb["说明"]
    ws = wb["填报"]
    ws.delete_cols(n + 1, ws.max_column)
    for row in ws.iter_rows():
        for cell in row:
            cell.comment = None
    for c in range(2, n + 1, 2):
        ws.cell(2, c, "一档" if c != 6 else "二档")
    ws.cell(2, 7, 1)
    for c in range(1, n + 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = 12 if c > 1 else 16
    out = path.with_name("填报.xlsx")
    wb.save(out)
    return out


def sheet_png(workbook: Path, png: Path, tmp: Path, width: int, height: int) -> None:
    """A workbook's first sheet as LibreOffice renders it to HTML, photographed by Chromium."""
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp / 'lo').as_uri()}", "--headless", "--convert-to", "html",
                    "--outdir", str(tmp), str(workbook)], check=True, capture_output=True, timeout=300)
    browser.screenshot(tmp / (workbook.stem + ".html"), png, width, height)


def main() -> int:
    checked = check_path(SCHEME)
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))["units"]
    write_template(checked.program, checked.scheme.title, FILLED, [(u["name"], u.get("class")) for u in data])
    fill(FILLED, data)
    units, problems = read_results(FILLED)
    assert not [p for p in problems if p.severity == "error"], problems
    print(f"{FILLED.relative_to(ROOT)}: {len(units)} units")
    IMG.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        export(checked.scheme, tmp / "考评表.xlsx")
        sheet_png(tmp / "考评表.xlsx", IMG / "export.png", tmp, 1300, 760)
        blank = tmp / "填报表.xlsx"
        write_template(checked.program, checked.scheme.title, blank, [("甲局", None), ("乙局", None), ("丙局", None)])
        sheet_png(_first_columns(blank, 13), IMG / "template.png", tmp, 1000, 150)
        page = tmp / "report.html"
        page.write_text(render(context(checked.scheme, checked.program, score_units(checked.program, units),
                                       SCHEME.name)), encoding="utf-8")
        browser.screenshot(page, IMG / "report.png", 1100, 1000)
    for png in sorted(IMG.glob("*.png")):
        size = png.stat().st_size
        print(f"{png.relative_to(ROOT)}: {size // 1024} KB")
        if size > MAX_PNG:
            print(f"  larger than {MAX_PNG // 1024} KB: make the window smaller", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
