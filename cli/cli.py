"""The `kaoping` command: thin wrappers over library calls (kaoping.dsl, kaoping.compiler)."""

from __future__ import annotations

import sys

import click

from kaoping.dsl.diagnostics import Severity, render, render_short, to_json
from kaoping.dsl.load import CheckResult, check_path
from kaoping.dsl.source import visible


def _echo(text: str, err: bool = False) -> None:
    """Text made of file contents (names, labels, values): control characters escaped, lines kept."""
    click.echo(visible(text, newline=True), err=err)


def _safe_streams() -> None:
    """A console that cannot encode a character (GBK on Chinese Windows: 䶮, an emoji; a lone
    surrogate) prints an escape instead of raising UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or unusual stream: leave it as it is
                pass


def templates_option(command):
    return click.option(
        "--templates", "templates", multiple=True, envvar="KAOPING_TEMPLATES",
        type=click.Path(file_okay=False), help="模板目录：`继承` 还可以在这里查找（可写多次；环境变量 KAOPING_TEMPLATES）")(command)

# Only what `kaoping check` needs is imported here; each other command imports the rest when it runs.


def _print_diagnostics(result: CheckResult, fmt: str, show_notes: bool = True) -> None:
    for d in result.diagnostics:
        if d.severity is Severity.NOTE and not show_notes:
            continue
        click.echo(render(d, result.sources) + "\n" if fmt == "human" else render_short(d))  # both escape


def _summary(result: CheckResult) -> str:
    counts = {s: sum(1 for d in result.diagnostics if d.severity is s) for s in Severity}
    return (f"{counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告，{counts[Severity.NOTE]} 个提示"
            f"（{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, {counts[Severity.NOTE]} notes）")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kaoping")
def main() -> None:
    """kaoping (考评): check, inspect, compile and score assessment schemes (.scheme files)."""
    _safe_streams()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["human", "short", "json"]), default="human",
              help="human: 带源码与箭头; short: 每条一行; json: 供编辑器与工具使用")
@click.option("--no-notes", is_flag=True, help="不显示提示（note），只显示错误与警告")
@templates_option
def check(files, fmt, no_notes, templates):
    """检查方案文件 / check scheme files. Exit 0: no errors; 1: errors found; 2: usage error."""
    results = [check_path(f, templates) for f in files]
    if fmt == "json":
        click.echo(to_json([d for r in results for d in r.diagnostics]))
    else:
        for f, r in zip(files, results):
            _print_diagnostics(r, fmt, not no_notes)
            click.echo(f"{visible(f)}: {_summary(r)}", err=fmt == "short")
    sys.exit(0 if all(r.ok for r in results) else 1)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出整棵树")
@click.option("--items", is_flag=True, help="同时列出二级指标")
@click.option("--bounds", "show_bounds", is_flag=True, help="同时列出静态取值范围（--json 总是包含 bounds）")
@templates_option
def inspect(file, as_json, items, show_bounds, templates):
    """显示方案的指标树、合计、计数与上限 / show the tree with computed totals, counts and caps."""
    import json

    from kaoping.dsl.inspect import render_tree, scheme_to_dict

    result = check_path(file, templates)
    if result.scheme is None:
        _print_diagnostics(result, "human")
        sys.exit(1)
    from kaoping.dsl.bounds import analyse, render_bounds
    from kaoping.dsl.bounds import to_json as bounds_json

    bounds = analyse(result.program) if result.program is not None else None
    if as_json:
        data = scheme_to_dict(result.scheme)
        if bounds is not None:
            data["bounds"] = bounds_json(bounds)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _echo(render_tree(result.scheme, items=items))
        if bounds is not None and show_bounds:
            _echo(render_bounds(bounds))
    for d in result.errors:  # the tree is shown, and so is what is wrong with it (render_short escapes)
        click.echo(render_short(d), err=True)
    sys.exit(0 if result.ok else 1)


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False))
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table",
              help="table: 得分说明与排名; json: 稳定的 JSON 格式（见 docs/scoring.md）; jsonl: 每行一个单位")
@click.option("--items/--no-items", default=True, help="得分说明中是否列出二级指标")
@templates_option
def score(scheme, results, fmt, items, templates):
    """按方案为考评结果评分 / score RESULTS (JSON, CSV or xlsx) with SCHEME; rank units by class."""
    from kaoping.compiler.compiled import scoring_module
    from kaoping.compiler.explain import ranking_text, report_json_chunks, unit_json_text, unit_text
    from kaoping.compiler.interpret import unit_dict
    from kaoping.compiler.results import errors, unreported

    checked = _checked_or_exit(scheme, templates, "评分")
    units, problems = _read_results(checked, results)
    module = scoring_module(checked.program, [(s.name, s.text) for s in checked.sources.values()], scheme)
    summaries, scores = module.stream([unit_dict(u) for u in units])
    if errors(problems):
        # the values that could be read are checked in the same pass; no totals are shown
        for p in unreported(summaries, units):
            click.echo(visible(_problem_line(p["place"], p["code"], p["message"])), err=True)
        click.echo(f"{visible(results)}: 结果有问题，未评分 / the results have problems", err=True)
        sys.exit(1)
    # written unit by unit: one breakdown in memory at a time
    # written as click.echo writes, without its scan for ANSI codes per call: the text holds none
    # (visible() and JSON escape every control character)
    out = sys.stdout
    if fmt == "json":
        for chunk in report_json_chunks(checked.scheme.title, summaries, scores):
            out.write(chunk)
    elif fmt == "jsonl":
        for s in scores:
            out.write(unit_json_text(s) + "\n")
    else:
        _echo(f"{checked.scheme.title}：{len(summaries)} 个单位\n")
        out.flush()
        for s in scores:
            out.write(unit_text(s, items=items) + "\n\n")  # escaped (visible) by unit_text
        out.flush()
        _echo(ranking_text(summaries))
    sys.exit(1 if any(s["problems"] for s in summaries) else 0)


def _read_results(checked: CheckResult, results):
    """Read a results file, with notes for the units the scheme (or the template) names that it
    lacks; every problem is printed at its place. (units, problems)"""
    from kaoping.compiler.results import missing_units, read_results, scheme_units

    units, problems = read_results(results)
    expected = scheme_units(checked.scheme)
    problems += missing_units(expected, units) + _missing_rows(results, units, expected)
    for p in problems:
        click.echo(visible(_problem_line(p.place, p.code, p.message, p.severity)), err=True)
    return units, problems


def _missing_rows(results, units, expected) -> list:
    """Notes for the units a `kaoping template` workbook was made for whose row is missing."""
    from pathlib import Path

    if Path(results).suffix.lower() not in (".xlsx", ".xlsm"):
        return []
    try:
        from kaoping.compiler.results import MAX_RESULTS_BYTES
        from kaoping.compiler.template_xlsx import missing_rows, prefilled_units
        from kaoping.dsl.source import FileProblem, read_file

        made_for = prefilled_units(results, read_file(Path(results), MAX_RESULTS_BYTES))
    except (ImportError, FileProblem):  # the results reader has said why the file cannot be read
        return []
    return missing_rows(made_for, units, expected)


def _problem_line(place, code, message, severity="error") -> str:
    return f"{place}: {'提示 ' if severity == 'note' else ''}[{code}] {message}"


@main.command(name="compile")
@click.argument("scheme", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="生成的 Python 模块路径")
@templates_option
def compile_(scheme, output, templates):
    """把方案编译为只依赖标准库的 Python 评分模块 / compile SCHEME to a standalone Python module."""
    from pathlib import Path

    from kaoping.compiler.emit import compile_program

    checked = _checked_or_exit(scheme, templates, "编译")
    source = compile_program(checked.program, Path(scheme).name)
    _write_or_exit(output, source, "生成的模块", "the module")
    click.echo(f"{visible(output)}: {len(source.splitlines())} 行 / lines")


def _print_findings(findings, failed_word: str = "不成立") -> bool:
    """Each finding on one line; a counterexample as results files (`kaoping score` reproduces them)."""
    import json

    ok = True
    for f in findings:
        mark = failed_word if f.status == "不成立" else f.status
        _echo(f"[{mark}] {f.property}" + (f"：{f.detail}" if f.detail else ""))
        ok = ok and f.ok
        for label, units in f.counterexample or ():
            click.echo(f"  反例 · {visible(label)}（结果文件 / results file）:\n  " +
                       json.dumps({"units": units}, ensure_ascii=False, default=str))
    return ok


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False))
@click.option("--examples", default=200, show_default=True, type=int,
              help="随机搜索时尝试的结果（总体）数，至少 1")
@click.option("--seed", type=int, default=None,
              help="随机种子：同一种子重现同一次运行（此时不读写 hypothesis 的样例库）")
@templates_option
def verify(scheme, examples, seed, templates):
    """验证方案的性质：静态取值范围能证明的直接证明，其余先试极端结果再随机搜索 / prove or try the
    properties. Exit 0: all hold; 1: one does not hold (counterexample printed); 2: cannot be verified
    (too few valid results, a premise never held) or a usage error."""
    if examples < 1:
        click.echo(f"--examples 应至少为 1，却是 {examples} / --examples must be at least 1", err=True)
        sys.exit(2)
    if seed is not None and not 0 <= seed < 2 ** 32:
        click.echo("--seed 应在 0 到 4294967295 之间 / --seed must be in [0, 2**32)", err=True)
        sys.exit(2)
    from kaoping.compiler.verify import verify as run_verify

    checked = check_path(scheme, templates)
    if not checked.ok:
        _print_diagnostics(checked, "short", show_notes=False)
        sys.exit(1)
    bar = None

    def progress(done: int, planned: int) -> None:  # a bar on a terminal's stderr; nothing elsewhere
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=planned, label="验证中 / verifying", file=sys.stderr,
                                    hidden=not sys.stderr.isatty(), show_eta=False)
        bar.update(1)

    report = run_verify(checked.scheme, checked.program, examples, seed, progress)
    if bar is not None:
        bar.render_finish()
    share = f"{report.valid * 100 // report.generated}%" if report.generated else "—"
    click.echo(f"生成 {report.generated} 个单位，其中 {report.valid} 个有效并已评分（{share}）；"
               f"随机种子 {report.seed}（--seed {report.seed} 可重现）")
    _print_findings(report.findings)
    sys.exit(report.exit_code)


@main.command(name="test")
@click.argument("scheme", type=click.Path(dir_okay=False))
@templates_option
def test_(scheme, templates):
    """运行方案中的用例 / run the scheme's cases (用例)."""
    from kaoping.compiler.verify import run_cases

    checked = check_path(scheme, templates)
    if not checked.ok:
        _print_diagnostics(checked, "short", show_notes=False)
        sys.exit(1)
    findings = run_cases(checked.scheme, checked.program)
    if not findings:
        click.echo("方案中没有用例 / no cases")
    sys.exit(0 if _print_findings(findings, failed_word="不通过") else 1)


