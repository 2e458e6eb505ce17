"""Deadlines as printed (7月份, 12月底前, 2020年7月15日前, 2020-12-31) → a checked form."""

from __future__ import annotations

import datetime
import functools
import re

import attrs

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_MONTH = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(份|底前|底|上旬前|中旬前|下旬前|上旬|中旬|下旬|前|内)?$")
_DAY = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(前)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Phrases real tables use for a whole-year or recurring deadline.
PHRASES = ("全年", "年内", "年底前", "年底", "长期", "每月", "每季度", "每半年", "持续", "常态化")


@attrs.frozen(slots=True)
class When:
    year: int | None
    month: int | None
    day: int | None
    text: str


@functools.lru_cache(maxsize=1024)  # tables repeat a handful of deadlines thousands of times
def parse_deadline(text: str) -> When | str:
    """A When, or a Chinese explanation of why the text is not a date."""
    t = text.translate(_FULLWIDTH).replace(" ", "")
    if t in PHRASES:
        return When(None, None, None, text)
    m = _MONTH.match(t)
    if m:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return f"没有 {month} 月"
        return When(int(m.group(1)) if m.group(1) else None, month, None, text)
    m = _DAY.match(t) or _ISO.match(t)
    if m:
        try:
            d = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return f"{m.group(1)} 年 {int(m.group(2))} 月没有 {int(m.group(3))} 日"
        return When(d.year, d.month, d.day, text)
    return "不是可识别的时限（如 7月份、12月底前、2020年7月15日前、2020-12-31、全年）"
