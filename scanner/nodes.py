"""The one node model every parser produces.

A rule can only report what it can locate, so every value carries the span it was read from.
Values that cannot be known statically (a Terraform variable without a default, a Helm value that
was never rendered, a CloudFormation `!Ref` to a parameter) are `Unknown` nodes: helpers below return
`None` for them, and rules treat `None` as "can't tell", never as insecure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

ScalarValue = str | int | float | bool | None


class Location(NamedTuple):
    """A span in a file: 1-based lines and columns, end column exclusive."""

    path: str
    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0

    def at_least_line_one(self) -> Location:
        """Reporters need a real line; a synthetic value may lack one."""
        line = max(self.line, 1)
        return self._replace(line=line, end_line=max(self.end_line, line))


class Node:
    """Base of the node model; `loc` is where the value was written."""

    __slots__ = ("loc",)

    def __init__(self, loc: Location) -> None:
        self.loc = loc


class Scalar(Node):
    """A string, number, boolean or null. `tag` keeps a YAML tag such as `!!binary`."""

    __slots__ = ("value", "tag")

    def __init__(self, value: ScalarValue, loc: Location, tag: str = "") -> None:
        super().__init__(loc)
        self.value = value
        self.tag = tag

    def __repr__(self) -> str:
        return f"Scalar({self.value!r}@{self.loc.line})"


class Mapping(Node):
    """Ordered key -> value; `keys` keeps each key's own location (findings point at the key)."""

    __slots__ = ("values", "keys")

    def __init__(self, loc: Location) -> None:
        super().__init__(loc)
        self.values: dict[str, Node] = {}
        self.keys: dict[str, Location] = {}

    def set(self, key: str, key_loc: Location, value: Node) -> None:
        self.values[key] = value
        self.keys[key] = key_loc

    def get(self, key: str) -> Node | None:
        return self.values.get(key)

    def items(self) -> Iterator[tuple[str, Node]]:
        return iter(self.values.items())

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"Mapping({list(self.values)}@{self.loc.line})"


class Sequence(Node):
    __slots__ = ("items",)

    def __init__(self, loc: Location, items: list[Node] | None = None) -> None:
        super().__init__(loc)
        self.items: list[Node] = items if items is not None else []

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"Sequence({len(self.items)}@{self.loc.line})"


class Unknown(Node):
    """A value only known at deploy time; `source` is its text as written (e.g. `var.image`)."""

    __slots__ = ("source", "reason")

    def __init__(self, source: str, loc: Location, reason: str = "") -> None:
        super().__init__(loc)
        self.source = source
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.source!r}@{self.loc.line})"


def walk(node: Node | None, path: str = "") -> Iterator[tuple[str, Node]]:
    """Every node below `node` with a dotted path (`spec.containers[0].image`), depth first."""
    stack: list[tuple[str, Node]] = [(path, node)] if node is not None else []
    while stack:
        here, current = stack.pop()
        yield here, current
        if isinstance(current, Mapping):
            children = [(f"{here}.{k}" if here else k, v) for k, v in current.items()]
        elif isinstance(current, Sequence):
            children = [(f"{here}[{i}]", v) for i, v in enumerate(current.items)]
        else:
            continue
        stack.extend(reversed(children))


def dig(node: Node | None, *keys: str | int) -> Node | None:
    """Follow keys (str for mappings, int for sequences); None where the path is absent or unknown."""
    for key in keys:
        if isinstance(key, str) and isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(key, int) and isinstance(node, Sequence) and -len(node) <= key < len(node):
            node = node.items[key]
        else:
            return None
    return node


def known(node: Node | None) -> ScalarValue:
    """The scalar's value, or None when absent, unknown or not a scalar."""
    return node.value if isinstance(node, Scalar) else None


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def truth(node: Node | None) -> bool | None:
    """Three-valued truth: True, False, or None for absent/unknown. Accepts "true"/"false" strings
    because CloudFormation, Compose and ECS JSON write booleans as strings as often as not."""
    value = known(node)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return None


def text(node: Node | None) -> str | None:
    """A known scalar as a string (numbers included); None otherwise."""
    value = known(node)
    if value is None or isinstance(value, bool):
        return None if value is None else str(value).lower()
    return str(value)


def strings(node: Node | None) -> list[Scalar]:
    """The known string items of a sequence (or a single scalar), skipping unknown ones."""
    if isinstance(node, Scalar):
        return [node]
    if isinstance(node, Sequence):
        return [item for item in node.items if isinstance(item, Scalar) and item.value is not None]
    return []


def key_loc(mapping: Node | None, key: str) -> Location | None:
    """Where `key` is written in `mapping`: the place to report a bad value set under it."""
    if isinstance(mapping, Mapping):
        return mapping.keys.get(key)
    return None


def from_plain(value: object, loc: Location, mapping: type[Mapping] = Mapping) -> Node:
    """Plain Python values (an evaluator's function results) as nodes, all located at `loc`, where
    the expression that made them is written; `mapping` is the interpreter's object type (ARM's
    objects match keys without regard to case). A node is kept as it is."""
    if isinstance(value, Node):
        return value
    if isinstance(value, dict):
        result = mapping(loc)
        for key, item in value.items():
            result.set(str(key), loc, from_plain(item, loc, mapping))
        return result
    if isinstance(value, (list, tuple)):
        return Sequence(loc, [from_plain(item, loc, mapping) for item in value])
    return Scalar(value, loc)  # type: ignore[arg-type]


def to_plain(node: Node | None, prefix: str = "", lines: dict[str, int] | None = None) -> Any:
    """Plain Python values (for configuration and chart metadata), optionally remembering each
    dotted key's line in `lines` so that errors about a value can name where it was written."""
    if isinstance(node, Mapping):
        result = {}
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if lines is not None:
                lines[path] = node.keys[key].line
            result[key] = to_plain(value, path, lines)
        return result
    if isinstance(node, Sequence):
        return [to_plain(item, prefix, lines) for item in node.items]
    return node.value if isinstance(node, Scalar) else None
