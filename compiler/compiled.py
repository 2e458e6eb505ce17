"""The scoring module of a checked scheme for `kaoping score`: emitted once and kept in the user's
cache folder (never the repository or the current directory), named by a hash of the scheme's texts
(with every template it inherits), kaoping's version and the emitter's own sources; made in memory
when the folder cannot be written. It is run from its verified text (no bytecode files beside it)."""

from __future__ import annotations

import hashlib
import os
import types
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from kaoping.dsl import ir
from kaoping.dsl.source import cache_folder, prune_cache, read_private, touch

from .emit import compile_program

_EMITTER = ("runtime.py", "fastrun.py", "fastgen.py", "emit.py", "writer.py")


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


_LIMIT = 256 << 20  # the largest module read back (bytes)
KEEP = 64  # modules kept in the cache folder, the most recently used (each edit of a scheme makes one)


def scoring_module(program: ir.Program, texts: list[tuple[str, str]], source_name: str) -> types.ModuleType:
    """The module of `program` (checked from `texts`: (name, text) of every file read). A cached file is
    used only when it is the user's own regular file and its first line holds the SHA-256 of the rest:
    a file changed, cut short or put there by anyone else is made anew, never run."""
    folder = cache_folder("modules")
    name = f"kaoping_scheme_{_key(texts, source_name)}"
    source = None
    if folder is not None:
        path = folder / f"{name}.py"
        data = read_private(path, _LIMIT)
        head, _, body = (data or b"").partition(b"\n")
        if data is not None and head == b"# sha256 " + hashlib.sha256(body).hexdigest().encode():
            source = body.decode("utf-8")
            touch(path)
        else:
            source = compile_program(program, source_name)
            body = source.encode("utf-8")
            part = folder / f"{name}.{os.getpid()}.tmp"
            try:
                part.write_bytes(b"# sha256 " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
                os.replace(part, path)
            except OSError:  # an unwritable cache: the module is used from memory
                pass
            prune_cache(folder, "kaoping_scheme_", KEEP)
    if source is None:
        source = compile_program(program, source_name)
    module = types.ModuleType(name)
    exec(compile(source, source_name, "exec"), module.__dict__)
    return module
