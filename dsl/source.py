"""Source texts and spans (file, line, column), decoded with clear errors."""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path

import attrs


@attrs.frozen(slots=True)
class Span:
    """A region of one source: 1-based lines and columns (columns count characters)."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> "Span":
        return cls(line, column, line, column + 1)


NO_SPAN = Span(0, 0, 0, 0)


@attrs.frozen(slots=True)
class Source:
    """One decoded .scheme text and the name it is reported under."""

    name: str
    text: str

    def line_text(self, line: int) -> str:
        lines = self.text.split("\n")
        if 1 <= line <= len(lines):
            return lines[line - 1].rstrip("\r")
        return ""


class DecodeProblem(Exception):
    """Bytes that are not a UTF-8 text; carries a Chinese explanation and the place."""

    def __init__(self, message: str, gloss: str, line: int, column: int):
        super().__init__(message)
        self.message = message
        self.gloss = gloss
        self.line = line
        self.column = column


def decode(data: bytes, line_ends: bool = True) -> str:
    """Decode UTF-8 (a BOM is dropped; CRLF is kept, the lexer treats \\r as space; a lone CR and
    U+2028/U+2029 end a line, as they do in the editors that write them; `line_ends=False` keeps them,
    for results files whose readers handle line ends themselves).

    UTF-16 (with or without a BOM), GBK and binary data are refused with a located explanation that
    names the encoding the bytes look like, never a traceback.
    """
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        raise DecodeProblem("文件是 UTF-16 编码，请另存为 UTF-8", "file is UTF-16; save it as UTF-8", 1, 1)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    nul = data.find(b"\x00")
    if nul >= 0:
        if _looks_utf16(data):
            raise DecodeProblem(SAVE_AS_UTF8.format("看起来是 UTF-16 编码（没有 BOM）"),
                                "the file looks like UTF-16 without a BOM; save it as UTF-8", 1, 1)
        line, column = _place(data, nul)
        raise DecodeProblem("文件含有空字节（NUL），不是文本文件", "file holds NUL bytes: not a text file",
                            line, column)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line, column = _place(data, err.start)
        if _decodes(data, "gbk"):
            raise DecodeProblem(SAVE_AS_UTF8.format(f"看起来是 GBK（GB2312）编码：第 {line} 行起不是 UTF-8"),
                                "the file looks like GBK; save it as UTF-8", line, column) from None
        raise DecodeProblem(f"第 {line} 行含有非 UTF-8 字节，请另存为 UTF-8",
                            "bytes that are not UTF-8; save the file as UTF-8", line, column) from None
    return normalise_line_ends(text) if line_ends else text


SAVE_AS_UTF8 = "文件{}。请用记事本或 WPS 打开，选“另存为”，编码选 UTF-8 后保存"


def normalise_line_ends(text: str) -> str:
    """A lone CR (classic Mac), U+2028 and U+2029 become LF; CRLF is kept (one character each, so
    columns do not move)."""
    if "\r" in text:
        text = _LONE_CR.sub("\n", text)
    if "\u2028" in text or "\u2029" in text:
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return text


_LONE_CR = re.compile(r"\r(?!\n)")


def _place(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[data.rfind(b"\n", 0, offset) + 1: offset].decode("utf-8", "replace")) + 1
    return line, column


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _looks_utf16(data: bytes) -> bool:
    """NUL bytes at every other position (ASCII in UTF-16) and a clean UTF-16 decoding."""
    head = data[:4096]
    if len(data) % 2 or len(head) < 4:
        return False
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if max(even, odd) < max(2, len(head) // 8) or min(even, odd) > max(even, odd) // 8:  # ASCII in UTF-16: many NULs
        return False
    text = data.decode("utf-16-le" if odd > even else "utf-16-be", "replace")
    return "\ufffd" not in text and not any(ch < " " and ch not in "\t\r\n" for ch in text)


# ---------------------------------------------------------------- reading files safely
MAX_SCHEME_BYTES = 16 * 1024 * 1024  # a scheme or template file; the largest seed is far below 1 MiB


class FileProblem(Exception):
    """A path that is not a readable regular file of bounded size; a Chinese message and a gloss."""

    def __init__(self, message: str, gloss: str):
        super().__init__(message)
        self.message = message
        self.gloss = gloss


def read_file(path, limit: int = MAX_SCHEME_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Devices (/dev/zero, /dev/stdin), FIFOs,
    sockets and folders are refused before they are read, so nothing blocks or reads forever; the file
    is opened non-blocking and checked again once open (it may have been swapped meanwhile)."""
    try:
        _check_stat(os.stat(path), limit)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise FileProblem(f"无法读取文件：{err.strerror or err}", "cannot read the file") from None
    with os.fdopen(fd, "rb") as f:
        _check_stat(os.fstat(f.fileno()), limit)
        data = f.read(limit + 1)
    if len(data) > limit:
        _check_stat(None, limit)
    return data


