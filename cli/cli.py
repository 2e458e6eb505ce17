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
@templates_option
def inspect(file, as_json, items, templates):
    """显示方案的指标树、合计、计数与上限 / show the tree with computed totals, counts and caps."""
    import json

    from kaoping.dsl.inspect import render_tree, scheme_to_dict

    result = check_path(file, templates)
    if result.scheme is None:
        _print_diagnostics(result, "human")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(scheme_to_dict(result.scheme), ensure_ascii=False, indent=2))
    else:
        _echo(render_tree(result.scheme, items=items))
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
    import json

    from kaoping.compiler.explain import explain_text, ranking_text, report_json_chunks, unit_json
    from kaoping.compiler.interpret import Interpreter
    from kaoping.compiler.results import errors, missing_units, read_results, scheme_units, unreported

    checked = check_path(scheme, templates)
    if not checked.ok:
        _print_diagnostics(checked, "short", show_notes=False)
        click.echo(f"{visible(scheme)}: 方案有错误，不能评分 / the scheme has errors", err=True)
        sys.exit(1)
    units, problems = read_results(results)
    problems += missing_units(scheme_units(checked.scheme), units)
    for p in problems:
        click.echo(visible(_problem_line(p.place, p.code, p.message, p.severity)), err=True)
    summaries, scores = Interpreter(checked.program).stream(units)
    if errors(problems):
        # the values that could be read are checked in the same pass; no totals are shown
        for p in unreported(summaries, units):
            click.echo(visible(_problem_line(p["place"], p["code"], p["message"])), err=True)
        click.echo(f"{visible(results)}: 结果有问题，未评分 / the results have problems", err=True)
        sys.exit(1)
    # written unit by unit: one breakdown in memory at a time
    if fmt == "json":
        for chunk in report_json_chunks(checked.scheme.title, summaries, scores):
            click.echo(chunk, nl=False)
    elif fmt == "jsonl":
        for s in scores:
            click.echo(json.dumps(unit_json(s), ensure_ascii=False))
    else:
        _echo(f"{checked.scheme.title}：{len(summaries)} 个单位\n")
        for s in scores:
            _echo(explain_text(s, items=items) + "\n")
        _echo(ranking_text(summaries))
    sys.exit(1 if any(s["problems"] for s in summaries) else 0)


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

    checked = check_path(scheme, templates)
    if not checked.ok:
        _print_diagnostics(checked, "short", show_notes=False)
        click.echo(f"{visible(scheme)}: 方案有错误，不能编译 / the scheme has errors", err=True)
        sys.exit(1)
    source = compile_program(checked.program, Path(scheme).name)
    try:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(source, encoding="utf-8")
    except OSError as err:
        click.echo(f"{visible(output)}: 无法写入生成的模块：{err.strerror or err} / cannot write the module", err=True)
        sys.exit(1)
    click.echo(f"{visible(output)}: {len(source.splitlines())} 行 / lines")


def _print_findings(findings) -> bool:
    import json

    ok = True
    for f in findings:
        mark = "通过" if f.ok else "不通过"
        _echo(f"[{mark}] {f.property}" + (f"：{f.detail}" if f.detail else ""))
        if f.counterexample is not None:
            ok = False
            click.echo("  反例（结果文件）/ counterexample:\n  " +
                       json.dumps({"units": [f.counterexample]}, ensure_ascii=False, default=str))
    return ok


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False))
@click.option("--examples", default=200, show_default=True, help="每个性质随机尝试的结果数")
@templates_option
def verify(scheme, examples, templates):
    """在随机结果上验证性质：不超上限、提高一档不降分、方案声明的性质 / try the properties on random results."""
    from kaoping.compiler.verify import verify as run_verify

    checked = check_path(scheme, templates)
    if not checked.ok:
        _print_diagnostics(checked, "short", show_notes=False)
        sys.exit(1)
    sys.exit(0 if _print_findings(run_verify(checked.scheme, checked.program, examples)) else 1)


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
    sys.exit(0 if _print_findings(findings) else 1)


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
