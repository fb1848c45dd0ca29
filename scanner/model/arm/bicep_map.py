"""Locations in a template `bicep build` wrote, moved to the `.bicep` lines that wrote them.

The built JSON keeps Bicep's declaration order: its n-th resource of a type is the n-th
`resource` declaration of that type (an `existing` one deploys nothing and is not in the JSON),
and its n-th nested deployment is the n-th `module`. Inside a declaration, a property is found by
its path, read from the Bicep text by following braces and brackets (`properties:` then
`agentPoolProfiles: [` then the second `{` then `enableNodePublicIP: true`); a value with no line
of its own (a default, a computed name) takes its nearest written parent's line, and at worst the
declaration's. Nothing is evaluated here: the built template is evaluated like any ARM template.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from scanner.nodes import Location, Mapping, Node, Sequence

_DECLARATION = re.compile(r"^\s*(resource|module)\s+\w+\s+'([^'@]*)(?:@[^']*)?'(?P<existing>\s+existing)?")
_NAMED = re.compile(r"^\s*(param|var)\s+([A-Za-z_]\w*)\b")
_KEY = re.compile(r"^\s*'?([A-Za-z_$][\w$-]*)'?\s*:")
Path = tuple[str | int, ...]


@dataclass
class Declaration:
    kind: str  # the resource type, or "module"
    line: int
    paths: dict[Path, int] = field(default_factory=dict)


def declarations(text: str) -> list[Declaration]:
    """Every deployed `resource` and `module` with the line of each property it writes."""
    lines = text.splitlines()
    found: list[Declaration] = []
    index = 0
    while index < len(lines):
        match = _DECLARATION.match(lines[index])
        if match is None or match.group("existing"):
            index += 1
            continue
        kind = "module" if match.group(1) == "module" else match.group(2).lower()
        declaration = Declaration(kind, index + 1)
        index = _body(lines, index, declaration.paths)
        found.append(declaration)
    return found


def _body(lines: list[str], start: int, paths: dict[Path, int]) -> int:
    """Record the paths of the body opening on line `start` (0-based); the index after it. Every
    bracket the declaration line opens (`= [for x in xs: {`) stands for the body itself."""
    frames: list[list] = []  # [path, is an array, items seen]
    for index in range(start, len(lines)):
        line = _code(lines[index])
        path: Path = ()
        if index > start and frames:
            key = _KEY.match(line)
            path, is_array, seen = frames[-1]
            if key:
                path = (*path, key.group(1).lower())
            elif is_array and line.strip() and line.strip()[0] not in "]}":
                frames[-1][2] += 1
                path = (*path, seen)
            if path != frames[-1][0]:
                paths.setdefault(path, index + 1)
        for char in line:
            if char in "{[":
                frames.append([path, char == "[", 0])
            elif char in "}]" and frames:
                frames.pop()
                if not frames:
                    return index + 1
    return len(lines)


def _code(line: str) -> str:
    """The line without its `//` comment and the text of its strings (braces inside are text)."""
    line = re.sub(r"'(?:[^'\\]|\\.)*'", "''", line)
    return line.split("//", 1)[0]


def relocate(document: Node, bicep_text: str, rel: str) -> None:
    """Move every location of the built template to the Bicep line that wrote it: parameters
    and variables to their `param` and `var` lines, resources as above, anything else to line 1."""
    lines = bicep_text.splitlines()
    _move(document, (), {}, 1, lines, rel)
    named = {(match.group(1), match.group(2)): number for number, line in enumerate(lines, start=1)
             if (match := _NAMED.match(line))}
    for section, word in (("parameters", "param"), ("variables", "var")):
        values = document.get(section) if isinstance(document, Mapping) else None
        if not isinstance(values, Mapping):
            continue
        for name, value in values.items():
            line = named.get((word, name), 1)
            values.keys[name] = _at(rel, line, lines)
            _move(value, (), {}, line, lines, rel)
    resources = document.get("resources") if isinstance(document, Mapping) else None
    queue: dict[str, list[Declaration]] = {}
    for declaration in declarations(bicep_text):
        queue.setdefault(declaration.kind, []).append(declaration)
    for resource in _entries(resources):
        kind = str(_get(resource, "type") or "").lower()
        waiting = queue.get("module" if kind == "microsoft.resources/deployments" else kind) or []
        matched = waiting.pop(0) if waiting else None
        _move(resource, (), matched.paths if matched else {}, matched.line if matched else 1, lines, rel)


def _move(node: Node, path: Path, paths: dict[Path, int], line: int, lines: list[str], rel: str) -> None:
    here = paths.get(path, line)
    node.loc = _at(rel, here, lines)
    if isinstance(node, Mapping):
        for key, value in node.items():
            child = (*path, key.lower())
            node.keys[key] = _at(rel, paths.get(child, here), lines)
            _move(value, child, paths, here, lines, rel)
    elif isinstance(node, Sequence):
        for index, item in enumerate(node.items):
            _move(item, (*path, index), paths, here, lines, rel)


def _at(rel: str, line: int, lines: list[str]) -> Location:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    start = len(text) - len(text.lstrip()) + 1
    return Location(rel, line, start, line, len(text) + 1)


def _entries(resources: Node | None) -> Iterator[Mapping]:
    items = resources.items if isinstance(resources, Sequence) else \
        list(resources.values.values()) if isinstance(resources, Mapping) else []
    return (item for item in items if isinstance(item, Mapping))


def _get(node: Mapping, key: str) -> object:
    value = node.get(key)
    return getattr(value, "value", None)
