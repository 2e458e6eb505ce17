"""The scoring module of a checked scheme for `kaoping score`: emitted once and kept in the user's
cache folder (never the repository or the current directory), named by a hash of the scheme's texts
(with every template it inherits), kaoping's version and the emitter's own sources; made in memory
when the folder cannot be written."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import types
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from kaoping.dsl import ir

from .emit import compile_program

_EMITTER = ("runtime.py", "fastrun.py", "fastgen.py", "emit.py", "writer.py")


def _folder() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "kaoping" / "modules"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _key(texts: list[tuple[str, str]], source_name: str) -> str:
    h = hashlib.sha256()
    try:
        h.update(version("kaoping").encode())
    except PackageNotFoundError:
        h.update(b"?")
    here = Path(__file__).parent
    for name in _EMITTER:
        h.update((here / name).read_bytes())
    for name, text in [("", source_name)] + sorted(texts):
        h.update(f"\0{len(name)}:{name}{len(text)}:{text}".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def scoring_module(program: ir.Program, texts: list[tuple[str, str]], source_name: str) -> types.ModuleType:
    """The module of `program` (checked from `texts`: (name, text) of every file read)."""
    folder = _folder()
    name = f"kaoping_scheme_{_key(texts, source_name)}"
    if folder is not None:
        path = folder / f"{name}.py"
        try:
            if not path.exists():
                part = folder / f"{name}.{os.getpid()}.tmp"
                part.write_text(compile_program(program, source_name), encoding="utf-8")
                os.replace(part, path)
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is not None and spec.loader is not None:
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                return module
        except Exception:  # noqa: BLE001 (an unwritable or damaged cache: the module is made in memory)
            pass
    module = types.ModuleType(name)
    exec(compile(compile_program(program, source_name), source_name, "exec"), module.__dict__)
    return module
