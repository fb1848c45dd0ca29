"""Terraform's collection functions over nodes: merge, concat, lookup, coalesce, element,
flatten, distinct, compact, zipmap, keys, values, length, contains.

They pick or rearrange their arguments' own nodes, so a literal keeps its location through them
(`lookup(var.settings, "public")` points at the map's entry). None means "can't tell".
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.model.terraform.evaluate import render, unknown
from scanner.nodes import Mapping, Node, Scalar, Sequence, Unknown
from scanner.parse.hcl.expr import Expr


def plain(node: Node) -> object:
    """A fully known node as Python data; raises LookupError when any part is unknown."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Mapping):
        return {key: plain(value) for key, value in node.items()}
    if isinstance(node, Sequence):
        return [plain(item) for item in node.items]
    raise LookupError("unknown")


def text_of(node: Node) -> str:
    value = render(node)
    if value is None:
        raise LookupError("unknown")
    return value


def merge(args: list[Node], expr: Expr) -> Node | None:
    result = Mapping(expr.loc)
    for arg in args:
        if isinstance(arg, Scalar) and arg.value is None:
            continue
        if not isinstance(arg, Mapping):
            return None
        for key, value in arg.items():
            result.set(key, arg.keys[key], value)
    return result


def concat(args: list[Node], expr: Expr) -> Node | None:
    if not all(isinstance(arg, Sequence) for arg in args):
        return None
    return Sequence(expr.loc, [item for arg in args for item in arg.items])  # type: ignore[attr-defined]


def lookup(args: list[Node], expr: Expr) -> Node | None:
    if len(args) < 2 or not isinstance(args[0], Mapping):
        return None
    found = args[0].get(text_of(args[1]))
    if found is not None:
        return found
    return args[2] if len(args) > 2 else unknown(expr, "error: key not found")


def coalesce(args: list[Node], expr: Expr) -> Node | None:
    for arg in args:
        if isinstance(arg, Unknown):
            return None
        if not (isinstance(arg, Scalar) and arg.value in (None, "")):
            return arg
    return None


def element(args: list[Node], expr: Expr) -> Node | None:
    if isinstance(args[0], Sequence) and args[0].items:
        return args[0].items[int(text_of(args[1])) % len(args[0].items)]
    return None


def flatten(args: list[Node], expr: Expr) -> Node | None:
    def items(node: Node) -> list[Node]:
        return [leaf for item in node.items for leaf in items(item)] if isinstance(node, Sequence) \
            else [node]

    return Sequence(expr.loc, items(args[0])) if isinstance(args[0], Sequence) else None


def distinct(args: list[Node], expr: Expr) -> Node | None:
    if not isinstance(args[0], Sequence):
        return None
    seen: list[object] = []
    kept = []
    for item in args[0].items:
        value = plain(item)
        if value not in seen:
            seen.append(value)
            kept.append(item)
    return Sequence(args[0].loc, kept)


def length(args: list[Node], expr: Expr) -> Node | None:
    if isinstance(args[0], (Mapping, Sequence)):
        return Scalar(len(args[0]), expr.loc)
    return Scalar(len(text_of(args[0])), expr.loc)


def contains(args: list[Node], expr: Expr) -> Node | None:
    wanted = plain(args[1])
    if not isinstance(args[0], Sequence):
        return None
    return Scalar(any(plain(item) == wanted for item in args[0].items), expr.loc)


def compact(args: list[Node], expr: Expr) -> Node | None:
    """The list without empty strings and nulls; an unknown item could be either, so Unknown."""
    if not isinstance(args[0], Sequence) or any(isinstance(item, Unknown) for item in args[0].items):
        return None
    return Sequence(expr.loc, [item for item in args[0].items
                               if not (isinstance(item, Scalar) and item.value in (None, ""))])


def zipmap(args: list[Node], expr: Expr) -> Node | None:
    if not isinstance(args[0], Sequence) or not isinstance(args[1], Sequence):
        return None
    result = Mapping(expr.loc)
    for key, value in zip(args[0].items, args[1].items):
        result.set(text_of(key), key.loc, value)
    return result


def keys_values(which: str) -> Callable[[list[Node], Expr], Node | None]:
    def apply(args: list[Node], expr: Expr) -> Node | None:
        if not isinstance(args[0], Mapping):
            return None
        chosen: list[Node] = [Scalar(k, args[0].keys[k]) for k in args[0].values] if which == "keys" \
            else list(args[0].values.values())
        return Sequence(expr.loc, chosen)

    return apply
