"""The lark grammar of the .scheme language, shipped as package data."""

from importlib.resources import files


def grammar_text() -> str:
    """Return the text of the .scheme grammar."""
    return files(__name__).joinpath("scheme.lark").read_text(encoding="utf-8")
