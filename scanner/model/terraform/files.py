"""`file()`, `templatefile()` and `fileexists()`: policies and user-data scripts often live in
files beside the module, and what they say (a `"Principal": "*"`, a password) matters.

Only regular files inside the scanned tree are read, and only small ones; anything else is
Unknown. The result is located at the call, the line a user sees in the `.tf` file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scanner.model.terraform.evaluate import Env, render, unknown
from scanner.nodes import Mapping, Node, Scalar, Unknown
from scanner.parse.hcl.expr import Expr

if TYPE_CHECKING:
    from scanner.model.terraform.evaluate import Evaluator

MAX_FILE_BYTES = 1024 * 1024
FILE_FUNCTIONS = frozenset({"file", "templatefile", "fileexists"})


def read_inside(base: Path | None, boundary: Path | None, name: str) -> str | None:
    if base is None or boundary is None:
        return None
    try:
        path = (base / name).resolve()
        path.relative_to(boundary)
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def file_call(evaluator: Evaluator, expr: Expr, env: Env, name: str, args: list[Node]) -> Node:
    reader = getattr(evaluator.scope, "read_file", None)
    path = render(args[0]) if args else None
    if reader is None or path is None:
        return unknown(expr, f"{name}() of an unknown file")
    content = reader(path)
    if name == "fileexists":
        return Scalar(content is not None, expr.loc) if content is not None else unknown(
            expr, "file not in the scanned tree")
    if content is None:
        return unknown(expr, f"{name}() of a file outside the scanned tree")
    if name == "file":
        return Scalar(content, expr.loc)
    return _render_template(evaluator, expr, content, args[1] if len(args) > 1 else None)


def _render_template(evaluator: Evaluator, expr: Expr, content: str, variables: Node | None) -> Node:
    from scanner.parse.hcl.template import TemplateConverter, template

    if variables is not None and not isinstance(variables, Mapping):
        return unknown(expr, "templatefile() with unknown variables")
    parsed = template(TemplateConverter(expr.loc.path, ""), content, expr.loc.line, expr.loc) \
        if "${" in content or "%{" in content else Scalar(content, expr.loc)
    env = dict(variables.items()) if isinstance(variables, Mapping) else {}
    result = evaluator.evaluate(parsed, env)
    if isinstance(result, Scalar):
        return Scalar(result.value, expr.loc)
    return unknown(expr, result.reason if isinstance(result, Unknown) else "templatefile()")
