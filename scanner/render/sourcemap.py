"""Point findings in rendered Kubernetes output back at the file a person edits.

Rendered output (from Helm or Kustomize) is what gets deployed, so rules judge it; but a finding in
a stream nobody edits helps nobody. Each rendered document remembers the source files it may
come from (a Helm template; a Kustomize overlay's patches, then the base).

A Kustomize segment carries a line map made by object identity and node path
(`scanner.render.kustomize_map`): each rendered line knows its source line, and for a setting a
patch changes, the base's line too. A Helm template is not YAML, so there a finding's rendered
line is found again in the source by its text: the same line, else the same key (its value was a
template expression), the n-th such line when it repeats. A value that is not written in the
template but set in the rendering's values file, at a path the template reads, is found there
(`scanner.render.helm_values`), with the template line as a related location. When nothing is
found, the finding points at the one template line that reads a value of that name, else where the
resource starts, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from scanner.nodes import Location
from scanner.render.helm_values import ValuesFile, reading_line, trace
from scanner.results.findings import Finding, fingerprint

_SOURCE_COMMENT = re.compile(r"^# Source: (?P<path>\S.*?)\s*$", re.MULTILINE)
_KEY = re.compile(r"^(?:-\s+)*(?P<key>[^\s:#'\"{}\[\]][^:#]*?|\"[^\"]*\"|'[^']*'):(?:\s|$)")


@dataclass(frozen=True)
class SourceFile:
    rel: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Mapped:
    """Where a rendered line was written: `line` of `source`, `exact` unless only an enclosing
    setting was found; `also` holds the base's line of a setting that a patch changes, or the
    template line that reads a value set in a values file; `note` says where an inexact line is."""

    source: SourceFile
    line: int
    exact: bool
    also: tuple[tuple[SourceFile, int], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Segment:
    """Rendered lines `start`..`end` (1-based, inclusive) came from one of `sources`, best first.
    `lines`, when known, maps each rendered (line, column) to its source exactly (no search by
    text); column 0 stands for the line's outermost node, another column for a value written there.
    `values` are the values files of a Helm rendering, later ones overriding earlier ones."""

    start: int
    end: int
    sources: tuple[SourceFile, ...]
    lines: dict[tuple[int, int], Mapped] | None = field(default=None, compare=False)
    values: tuple[ValuesFile, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Origin:
    """How a rendered file maps back. `stream` is a path the user has (a rendered file or stdin
    name) for a related location, "" when the rendering happened inside the scan. `home` is the
    file that made the rendering (the chart's Chart.yaml, the overlay's kustomization): where a
    line no segment covers is reported, so that no report names the rendering's own made-up path."""

    rendering: str
    segments: tuple[Segment, ...]
    stream: str = ""
    home: str = ""


def _normal(line: str) -> str:
    return " ".join(line.strip().split())


def _key(line: str) -> str | None:
    match = _KEY.match(line.strip())
    return match.group("key").strip("'\"") if match else None


def _occurrence(rendered: list[str], start: int, line: int, wanted: str, by_key: bool) -> int:
    """Which occurrence (0-based) of the same text or key the finding's line is, in its segment."""
    count = 0
    for index in range(start - 1, line - 1):
        candidate = _key(rendered[index]) if by_key else _normal(rendered[index])
        count += candidate == wanted
    return count


def _find(source: SourceFile, wanted: str, occurrence: int, by_key: bool) -> int | None:
    hits = [number for number, text in enumerate(source.lines, start=1)
            if (_key(text) if by_key else _normal(text)) == wanted]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1 and occurrence < len(hits):
        return hits[occurrence]
    return None


def locate(rendered: list[str], segment: Segment, line: int, column: int = 0) -> tuple[SourceFile, int, bool]:
    """(source, line in it, exact?) for a rendered line (and column) inside `segment`."""
    found = place(rendered, segment, line, column)
    return found.source, found.line, found.exact


def place(rendered: list[str], segment: Segment, line: int, column: int = 0) -> Mapped:
    """Where a rendered line inside `segment` was written: from its line map, else by its text."""
    if segment.lines is not None:
        lines = segment.lines
        return lines.get((line, column)) or lines.get((line, 0)) or lines.get((segment.start, 0)) or Mapped(
            segment.sources[0], 1, False)
    text = rendered[line - 1] if 0 < line <= len(rendered) else ""
    wanted_text, wanted_key = _normal(text), _key(text)
    found = _search(rendered, segment, line, wanted_text, by_key=False)
    if found is None and wanted_key and segment.values:  # not in the template: set in a values file?
        found = _traced(text, wanted_key, segment)
    if found is None and wanted_key:
        found = _search(rendered, segment, line, wanted_key, by_key=True)
    return found or _unfound(segment.sources[0], wanted_key)


