"""Syntax errors phrased for a person: what was found, what was expected, in words."""

from __future__ import annotations

import re

from kaoping.grammar import grammar_text

from .diagnostics import Diagnostic, Related, error
from .source import Source, Span

_NAMED = {
    "NAME": "名称", "QNAME": "「名称」", "NUMBER": "数字", "ID": "编号（如 1-1-1）", "STRING": "带引号的文字",
    "DEADLINE": "时限（如 12月底前）", "UNIT": "计量单位（次、篇、名…）", "PERCENT": "“%”", "PLUS": "“+”",
    "MINUS": "“-”", "TIMES": "“×”", "DIVIDE": "“÷”", "CMP": "比较符（>=、<= …）", "DOT": "“.”",
    "_EQ": "“=”", "_COLON": "“：”", "_COMMA": "“，”", "_LBRACE": "“{”", "_RBRACE": "“}”", "_LPAR": "“（”",
    "_RPAR": "“）”", "_LBRACKET": "“[”", "_RBRACKET": "“]”", "$END": "文件结尾",
    "<END-OF-FILE>": "文件结尾",  # lark's name for the end in a contextual lexer's expected set
}
_KEYWORD_LINE = re.compile(r'^_k_\w+:\s*"([^"]+)"(?:\s*\|\s*"([^"]+)")?', re.M)
_CHINESE: dict[str, str] | None = None


def _chinese_of() -> dict[str, str]:
    """English alias → Chinese keyword, read from the grammar's keyword table."""
    global _CHINESE
    if _CHINESE is None:
        _CHINESE = {}
        for zh, en in _KEYWORD_LINE.findall(grammar_text()):
            _CHINESE[zh] = zh
            if en:
                _CHINESE[en] = zh
    return _CHINESE


def keyword_spellings() -> set[str]:
    """Every keyword in both languages."""
    return set(_chinese_of())


def describe_terminal(name: str) -> str:
    from .parser import get_parser

    if name in _NAMED:
        return _NAMED[name]
    for term in get_parser().terminals:
        if term.name == name:
            value = term.pattern.value
            return f"“{_chinese_of().get(value, value)}”"
    return name


def expected_words(names) -> list[str]:
    words = sorted({describe_terminal(n) for n in names})
    named = [w for w in words if not w.startswith("“")]
    return named + [w for w in words if w.startswith("“")]


def _unclosed_brace(text: str) -> Span | None:
    """The last “{” with no matching “}”, skipping strings and comments."""
    stack: list[tuple[int, int]] = []
    line, col = 1, 1
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "#＃":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if ch == '"':
            i += 1
            col += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
                col += 1
        elif ch in "{｛":
            stack.append((line, col))
        elif ch in "}｝" and stack:
            stack.pop()
        if i < n and text[i] == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    if not stack:
        return None
    line, col = stack[-1]
    return Span(line, col, line, col + 1)


def _end_span(source: Source) -> Span:
    lines = source.text.split("\n")
    last = len(lines)
    while last > 1 and not lines[last - 1].strip():
        last -= 1
    col = len(lines[last - 1].rstrip()) + 1
    return Span(last, col, last, col + 1)


def describe(err, source: Source) -> Diagnostic:
    """A lark UnexpectedInput as a diagnostic (lark is imported here only: checking never needs it)."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    name = source.name
    if isinstance(err, UnexpectedCharacters):
        ch = source.text[err.pos_in_stream]
        span = Span(err.line, err.column, err.line, err.column + 1)
        if ch == '"':
            return error("E0104", "文字没有闭合：引号“\"”在本行内缺少配对", "string not closed on this line", span, name,
                         label="从这里开始的文字", hint="文字不能跨行；在行末补上 \"")
        words = expected_words(err.allowed or ())
        if ch in "“”":
            return error("E0101", f"无法识别的字符“{ch}”：文字请用英文直引号 \"…\"", "curly quotes: use straight quotes",
                         span, name, label="弯引号", hint="Word 和输入法会把 \" 自动换成 “ ”；文字中间的 “ ” 可以保留")
        return error("E0101", f"无法识别的字符“{ch}”（U+{ord(ch):04X}）", f"unexpected character {ch!r}", span, name,
                     label="这里", hint=("这里应为：" + "、".join(words[:8])) if words else "")
    if isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and err.token.type == "$END"):
        brace = _unclosed_brace(source.text)
        related = (Related(brace, "这个“{”没有对应的“}”"),) if brace else ()
        return error("E0103", "文件意外结束：缺少“}”" if brace else "文件意外结束", "unexpected end of file",
                     _end_span(source), name, label="文件在此结束", related=related,
                     hint="检查每个“{”都有对应的“}”")
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    span = Span(tok.line, tok.column, tok.end_line or tok.line, tok.end_column or tok.column + 1)
    found = describe_terminal(tok.type) if tok.type not in ("NAME", "NUMBER", "ID", "STRING") else None
    shown = f"“{tok}”" if found is None or found.startswith("“") else f"{found}“{tok}”"
    words = expected_words(err.expected)
    hint = ""
    if tok.type == "NAME":
        glued = [w.strip("“”") for w in words if w.startswith("“") and str(tok).startswith(w.strip("“”"))]
        if glued:
            kw = max(glued, key=len)
            hint = f"关键字与名称连写了？请写成“{kw} {str(tok)[len(kw):]}”"
    elif tok.type == "NUMBER" and ("NAME" in err.expected or "QNAME" in err.expected):
        word = re.match(r"[\w·]*", source.text[tok.end_pos:]).group() if tok.end_pos is not None else ""
        if word:  # 5G基站建设: a name cannot begin with a digit
            hint = f"名称不能以数字开头；请加引号写成「{tok}{word}」"
    elif tok.type == "PERCENT":
        hint = "“%”只能紧跟在数字之后（如 70%），不能跟在名称或括号之后"
    if not hint and len(words) > 12:
        hint = "这里应为：" + "、".join(words[:12]) + " 等"
    elif not hint:
        hint = "这里应为：" + "、".join(words)
    return error("E0102", f"此处不应出现 {shown}", f"unexpected {tok.type.lower()} {str(tok)!r}", span, name,
                 label="不应出现在这里", hint=hint)
