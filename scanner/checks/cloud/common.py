"""Reading cloud resources the same way for Terraform and CloudFormation.

A Terraform nested block is a sequence of mappings (`vpc_config { ... }` -> [ {...} ]) while its
CloudFormation twin is a plain mapping (`ResourcesVpcConfig: {...}`); these helpers walk both, so a
rule is one table of attribute paths per resource type instead of one copy per format. Absent and
unknown are kept apart: absent means the provider default applies, `Unknown` means "can't tell"
and is never reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.checks.cidr import everywhere
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, text, truth
from scanner.results.findings import Hit, hit_at

WORLD = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0"})


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


def report(resource: Any, node: Node | Location | None, key: str, **args: str) -> Hit:
    """A hit at the offending value (wherever the model located it, a variable default included),
    or at the resource's first line when the setting is missing."""
    return hit_at(node if node is not None else resource.loc, resource.label, key, **args)


def is_world(node: Node | None) -> bool:
    value = text(node)
    return value is not None and (value.strip().lower() in WORLD or everywhere(value))


def scalar_strings(node: Node | None) -> list[Scalar]:
    return [item for item in items(node) if isinstance(item, Scalar) and isinstance(item.value, str)]


def refers_to(node: Node | None, resource: Any) -> bool | None:
    """Whether a value points at `resource` (`aws_vpc.main.id`, `!Ref Vpc`, `!GetAtt Vpc.Arn`).
    False for a literal or a reference to another managed resource; None when the scanner can't
    follow it (a variable without a value, a data source, an expression)."""
    from scanner.model.cloud import Reference

    if isinstance(node, Reference):
        if node.target == resource.name or resource.name.startswith(node.target + "["):
            return True
        return None if node.target.startswith("data.") or ".data." in node.target else False
    if isinstance(node, Unknown):
        return None
    return False if text(node) is not None else None


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
