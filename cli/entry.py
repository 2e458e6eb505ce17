"""The `kaoping` command as it starts (the console script and `python -m kaoping`).

`kaoping check FILE…` is what editors and scripts run most, each time in a new process, where the
start-up counts: when click would read its arguments exactly so (the options `--format` and
`--no-notes` only, no templates, files that click's Path(dir_okay=False) lets through, POSIX streams
that click writes to as they are), it runs here without importing click (a tenth of the start-up).
Anything else, `--help` and every error of usage included, goes to the click command line
(kaoping.cli), which runs the same `run_check`.
"""

from __future__ import annotations

import os
import re
import stat
import sys

_FORMATS = ("human", "short", "json")


def run() -> None:
    plain = _plain_check(sys.argv[1:])
    if plain is None:
        from kaoping.cli import main

        main()
        return
    files, fmt, no_notes = plain
    kept: list = []
    try:
        safe_streams()  # as the click group's callback does before any command
        code = run_check(files, fmt, no_notes, (), _echo, kept)
    except (EOFError, KeyboardInterrupt):  # as click's standalone mode answers them
        from gettext import gettext

        _echo("", err=True)
        _echo(gettext("Aborted!"), err=True)
        sys.exit(1)
    except OSError as err:
        import errno

        if err.errno != errno.EPIPE:
            raise
        from click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
        sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
        sys.exit(1)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # as Python reports it at exit
        sys.exit(code)
    # Everything is written: the process ends without freeing the checked schemes object by object and
    # without tearing the interpreter down (a tenth of a fresh check of 5,000 items). Nothing is open
    # for writing (a cache file is written whole and closed) and nothing is registered to run at exit.
    os._exit(code)


def _plain_check(args: list[str]) -> tuple[list[str], str, bool] | None:
    """(files, format, no_notes) of `check …` when click would read the arguments the same way; else None."""
    if os.name != "posix" or not args or args[0] != "check" or "KAOPING_TEMPLATES" in os.environ:
        return None
    if not all(_plain_stream(s) for s in (sys.stdout, sys.stderr)):
        return None
    files: list[str] = []
    fmt, no_notes, i = "human", False, 1
    while i < len(args):
        arg = args[i]
        if arg == "--no-notes":
            no_notes = True
        elif arg == "--format" and i + 1 < len(args) and args[i + 1] in _FORMATS:
            fmt = args[i + 1]
            i += 1
        elif arg.startswith("--format=") and arg[len("--format="):] in _FORMATS:
            fmt = arg[len("--format="):]
        elif arg.startswith("-"):  # --help, --templates, --, -, a wrong option or value: click answers
            return None
        else:
            files.append(arg)
        i += 1
    if not files or not all(_plain_path(f) for f in files):
        return None
    return files, fmt, no_notes


def _plain_stream(stream) -> bool:
    """A text stream click.echo writes to as it is (on POSIX: one whose encoding is not ASCII)."""
    import codecs

    encoding = getattr(stream, "encoding", None)
    if stream is None or not encoding or getattr(stream, "errors", None) is None:
        return False
    try:
        return codecs.lookup(encoding).name != "ascii"
    except LookupError:
        return False


def _plain_path(path: str) -> bool:
    """What click.Path(dir_okay=False) accepts unchanged: a path that does not exist, or a readable non-folder."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return True  # click passes a missing path through; check_path reports it
    return not stat.S_ISDIR(st.st_mode) and os.access(path, os.R_OK)


_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")  # what click.echo strips when the output is not a terminal


def _echo(message: str, err: bool = False) -> None:
    """click.echo for a text stream it does not wrap: the message and a newline, styles stripped off a
    terminal, flushed."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return
    out = message + "\n"
    try:
        tty = stream.isatty()
    except Exception:  # as click's isatty
        tty = False
    if not tty:
        out = _ANSI.sub("", out)
    stream.write(out)
    stream.flush()


def safe_streams() -> None:
    """A console that cannot encode a character (GBK on Chinese Windows: 䶮, an emoji; a lone
    surrogate) prints an escape instead of raising UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or unusual stream: leave it as it is
                pass


def run_check(files, fmt: str, no_notes: bool, templates, echo, kept: list | None = None) -> int:
    """`kaoping check`: the diagnostics of each file, then its summary; the exit status (1: errors).
    `kept` receives the results (a process that ends at once need not free them)."""
    from kaoping.dsl.diagnostics import to_json
    from kaoping.dsl.load import check_path
    from kaoping.dsl.source import visible

    results = [check_path(f, templates) for f in files]
    if kept is not None:
        kept.append(results)
    if fmt == "json":
        echo(to_json([d for r in results for d in r.diagnostics]))
    else:
        for f, r in zip(files, results):
            print_diagnostics(r, fmt, not no_notes, echo)
            echo(f"{visible(f)}: {summary(r)}", err=fmt == "short")
    return 0 if all(r.ok for r in results) else 1


def print_diagnostics(result, fmt: str, show_notes: bool, echo) -> None:
    from kaoping.dsl.diagnostics import Severity, render, render_short

    for d in result.diagnostics:
        if d.severity is Severity.NOTE and not show_notes:
            continue
        echo(render(d, result.sources) + "\n" if fmt == "human" else render_short(d))  # both escape


def summary(result) -> str:
    from kaoping.dsl.diagnostics import Severity

    counts = {s: sum(1 for d in result.diagnostics if d.severity is s) for s in Severity}
    return (f"{counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告，{counts[Severity.NOTE]} 个提示"
            f"（{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, {counts[Severity.NOTE]} notes）")