def _checked_or_exit(scheme, templates, what: str) -> CheckResult:
    checked = check_path(scheme, templates)
    if not checked.ok:
        _print_diagnostics(checked, "short", show_notes=False)
        click.echo(f"{visible(scheme)}: 方案有错误，不能{what} / the scheme has errors", err=True)
        sys.exit(1)
    return checked


def _write_or_exit(output, text: str, what: str, english: str) -> None:
    """Write a UTF-8 text file (its folder made as needed); a message and exit 1 when it cannot be."""
    from pathlib import Path

    try:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")
    except OSError as err:
        click.echo(f"{visible(output)}: 无法写入{what}：{err.strerror or err} / cannot write {english}", err=True)
        sys.exit(1)


def _needs(module: str, extra: str) -> None:
    """Exit 1 with the install command when an optional dependency (openpyxl, Jinja2) is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        click.echo(f"需要 {module}：pip install \"kaoping[{extra}]\" / {module} is not installed", err=True)
        sys.exit(1)


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="考评表 .xlsx 的路径")
@templates_option
def export(scheme, output, templates):
    """导出考评表（Excel，可打印，小计与合计为公式）/ export the assessment table as an .xlsx workbook."""
    _needs("openpyxl", "xlsx")
    from kaoping.compiler.export_xlsx import ExportError
    from kaoping.compiler.export_xlsx import export as export_table

    checked = _checked_or_exit(scheme, templates, "导出")
    try:
        table = export_table(checked.scheme, output)
    except ExportError as err:
        click.echo(f"{visible(output)}: {err}", err=True)
        sys.exit(1)
    rows = sum(1 for line in table.lines if line.kind in ("item", "indicator"))
    totals = [line.weight for line in table.lines if line.kind == "total" and line.weight is not None]
    total = f"，合计 {totals[0].normalize():f} 分" if totals else ""
    _echo(f"{output}: 考评表 {rows} 行指标{total} / exported")


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="填报表 .xlsx 的路径")
@click.option("--units", "units_file", type=click.Path(dir_okay=False),
              help="单位名单（文本文件，每行一个单位），预填到“单位”列；不写时预填方案中 单位 块的单位")
@templates_option
def template(scheme, output, units_file, templates):
    """生成考评结果填报表（Excel，每个单位一行，带下拉列表和数值校验）/ a results workbook to fill."""
    _needs("openpyxl", "xlsx")
    from pathlib import Path

    from kaoping.compiler.results import scheme_units
    from kaoping.compiler.template_xlsx import TemplateError, read_unit_list, write_template
    from kaoping.dsl.source import DecodeProblem, FileProblem, decode, read_file

    checked = _checked_or_exit(scheme, templates, "生成填报表")
    classes = checked.scheme.unit_block_classes
    if units_file:
        try:
            names, problems = read_unit_list(decode(read_file(Path(units_file), 16 * 1024 * 1024), line_ends=False))
        except (FileProblem, DecodeProblem) as p:
            click.echo(f"{visible(units_file)}: 无法读取单位名单：{p.message}", err=True)
            sys.exit(1)
        for problem in problems:
            click.echo(f"{visible(units_file)}: {visible(problem)}", err=True)
        if problems or not names:
            click.echo(f"{visible(units_file)}: 单位名单有问题" if problems else f"{visible(units_file)}: 单位名单是空的", err=True)
            sys.exit(1)
    else:
        names = list(scheme_units(checked.scheme))
    try:
        plan = write_template(checked.program, checked.scheme.title, output, [(n, classes.get(n)) for n in names])
    except TemplateError as err:
        click.echo(f"{visible(output)}: {err}", err=True)
        sys.exit(1)
    rows = f"{len(names)} 个单位" if names else "空白行"
    _echo(f"{output}: 填报表 {len(plan.columns)} 列，{rows} / template written")
    for key, why in plan.json_only:
        _echo(f"  {key}：{why}，须用 JSON 结果文件填报（不在本表中）")


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False))
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="报告 .html 的路径")
@click.option("--pdf", is_flag=True, help="另用 Chromium 打印为 PDF（与 .html 同名）")
@templates_option
def report(scheme, results, output, pdf, templates):
    """生成考评结果报告（单个离线 HTML 页面：排名与图表、等次与否决、各单位得分说明、考评表）/ an HTML report."""
    _needs("jinja2", "report")
    from pathlib import Path

    from kaoping.compiler import browser
    from kaoping.compiler.report import context, render
    from kaoping.compiler.results import errors
    from kaoping.compiler.scoring import score_units

    checked = _checked_or_exit(scheme, templates, "生成报告")
    units, problems = _read_results(checked, results)
    if errors(problems):
        click.echo(f"{visible(results)}: 结果有问题，未生成报告 / the results have problems", err=True)
        sys.exit(1)
    scores = score_units(checked.program, units)
    page = render(context(checked.scheme, checked.program, scores, Path(scheme).name))
    _write_or_exit(output, page, "报告", "the report")
    invalid = sum(1 for s in scores if s["total"] is None)
    _echo(f"{output}: 报告 {len(page.encode('utf-8')) // 1024} KB，{len(scores)} 个单位"
          + (f"（{invalid} 个结果有问题、未排名）" if invalid else "") + " / report written")
    if pdf:
        target = Path(output).with_suffix(".pdf")
        if browser.find() is None:
            click.echo("没有找到 Chromium 浏览器，无法打印 PDF（HTML 报告已写出，可在浏览器中打印）；"
                       "Debian/Ubuntu：apt-get install chromium / no browser for --pdf", err=True)
            sys.exit(2)
        try:
            browser.print_pdf(Path(output), target)
        except browser.BrowserError as err:
            click.echo(f"{visible(str(target))}: 无法打印 PDF：{err}", err=True)
            sys.exit(1)
        _echo(f"{target}: PDF 已写出 / PDF written")


@main.command(name="fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", "check_only", is_flag=True,
              help="只检查：列出需要格式化的文件，不改动文件（有则退出状态 1）")
def fmt_(files, check_only):
    """把方案文件改写为规范格式，保留注释 / rewrite scheme files in the canonical layout, comments kept.
    Exit 0: formatted (or, with --check, nothing to change); 1: a file has errors or would change."""
    from kaoping.dsl.printer import format_path, write_atomic

    failed = pending = False
    for f in files:
        outcome = format_path(f)
        if outcome.new is None:
            failed = True
            sources = {outcome.source.name: outcome.source} if outcome.source is not None else {}
            for d in outcome.diagnostics:
                click.echo(render(d, sources) + "\n", err=True)
            click.echo(f"{visible(f)}: 有错误，未改动 / not formatted", err=True)
            continue
        if not outcome.changed:
            continue
        if check_only:
            pending = True
            click.echo(visible(f))
            continue
        try:
            write_atomic(f, outcome.new)
        except OSError as err:
            failed = True
            click.echo(f"{visible(f)}: 无法写入：{err.strerror or err}，文件未改动 / cannot write", err=True)
            continue
        click.echo(f"{visible(f)}: 已格式化 / formatted", err=True)
    if check_only and pending:
        click.echo("以上文件需要格式化（kaoping fmt） / the files above would be reformatted", err=True)
    sys.exit(1 if failed or pending else 0)


@main.command(name="import")
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="写出的方案草稿（.scheme）")
def import_(workbook, output):
    """把已有的考评表（.xlsx）导入为方案草稿 / import a 考评表 workbook as a .scheme draft.
    Exit 0: the draft is written (warnings, each at its cell, are printed); 1: no draft."""
    from pathlib import Path

    from kaoping.compiler.import_xlsx import read_workbook
    from kaoping.dsl.printer import write_atomic

    result = read_workbook(workbook)
    for p in result.problems:
        click.echo(visible(p.line()), err=True)
    if result.text is None:
        click.echo(f"{visible(workbook)}: 未生成草稿 / no draft written", err=True)
        sys.exit(1)
    try:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, result.text.encode("utf-8"))
    except OSError as err:
        click.echo(f"{visible(output)}: 无法写入草稿：{err.strerror or err} / cannot write the draft", err=True)
        sys.exit(1)
    warnings = sum(p.severity == "warning" for p in result.problems)
    checked = check_path(output)
    click.echo(f"{visible(output)}: 已写出草稿（{warnings} 个警告）；kaoping check: {_summary(checked)}", err=True)
    sys.exit(0)
