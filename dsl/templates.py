"""Where `继承 "文件"` may look: the scheme's own folder and the declared template roots, nothing else.

A template path is relative: first to the folder of the file that inherits, then to each template
root (the CLI's --templates, the environment variable KAOPING_TEMPLATES). An absolute path, or one
whose real location (symbolic links followed) lies outside the scheme's folder and every root, is
refused (E0108) before anything is opened.
"""

from __future__ import annotations

import os
from pathlib import Path, PureWindowsPath

from .diagnostics import Diagnostic, error
from .source import NO_SPAN

HEADER_WORDS = ("方案", "模板", "scheme", "template")


class TemplateRoots:
    def __init__(self, scheme_dir: Path, templates=()):
        self.templates = [Path(t) for t in templates]
        self.real = [os.path.realpath(r) for r in [Path(scheme_dir), *self.templates]]

    def inside(self, path: Path) -> bool:
        real = os.path.realpath(path)
        return any(_within(real, root) for root in self.real)

    def find(self, inherit: str, current_dir: Path, current_name: str) -> tuple[Path, str] | Diagnostic:
        """(path to open, name to report it under), or an E0106/E0108 diagnostic (span filled in by
        the caller)."""
        if os.path.isabs(inherit) or PureWindowsPath(inherit).anchor or inherit.startswith(("/", "\\")):
            return error("E0108", f"继承的模板“{inherit}”是绝对路径", "template path is absolute", NO_SPAN, "",
                         hint="写相对于本文件所在文件夹的路径，或用 --templates 目录（环境变量 KAOPING_TEMPLATES）"
                              "声明模板目录后写相对于它的路径")
        candidates = [(current_dir / inherit, os.path.normpath(os.path.join(os.path.dirname(current_name), inherit)))]
        candidates += [(root / inherit, os.path.normpath(os.path.join(str(root), inherit))) for root in self.templates]
        for target, name in candidates:
            if not os.path.lexists(target):
                continue
            if not self.inside(target):
                return error("E0108", f"继承的模板“{inherit}”在方案所在文件夹和模板目录之外",
                             "template outside the scheme's folder and the template roots", NO_SPAN, "",
                             hint="把模板放进方案所在文件夹，或用 --templates 目录（环境变量 KAOPING_TEMPLATES）声明模板目录")
            return target, name
        return error("E0106", f"找不到继承的模板“{inherit}”", "inherited template not found", NO_SPAN, "",
                     label="按本文件所在目录" + ("及模板目录" if self.templates else "") + "查找")

    @staticmethod
    def looks_like_scheme(text: str) -> bool:
        """The first word after blanks and comments is a header keyword (方案 / 模板 …)."""
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if ch in "#＃":
                i = text.find("\n", i)
                if i < 0:
                    return False
            elif ch not in " \t\r\n\u3000\ufeff":
                return text.startswith(HEADER_WORDS, i)
            i += 1
        return False


def _within(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False
