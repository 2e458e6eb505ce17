"""The .scheme front end: text → AST (lark) → resolved model → checks.

The one call most users need is :func:`kaoping.dsl.load.check_path`.
"""
