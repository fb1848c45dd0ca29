"""Terraform's operators and the built-in functions templates commonly use, over nodes.

A function whose arguments are not all known returns Unknown, except where the answer does not
depend on them (`false && x`, `coalesce("a", x)`, `lookup` of a known key). Results that pick an
argument (`lookup`, `coalesce`, `merge`, `concat`, `try`) return that argument's own nodes, so a
literal keeps its location through them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from scanner.model.terraform.collections import (
    coalesce,
    compact,
    concat,
    contains,
    distinct,
    element,
    flatten,
    keys_values,
    length,
    lookup,
    merge,
    plain,
    text_of,
    zipmap,
)
from scanner.model.terraform.evaluate import MAX_TEXT, Env, at, is_error, render, too_large, unknown
from scanner.model.terraform.files import FILE_FUNCTIONS, file_call
from scanner.nodes import Mapping, Node, Scalar, Sequence, Unknown, truth
from scanner.parse.hcl.expr import Expr

if TYPE_CHECKING:
    from scanner.model.terraform.evaluate import Evaluator

_GROWING = frozenset({"jsonencode", "join", "format", "concat", "flatten", "distinct", "contains"})
_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, ">": lambda a, b: a > b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,  # type: ignore[operator]
}
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "%": lambda a, b: a % b,
}


def binary(operator: str, left: Node, right_thunk: Callable[[], Node], expr: Expr) -> Node:
    if operator in ("&&", "||"):
        deciding = operator == "||"  # `true || x` is true and `false && x` false, whatever x is
        first = truth(left)
        if first is deciding:
            return Scalar(deciding, expr.loc)
        second = truth(right_thunk())
        if second is deciding:
            return Scalar(deciding, expr.loc)
        if first is None or second is None:
            return unknown(expr, "unknown operand")
        return Scalar(not deciding, expr.loc)
    right = right_thunk()
    if not isinstance(left, Scalar) or not isinstance(right, Scalar):
        if operator in ("==", "!=") and not isinstance(left, Unknown) and not isinstance(right, Unknown):
            try:
                return Scalar(_COMPARE[operator](plain(left), plain(right)), expr.loc)
            except LookupError:
                pass
        return unknown(expr, "unknown operand")
    a, b = left.value, right.value
    if operator in _COMPARE:
        if operator in ("==", "!="):
            a, b = (render(left), render(right)) if type(a) is not type(b) else (a, b)
        return Scalar(_COMPARE[operator](a, b), expr.loc)
    return Scalar(_ARITHMETIC[operator](float(a), float(b)), expr.loc)  # type: ignore[arg-type]


def call(evaluator: Evaluator, expr: Expr, env: Env) -> Node:
    name, arg_nodes, expand = expr.args
    name = name.rsplit("::", 1)[-1]
    if name in ("try", "can"):
        return _try(evaluator, expr, env, name)
    args = [evaluator.evaluate(node, env) for node in arg_nodes]
    if expand and args:
        spread = args.pop()
        if not isinstance(spread, Sequence):
            return unknown(expr, "unknown spread argument")
        args.extend(spread.items)
    if name in FILE_FUNCTIONS:
        return file_call(evaluator, expr, env, name, args)
    function = FUNCTIONS.get(name)
    if function is None:
        return unknown(expr, f"function {name}() not evaluated")
    if name in _GROWING and any(_size(arg) > MAX_TEXT for arg in args):
        return unknown(expr, "argument too large")
    try:
        result = function(args, expr)
    except LookupError:
        return unknown(expr, "unknown argument")
    if result is None:
        return unknown(expr, "unknown argument")
    return unknown(expr, "result too large") if too_large(result) else result


def _size(node: Node, limit: int = MAX_TEXT) -> int:
    """Text and items in a value, counted until past `limit` (a shared node counts each time it
    is used, as jsonencode or join would write it)."""
    total, stack = 0, [node]
    while stack and total <= limit:
        current = stack.pop()
        total += 1
        if isinstance(current, Scalar) and isinstance(current.value, str):
            total += len(current.value)
        elif isinstance(current, Mapping):
            stack.extend(current.values.values())
        elif isinstance(current, Sequence):
            stack.extend(current.items)
    return total


def _try(evaluator: Evaluator, expr: Expr, env: Env, name: str) -> Node:
    for node in expr.args[1]:
        value = evaluator.evaluate(node, env)
        if name == "can":
            return Scalar(not is_error(value), expr.loc) if not isinstance(value, Unknown) or is_error(
                value) else unknown(expr, "unknown")
        if not is_error(value):
            return value
    return unknown(expr, "error: every try() argument failed")


def _same(args: list[Node], expr: Expr) -> Node | None:
    """tolist/toset/tomap/base64encode/sensitive/nonsensitive: the value as written.

    base64encode keeps the plain text on purpose: rules read user data for secrets, not its
    encoding."""
    return args[0] if args else None


def _string(function: Callable[..., object]) -> Callable[[list[Node], Expr], Node | None]:
    def apply(args: list[Node], expr: Expr) -> Node | None:
        return at(expr.loc, function(*[text_of(a) for a in args]))

    return apply


def _format(args: list[Node], expr: Expr) -> Node | None:
    template = text_of(args[0])
    if re.search(r"%[-+ #0]*\d{4,}", template):  # a width that would build a huge string
        return None
    values = [render(a) if isinstance(a, Scalar) and isinstance(a.value, bool) else plain(a) for a in args[1:]]
    python = template.replace("%%", "\0").replace("%v", "%s").replace("%q", '"%s"').replace("%t", "%s")
    return Scalar((python % tuple(values)).replace("\0", "%"), expr.loc)


def _jsonencode(args: list[Node], expr: Expr) -> Node | None:
    from scanner.model.terraform.policy import encode

    return None if isinstance(args[0], Unknown) else encode(args[0], expr)


def _jsondecode(args: list[Node], expr: Expr) -> Node | None:
    return at(expr.loc, json.loads(text_of(args[0])))


def _join(args: list[Node], expr: Expr) -> Node | None:
    if not isinstance(args[1], Sequence):
        return None
    return Scalar(text_of(args[0]).join(text_of(item) for item in args[1].items), expr.loc)


FUNCTIONS: dict[str, Callable[[list[Node], Expr], Node | None]] = {
    "merge": merge, "concat": concat, "lookup": lookup, "coalesce": coalesce,
    "coalescelist": lambda a, e: next((x for x in a if isinstance(x, Sequence) and x.items), None),
    "element": element, "flatten": flatten, "distinct": distinct, "length": length,
    "contains": contains, "format": _format, "jsonencode": _jsonencode, "jsondecode": _jsondecode,
    "join": _join, "compact": compact, "zipmap": zipmap,
    "keys": keys_values("keys"), "values": keys_values("values"),
    "tolist": _same, "toset": _same, "tomap": _same, "base64encode": _same, "sensitive": _same,
    "nonsensitive": _same, "one": lambda a, e: a[0].items[0] if isinstance(a[0], Sequence) and len(
        a[0]) == 1 else None,
    "tostring": _string(str), "lower": _string(str.lower), "upper": _string(str.upper),
    "trimspace": _string(str.strip), "replace": _string(lambda s, a, b: s.replace(a, b)),
    "split": _string(lambda sep, s: s.split(sep)), "title": _string(str.title),
    "startswith": _string(str.startswith), "endswith": _string(str.endswith),
    "substr": _string(lambda s, o, n: s[int(o):] if int(n) < 0 else s[int(o):int(o) + int(n)]),
    "tonumber": _string(lambda s: float(s) if "." in s else int(s)),
    "tobool": _string(lambda s: {"true": True, "false": False}[s]),
    "min": _string(lambda *n: min(float(x) for x in n)), "max": _string(lambda *n: max(float(x) for x in n)),
}
