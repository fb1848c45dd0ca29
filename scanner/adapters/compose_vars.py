"""Compose interpolation, as `docker compose` applies it when a variable is not set.

`${X:-v}` and `${X-v}` are `v` when `X` is unset (the first also when it is empty), so a default
is what runs wherever nobody sets `X`: like a Terraform variable's default, it is a known value,
and a finding about it points at the default. `${X}`, `$X`, `${X:?err}` and `${X:+v}` depend on
the environment and stay Unknown, and so does any reference to a variable the project's `.env`
file sets (Compose reads that file; its value is not taken for the project's intent here). `$$` is
a literal `$`. Defaults may nest (`${X:-${Y:-v}}`).
"""

from __future__ import annotations

import re
from pathlib import Path

from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_LINE = re.compile(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=", re.MULTILINE)
MAX_NESTING = 16


class _Unresolved(Exception):
    """The value depends on the environment."""


def dotenv_names(compose_file: Path | None, root: Path, max_bytes: int) -> frozenset[str]:
    """The variables the `.env` file beside a Compose file sets (read through the boundary: a
    `.env` outside the root, or not a regular file, sets nothing here)."""
    from scanner.boundary import Boundary, Refused

    if compose_file is None:
        return frozenset()
    candidate = compose_file.parent / ".env"
    if not candidate.is_file():
        return frozenset()
    try:
        text = Boundary(root.resolve(), max_bytes).read_text(candidate)
    except Refused:
        return frozenset()
    return frozenset(_ENV_LINE.findall(text))


def resolved(node: Node | None, defined: frozenset[str]) -> Node | None:
    """A copy of `node` with every string interpolated: a Scalar when its value is known (located
    at the first default it used), Unknown when it depends on the environment."""
    if isinstance(node, Mapping):
        copy = Mapping(node.loc)
        for key, value in node.items():
            copy.set(key, node.keys[key], resolved(value, defined) or value)
        return copy
    if isinstance(node, Sequence):
        return Sequence(node.loc, [resolved(item, defined) or item for item in node.items])
    if isinstance(node, Scalar) and isinstance(node.value, str) and "$" in node.value:
        return interpolate(node, defined)
    return node


def interpolate(node: Scalar, defined: frozenset[str]) -> Node:
    raw = str(node.value)
    try:
        value, first_default = _expand(raw, defined, 0)
    except _Unresolved:
        return Unknown(raw, node.loc, "Compose interpolation of a variable set at run time")
    return Scalar(value, _at(node, raw, first_default), node.tag)


def _at(node: Scalar, raw: str, span: tuple[int, int] | None) -> Location:
    """The default's own columns when the scalar sits on one line as written (plain, or quoted
    without escapes), else the scalar's location."""
    loc = node.loc
    if span is None or loc.line != loc.end_line:
        return loc
    quotes = (loc.end_column - loc.column) - len(raw)
    if quotes not in (0, 2):
        return loc
    start = loc.column + quotes // 2
    return loc._replace(column=start + span[0], end_column=start + span[1])


def _expand(raw: str, defined: frozenset[str], depth: int) -> tuple[str, tuple[int, int] | None]:
    """`raw` interpolated, and where in `raw` the first default used is written (None if none)."""
    if depth > MAX_NESTING:
        raise _Unresolved
    out: list[str] = []
    first: tuple[int, int] | None = None
    index = 0
    while index < len(raw):
        dollar = raw.find("$", index)
        if dollar < 0:
            out.append(raw[index:])
            break
        out.append(raw[index:dollar])
        following = raw[dollar + 1:dollar + 2]
        if following == "$":
            out.append("$")
            index = dollar + 2
        elif following == "{":
            text, default_at, index = _braced(raw, dollar, defined, depth)
            out.append(text)
            first = first or default_at
        elif _NAME.match(raw, dollar + 1):
            raise _Unresolved  # `$X`
        else:
            out.append("$")
            index = dollar + 1
    return "".join(out), first


def _braced(raw: str, dollar: int, defined: frozenset[str], depth: int
            ) -> tuple[str, tuple[int, int], int]:
    """`${...}` starting at `dollar`: its value, where its default is written, the index after it."""
    name = _NAME.match(raw, dollar + 2)
    if name is None:
        raise _Unresolved
    after = name.end()
    operator = next((op for op in (":-", "-") if raw.startswith(op, after)), "")
    if not operator or name.group() in defined:
        raise _Unresolved  # `${X}`, `${X:?err}`, `${X:+v}`, or a variable the project sets
    start = after + len(operator)
    end = _closing(raw, start)
    inner, nested = _expand(raw[start:end], defined, depth + 1)
    written = (start + nested[0], start + nested[1]) if nested else (start, end)
    return inner, written, end + 1


def _closing(raw: str, start: int) -> int:
    """The `}` closing a default that begins at `start`, past nested `${...}`."""
    depth = 0
    for index in range(start, len(raw)):
        char = raw[index]
        if char == "{" and raw[index - 1:index] == "$":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
    raise _Unresolved  # unclosed: Compose refuses the file
