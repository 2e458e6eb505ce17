"""The vocabulary formulas and rules may use besides declared names: functions and fields."""

from __future__ import annotations

# name → (minimum args, maximum args or None, when it is known: "static" / "unit" / "cross")
FUNCTIONS = {
    "计数": (1, None, "static"),   # number of leaf indicators under the categories/indicators named
    "分值": (1, 1, "static"),      # declared (or summed) points of a category or indicator
    "重复数": (2, 2, "static"),    # leaves of the first whose text (spaces ignored) also stands in the second
    "较大": (2, None, "unit"),     # the larger of several values of one unit
    "较小": (2, None, "unit"),
    "均值": (1, 2, "cross"),       # mean over the units scored together (optionally of one class)
    "最大": (1, 2, "cross"),
    "最小": (1, 2, "cross"),
    "名次": (1, 2, "cross"),       # rank among the units scored together, largest first
    "单位数": (0, 1, "cross"),     # how many units are scored together (of one class, 本类: the unit's own)
}
SCOPES = ("全部单位", "本类")  # besides the classes: every unit scored together, the unit's own class
# Fields of one leaf indicator, usable in `每项 于 X` rules.
ITEM_FIELDS = {"内容": "text", "备注": "remark", "依据": "basis", "责任": "owner", "分管": "leader",
               "责任人": "person", "主体": "assessor", "时限": "deadline", "编号": "key", "分值": "points"}
# Values a 性质 or 期望 reads besides the scheme's names: the unit's grade and its place in the declared
# ranking; `其他单位.X`: X of every other unit scored with it (a 性质 over pairs of units).
GRADE = "等次"
RANK = "名次"
OTHER_UNIT = "其他单位"
# Attributes readable with a dot: 正向激励加分.上限
DOT_ATTRS = {"上限": "cap", "满分": "full", "分值": "points"}
