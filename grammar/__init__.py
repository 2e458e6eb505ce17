"""The lark grammar of the .scheme language, shipped as package data."""

import os


def grammar_text() -> str:
    """Return the text of the .scheme grammar."""
    try:  # the usual installation: a file beside this one (importlib.resources costs a fresh process 5 ms)
        with open(os.path.join(os.path.dirname(__file__), "scheme.lark"), encoding="utf-8") as f:
            return f.read()
    except OSError:  # a package that is not a folder of files (a zip): through its loader
        from importlib.resources import files

        return files(__name__).joinpath("scheme.lark").read_text(encoding="utf-8")