def _check_stat(st, limit: int) -> None:
    if st is None or (stat.S_ISREG(st.st_mode) and st.st_size > limit):
        raise FileProblem(f"文件过大（上限 {limit // (1024 * 1024)} MiB）", f"file larger than {limit} bytes")
    if stat.S_ISDIR(st.st_mode):
        raise FileProblem("这是一个文件夹，不是文件", "a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise FileProblem("不是普通文件（设备、管道等），不能读取", "not a regular file (device, pipe …)")


# ---------------------------------------------------------------- text shown on a terminal
_INVISIBLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                        "\u2066-\u2069\ud800-\udfff]")


_INVISIBLE_BUT_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                                    "\u2066-\u2069\ud800-\udfff]")


def visible(text: str, newline: bool = False) -> str:
    """Text from a scheme or results file made safe to print: control characters (C0 except tab, DEL,
    C1), line and paragraph separators, bidirectional overrides and isolates, and lone surrogates are
    written as escapes (\\x1b, \\u202e). A newline is escaped too unless `newline` is true, so text
    can never forge a line of its own. Every renderer calls this at the boundary."""
    if text.isprintable():  # the common case: no work
        return text
    if newline and _INVISIBLE_BUT_NEWLINE.search(text) is None:  # lines of printable text: one scan
        return text
    if newline:  # many lines, each printable (an explanation): no call per line break
        return "\n".join(line if line.isprintable() else visible(line) for line in text.split("\n"))
    return _INVISIBLE.sub(lambda m: _escape(m.group(), newline), text)


_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(ch: str, newline: bool) -> str:
    if ch == "\n" and newline:
        return ch
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def read_private(path, limit: int) -> bytes | None:
    """The bytes of a regular file owned by the current user, at most `limit` of them; else None.

    For files this program writes for itself (caches): a FIFO, a device, a symbolic link, a file of
    another user or one larger than `limit` is never read, and opening never blocks.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def cache_path(*parts: str) -> Path:
    """A place in kaoping's part of the user's cache folder ($XDG_CACHE_HOME, else ~/.cache): never the
    repository or the current directory."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "kaoping", *parts)


def cache_folder(*parts: str) -> Path | None:
    """cache_path(*parts), made when missing; None when it cannot be (the caller works without a cache)."""
    folder = cache_path(*parts)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def prune_cache(folder, prefix: str, keep: int) -> None:
    """Keep the `keep` most recently used files of a cache folder whose names begin with `prefix`;
    remove the rest. Only the current user's regular files are counted or removed (never a link, a
    folder or another user's file); a cache read marks its file used (`touch`). Errors are ignored:
    a cache never stops the program."""
    found = []
    try:
        with os.scandir(folder) as entries:
            for e in entries:
                if not e.name.startswith(prefix) or not e.is_file(follow_symlinks=False):
                    continue
                st = e.stat(follow_symlinks=False)
                if not hasattr(os, "getuid") or st.st_uid == os.getuid():
                    found.append((st.st_mtime_ns, e.path))
    except OSError:
        return
    found.sort(reverse=True)
    for _time, path in found[keep:]:
        try:
            os.unlink(path)
        except OSError:
            pass


def touch(path) -> None:
    """Mark a cache file used now (prune_cache keeps the most recently used)."""
    try:
        os.utime(path, follow_symlinks=False)
    except (OSError, NotImplementedError):
        pass
