"""Small readers the dialect adapters share: templated values, synthetic values, env sources."""

from __future__ import annotations

import re

from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown

# `${VAR}` (Compose, Terraform), `{{ .Values.x }}` (Helm), `$(VAR)` (Kubernetes env expansion).
# No brace inside a placeholder: otherwise each `${` or `{{` of an unclosed run scans to the end.
_TEMPLATE = re.compile(r"\$\{[^{}]*\}|\{\{[^{\n]*?\}\}|\$\([A-Za-z_][A-Za-z0-9_]*\)|^\$[A-Za-z_]\w*$")


def templated(value: object) -> bool:
    return isinstance(value, str) and bool(_TEMPLATE.search(value))


def settled(node: Node | None) -> Node | None:
    """The node as a rule should see it: a templated string becomes Unknown (it is decided at
    deploy time, so it is never reported as insecure)."""
    if isinstance(node, Scalar) and templated(node.value):
        return Unknown(str(node.value), node.loc, "templated value")
    return node


def synthetic(value: object, loc: Location) -> Scalar:
    """The model's value for a setting the dialect spells differently, at the original location."""
    return Scalar(value, loc)  # type: ignore[arg-type]


def mapping(node: Node | None) -> Mapping | None:
    return node if isinstance(node, Mapping) else None


def items(node: Node | None) -> list[Node]:
    return list(node.items) if isinstance(node, Sequence) else []


def pick(*nodes: Node | None) -> Node | None:
    """The first setting that is present: container level before pod level."""
    for node in nodes:
        if node is not None:
            return node
    return None


def keyed(parent: Node | None, key: str) -> Node | None:
    """The value under `key`, located at the key when it is a block list (whose own span
    starts on the next line), so a finding about the whole value points at the line naming it."""
    if not isinstance(parent, Mapping):
        return None
    value, where = parent.get(key), parent.keys.get(key)
    if isinstance(value, Sequence) and where is not None and where.line != value.loc.line:
        return Sequence(where._replace(end_line=value.loc.end_line, end_column=value.loc.end_column),
                        value.items)
    return value
