"""Reading the evaluated values of a cloud resource: dotted paths, repeated blocks, flags and
settings, the same way for every format.

Terraform gives a nested block as a list of mappings, `.tf.json`, plan JSON and CloudFormation
may give one mapping; `null` is absence in both. Rules read values only through these (or the
`CloudResource` methods built on them), so each format's quirks are settled once, here.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, text, truth


def lookup(node: Node | None, path: str) -> Node | None:
    """The node at a dotted path. A block written as a sequence stands for its first item; an
    `Unknown` met on the way is returned as is, so the caller can tell it from absence. `null`
    is absence: Terraform reads `x = null` as "not set", and plan JSON lists unset arguments
    as null."""
    for step in path.split("."):
        node = _single(node)
        if isinstance(node, Unknown):
            return node
        if not isinstance(node, Mapping):
            return None
        node = node.get(step)
    return None if isinstance(node, Scalar) and node.value is None else node

def _single(node: Node | None) -> Node | None:
    if isinstance(node, Sequence):
        return node.items[0] if node.items else None
    return node

def blocks(node: Node | None, path: str = "") -> Iterator[Mapping]:
    """Every mapping at a dotted path, flattening repeated blocks and lists on the way."""
    if isinstance(node, Sequence):
        for item in node.items:
            yield from blocks(item, path)
        return
    if not isinstance(node, Mapping):
        return
    if not path:
        yield node
        return
    step, _, rest = path.partition(".")
    yield from blocks(node.get(step), rest)

def items(node: Node | None) -> list[Node]:
    """A list attribute's items; a single value stands for a one-item list."""
    if isinstance(node, Sequence):
        return list(node.items)
    return [] if node is None or (isinstance(node, Scalar) and node.value is None) else [node]

def flag(node: Node | None, path: str, default: bool | None) -> tuple[bool | None, Node | None]:
    """A boolean setting: (value, node); the default when absent, None when unknown."""
    found = lookup(node, path)
    if found is None:
        return default, None
    return truth(found), found

def setting(node: Node | None, path: str) -> tuple[str | None, Node | None, bool]:
    """A string setting: (lower-cased value, node, known). Absent is (None, None, True)."""
    found = lookup(node, path)
    if found is None:
        return None, None, True
    value = text(found)
    return (value.lower() if value is not None else None), found, value is not None

def unknown_in(node: Node | None) -> bool:
    """True when the value, or a list it is, holds anything that can't be known."""
    if isinstance(node, Unknown):
        return True
    return isinstance(node, Sequence) and any(isinstance(item, Unknown) for item in node.items)

def scalar_strings(node: Node | None) -> list[Scalar]:
    return [item for item in items(node) if isinstance(item, Scalar) and isinstance(item.value, str)]

def place(node: Node | None, path: str) -> Node | Location | None:
    """Where to report the value at `path`: a list or block written in place is reported at its
    key (a YAML block list starts on the line below it); anything else, including a list that
    came from a variable default, at the value itself."""
    value = lookup(node, path)
    parent = lookup(node, path.rpartition(".")[0]) if "." in path else _single(node)
    key_at = parent.keys.get(path.rpartition(".")[2]) if isinstance(parent, Mapping) else None
    if isinstance(value, (Mapping, Sequence)) and key_at is not None and value.loc.path == key_at.path \
            and 0 <= value.loc.line - key_at.line <= 1:
        return key_at
    return value
