"""Which values-file line gave a rendered Helm value.

A template line such as `privileged: {{ .Values.securityContext.privileged }}` renders as
`privileged: true`: the text is not in the template, and the line a person edits to change it is
in the values file. A rendered value is traced there only when the values file holds that very
value at a path the template reads (`.Values.securityContext.privileged`, or a parent the template
writes out whole, such as `toYaml .Values.securityContext`, under the same key); a guess that
could point at the wrong line is not made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scanner.boundary import Boundary
from scanner.nodes import Mapping, Node, Scalar
from scanner.render.nodepaths import nodes

Path_ = tuple[str, ...]
_REFERENCE = re.compile(r"\.Values((?:\.\w+)+)")
_QUOTED = re.compile(r"^(?:\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)')$")


@dataclass(frozen=True)
class ValuesFile:
    """A values file as the scanned tree names it (`rel`), its lines, and each value set under
    mappings only: (path, the value as a template prints it, the line of its key)."""

    rel: str
    lines: tuple[str, ...]
    leaves: tuple[tuple[Path_, str, int], ...]


@dataclass(frozen=True)
class Traced:
    """A rendered value found in `values` at `line`; `template_line` reads it."""

    values: ValuesFile
    line: int
    template_line: int


def read_values(boundary: Boundary, path: Path, rel: str) -> ValuesFile | None:
    """The values file at `path`, read through the boundary; None when absent, refused or broken."""
    from scanner.parse.yaml import parse_documents

    try:
        text = boundary.read_text(path)
        documents = parse_documents(text, rel)
    except Exception:  # noqa: BLE001 - the renderer reports a broken values file in its own words
        return None
    if not documents or not isinstance(documents[0], Mapping):
        return None
    return ValuesFile(rel, tuple(text.splitlines()), tuple(_leaves(documents[0])))


def _leaves(root: Node) -> list[tuple[Path_, str, int]]:
    found = []
    for path, line, _, node in nodes(root):
        if isinstance(node, Scalar) and node.value is not None and not any(s.startswith("[") for s in path):
            found.append((path, _printed(node.value), line))
    return found


def _printed(value: object) -> str:
    """The value as `{{ }}` prints it (Go writes booleans in lower case)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def references(template: tuple[str, ...]) -> list[tuple[Path_, int]]:
    """Every `.Values.a.b` path the template reads, with its line."""
    return [(tuple(m.group(1)[1:].split(".")), number) for number, text in enumerate(template, 1)
            for m in _REFERENCE.finditer(text)]


def trace(template: tuple[str, ...], files: tuple[ValuesFile, ...], key: str, value: str) -> Traced | None:
    """Where the rendered `key: value` was set. `files` are the rendering's values files, later
    ones overriding earlier ones, as Helm merges them. None unless exactly one place fits best."""
    value = _unquoted(value)
    reads: dict[Path_, list[int]] = {}
    for read, number in references(template):
        reads.setdefault(read, []).append(number)
    effective: dict[Path_, tuple[ValuesFile, int] | None] = {}  # a later file overrides an earlier one
    for values in files:
        for path, printed, line in values.leaves:
            effective[path] = (values, line) if printed == value else None
    ranked: list[tuple[int, Traced]] = []
    for path, found in effective.items():
        if found is None:
            continue
        values, line = found
        enclosing = [reads[path[:n]][-1] for n in range(len(path) - 1, 0, -1) if path[:n] in reads]
        if path in reads:
            ranked.append((2 + (path[-1] == key), Traced(values, line, _writing(template, reads[path], key))))
        elif enclosing and path[-1] == key:
            ranked.append((1, Traced(values, line, enclosing[0])))
    if not ranked:
        return None
    best = max(rank for rank, _ in ranked)
    winners = [traced for rank, traced in ranked if rank == best]
    return winners[0] if len(winners) == 1 else None


def _writing(template: tuple[str, ...], lines: list[int], key: str) -> int:
    """Of the lines that read a value, the one that writes it under `key`, else the first."""
    return next((n for n in lines if template[n - 1].lstrip(" -").startswith(f"{key}:")), lines[0])


def reading_line(template: tuple[str, ...], key: str) -> int | None:
    """The one template line that reads a value named `key`, if exactly one does."""
    lines = {number for path, number in references(template) if path[-1] == key}
    return lines.pop() if len(lines) == 1 else None


def _unquoted(value: str) -> str:
    match = _QUOTED.match(value.strip())
    if match is None:
        return value.strip()
    return match.group("double") if match.group("double") is not None else match.group("single")