def _search(rendered: list[str], segment: Segment, line: int, wanted: str, by_key: bool) -> Mapped | None:
    """The source line with the same text (or key), the same occurrence of it as the rendered line."""
    if not wanted:
        return None
    occurrence = _occurrence(rendered, segment.start, line, wanted, by_key)
    for source in segment.sources:
        found = _find(source, wanted, occurrence, by_key)
        if found is not None:
            return Mapped(source, found, True)
    return None


def _traced(text: str, key: str, segment: Segment) -> Mapped | None:
    value = text.split(":", 1)[1] if ":" in text else ""
    for source in segment.sources:
        traced = trace(source.lines, segment.values, key, value) if value.strip() else None
        if traced is not None:
            values = SourceFile(traced.values.rel, traced.values.lines)
            return Mapped(values, traced.line, True, also=((source, traced.template_line),))
    return None


def _unfound(first: SourceFile, key: str | None) -> Mapped:
    """Where to point when the rendered line was found nowhere, with a note that says which line it is."""
    reading = reading_line(first.lines, key) if key else None
    if reading is not None:
        return Mapped(first, reading, False, note=f"showing the template line that reads `{key}`")
    start = next((n for n, t in enumerate(first.lines, 1) if t.strip() and not t.lstrip().startswith(("#", "{{"))), 0)
    if start:
        return Mapped(first, start, False, note="showing where the resource starts")
    return Mapped(first, 1, False, note="showing the template's first line")


def _moved(loc: Location, origins: dict[str, tuple[Origin, list[str]]]) -> Location:
    """A related location inside a rendered file, moved to its source line (kept if unmapped)."""
    mapped = origins.get(loc.path)
    segment = next((s for s in mapped[0].segments if s.start <= loc.line <= s.end), None) if mapped else None
    if mapped is not None and segment is None and mapped[0].home:
        return Location(mapped[0].home, 1)
    if mapped is None or segment is None:
        return loc
    source, line, _ = locate(mapped[1], segment, loc.line, loc.column)
    return Location(source.rel, line)


def remap(findings: Iterable[Finding], origins: dict[str, tuple[Origin, list[str]]]) -> list[Finding]:
    """Findings in rendered files moved to their sources; others unchanged."""
    result: list[Finding] = []
    for finding in findings:
        finding = replace(finding, related=tuple(_moved(loc, origins) for loc in finding.related))
        mapped = origins.get(finding.path)
        segment = None
        if mapped is not None:
            origin, rendered = mapped
            segment = next((s for s in origin.segments if s.start <= finding.line <= s.end), None)
        if mapped is None or segment is None:
            result.append(_at_home(finding, origin) if mapped is not None and origin.home else finding)
            continue
        found = place(rendered, segment, finding.line, finding.column)
        source, line = found.source, found.line
        message = f"{finding.message} [{origin.rendering}]"
        if not found.exact and segment.lines is None:
            message += f" (the line in the source was not found; {found.note or 'showing where the resource starts'})"
        related = (*(Location(base.rel, number) for base, number in found.also), *finding.related)
        if origin.stream:
            related = (Location(origin.stream, finding.line, finding.column, finding.end_line,
                                finding.end_column), *related)
        width = len(source.lines[line - 1]) if line <= len(source.lines) else 0
        column = len(source.lines[line - 1]) - len(source.lines[line - 1].lstrip()) + 1 if width else 1
        result.append(replace(
            finding, path=source.rel, line=line, column=column, end_line=line, end_column=width + 1,
            message=message, related=related,
            fingerprint=fingerprint(finding.rule, source.rel, f"{finding.resource} [{origin.rendering}]",
                                    finding.fingerprint)))
    return result


def _at_home(finding: Finding, origin: Origin) -> Finding:
    """A finding on rendered lines that no source file accounts for, at the file that made the
    rendering, saying where the object came from."""
    return replace(finding, path=origin.home, line=1, column=1, end_line=1, end_column=1,
                   message=f"{finding.message} [{origin.rendering}] (an object the rendering made: no source line "
                           "of it was found)",
                   fingerprint=fingerprint(finding.rule, origin.home, f"{finding.resource} [{origin.rendering}]",
                                           finding.fingerprint))


def stream_segments(text: str, resolve: dict[str, SourceFile]) -> list[Segment]:
    """Segments of a rendered Helm stream from its `# Source: CHART/templates/x.yaml` comments;
    `resolve` maps those comment paths to source files that exist in the scanned tree."""
    marks = [(text.count("\n", 0, m.start()) + 1, m.group("path")) for m in _SOURCE_COMMENT.finditer(text)]
    total = len(text.splitlines())
    segments = []
    for index, (line, path) in enumerate(marks):
        end = marks[index + 1][0] - 1 if index + 1 < len(marks) else total
        source = resolve.get(path)
        if source is not None:
            segments.append(Segment(line, end, (source,)))
    return segments


def source_comments(text: str) -> list[str]:
    return [m.group("path") for m in _SOURCE_COMMENT.finditer(text)]
