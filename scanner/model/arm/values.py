"""Values of an ARM evaluation: the node model, with objects whose keys ignore case.

Resource Manager compares property names without regard to case (`enableRBAC` and `enableRbac`
are one property), so the evaluated objects do too; rules can then read the documented spelling
whatever a template wrote. Known values turn into plain Python for the functions that compute
(`concat`, `equals`) and back into nodes at the expression's location; a value passed through
unchanged (`parameters('x')`, `if(...)`) keeps its own location: where it was written.
"""

from __future__ import annotations

from typing import Any

from scanner.nodes import Location, Mapping, Node, Sequence, Unknown, from_plain


class ArmObject(Mapping):
    """A JSON object whose keys are looked up without regard to case."""

    __slots__ = ("folded",)

    def __init__(self, loc: Location) -> None:
        super().__init__(loc)
        self.folded: dict[str, str] = {}

    def set(self, key: str, key_loc: Location, value: Node) -> None:
        written = self.folded.setdefault(key.lower(), key)
        if written != key:  # a second spelling of one property: the last value wins
            self.values.pop(written, None)
            self.keys.pop(written, None)
            self.folded[key.lower()] = key
        super().set(key, key_loc, value)

    def get(self, key: str) -> Node | None:
        return self.values.get(self.folded.get(key.lower(), key))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self.folded


def member(node: Node | None, key: str) -> Node | None:
    """`node[key]` for any object, written or evaluated, without regard to the key's case."""
    if isinstance(node, ArmObject) or not isinstance(node, Mapping):
        return node.get(key) if isinstance(node, Mapping) else None
    found = node.get(key)
    if found is not None:
        return found
    return next((value for name, value in node.items() if name.lower() == key.lower()), None)


class Unknowable(Exception):
    """A part of the value is Unknown: the function's result is Unknown too."""


def plain(node: Node | None) -> Any:
    """A known node as Python values; raises Unknowable where any part is unknown."""
    if node is None or isinstance(node, Unknown):
        raise Unknowable
    if isinstance(node, Mapping):
        return {key: plain(value) for key, value in node.items()}
    if isinstance(node, Sequence):
        return [plain(item) for item in node.items]
    return node.value  # type: ignore[attr-defined]


def to_node(value: Any, loc: Location) -> Node:
    """Python values as nodes, all at `loc` (where the expression that made them is written)."""
    return from_plain(value, loc, ArmObject)


def as_text(value: Any) -> str:
    """A value as ARM's `string()` and `concat()` write it: `True`, numbers, JSON for objects."""
    import json

    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)
