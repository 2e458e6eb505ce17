"""Source texts and spans (file, line, column), decoded with clear errors."""

from __future__ import annotations

import codecs
import os
import stat

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


def decode(data: bytes) -> str:
    """Decode UTF-8 (a BOM is dropped; CRLF is kept, the lexer treats \\r as space).

    UTF-16 and binary data are refused with a located explanation, never a traceback.
    """
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        raise DecodeProblem("文件是 UTF-16 编码，请另存为 UTF-8", "file is UTF-16; save it as UTF-8", 1, 1)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        column = len(data[data.rfind(b"\n", 0, nul) + 1: nul].decode("utf-8", "replace")) + 1  # characters
        raise DecodeProblem("文件含有空字节（NUL），不是文本文件", "file holds NUL bytes: not a text file",
                            line, column)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = len(data[data.rfind(b"\n", 0, err.start) + 1: err.start].decode("utf-8", "replace")) + 1
        raise DecodeProblem(f"第 {line} 行含有非 UTF-8 字节（可能是 GBK 编码），请另存为 UTF-8",
                            "bytes that are not UTF-8 (GBK?); save the file as UTF-8", line, column) from None


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
