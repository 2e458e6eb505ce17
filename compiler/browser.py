"""A headless Chromium run once for a page: its rendered DOM, a PDF, a screenshot.

Each run has a fresh profile in a temporary folder and nothing that talks to the network on its own
(no sync, no component updates, no background networking); the page is a local file.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio")
TIMEOUT = 120  # seconds


class BrowserError(Exception):
    """The browser is missing, failed or timed out (a Chinese message)."""


def find() -> str | None:
    return next((path for path in (shutil.which(name) for name in NAMES) if path), None)


def run(page: Path, *args: str) -> str:
    """Run the browser on a local page with extra arguments; its standard output."""
    browser = find()
    if browser is None:
        raise BrowserError("没有找到 Chromium 浏览器（Debian/Ubuntu：apt-get install chromium）")
    with tempfile.TemporaryDirectory(prefix="kaoping-browser-") as profile:
        command = [browser, *FLAGS, f"--user-data-dir={profile}", *args, Path(page).resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as err:
            raise BrowserError(f"Chromium 在 {TIMEOUT} 秒内没有完成") from err
        except OSError as err:
            raise BrowserError(f"无法启动 Chromium：{err.strerror or err}") from err
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise BrowserError(f"Chromium 退出码 {done.returncode}：{tail[0][:200]}")
    return done.stdout.decode("utf-8", "replace")


def dump_dom(page: Path) -> str:
    """The DOM after the page is rendered, serialised as HTML."""
    return run(page, "--dump-dom")


def print_pdf(page: Path, pdf: Path) -> None:
    run(page, f"--print-to-pdf={Path(pdf).resolve()}", "--no-pdf-header-footer")
    if not Path(pdf).is_file():
        raise BrowserError("Chromium 没有写出 PDF")


def screenshot(page: Path, png: Path, width: int = 1200, height: int = 900) -> None:
    run(page, f"--screenshot={Path(png).resolve()}", f"--window-size={width},{height}", "--hide-scrollbars")
    if not Path(png).is_file():
        raise BrowserError("Chromium 没有写出截图")
