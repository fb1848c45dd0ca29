"""Reporters: one module per output format, all with the same interface.

Every format is `render(result: ScanResult, options: ReportOptions) -> str`, named in `FORMATS` and
imported only when asked for, so a text run never loads the SARIF object model. A reporter reads
findings, errors and the selected rules; it never looks at a parser or a rule's logic. `render`
gives it the result with names, paths and messages already neutralised (`scanner.report.neutral`),
so no format can forget to mask a secret or escape a newline.

A reporter that has to cut its output (SARIF keeps within what GitHub reads) says so by adding a
line to `result.notes`; the command line prints the notes on stderr after writing every report, so
nothing but the report reaches the output stream.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.lazy import load
from scanner.results.findings import SEVERITIES, Finding

if TYPE_CHECKING:
    from scanner.catalog.rules import Rule
    from scanner.results.result import ScanResult

FORMATS = {
    "text": "scanner.report.text:render",
    "json": "scanner.report.json_report:render",
    "sarif": "scanner.report.sarif:render",
    "junit": "scanner.report.junit:render",
    "gitlab-sast": "scanner.report.gitlab_sast:render",
    "codeclimate": "scanner.report.codeclimate:render",
    "markdown": "scanner.report.markdown:render",
}

TOOL_NAME = "hullscan"
# Checklist items whose findings point at a secret: their source line is never echoed.
SECRET_ITEMS = frozenset({"secrets.hardcoded", "secrets.manager", "image.sensitive-data"})

Renderer = Callable[["ScanResult", "ReportOptions"], str]


@dataclass(frozen=True)
class ReportOptions:
    """How to render. `root` is where finding paths are relative to (to read source lines);
    `docs_url` is a template such as `https://example.org/docs/rules/{id}.md` for links to rule
    pages (no links when empty); `started`/`finished` time the scan for formats that record it."""

    root: Path = field(default_factory=Path.cwd)
    sarif_category: str = ""
    color: bool = False
    show_suppressed: bool = False
    tool_version: str = ""
    docs_url: str = ""
    started: datetime | None = None
    finished: datetime | None = None
    width: int = 0  # where the text report wraps (0: nowhere)
    verdict: str = ""  # the run's outcome against --fail-on, as the exit code gives it

    @property
    def version(self) -> str:
        if self.tool_version:
            return self.tool_version
        from scanner import __version__

        return __version__

    def rule_url(self, rule_id: str) -> str:
        return self.docs_url.format(id=rule_id) if self.docs_url else ""


def get_renderer(name: str) -> Renderer:
    """The named format's `render`; a KeyError names an unknown format (the CLI offers FORMATS)."""
    return load(FORMATS[name])


def render(name: str, result: ScanResult, options: ReportOptions) -> str:
    """The report in format `name`, from a copy of `result` whose every string from the scanned
    tree has its secrets masked and its control characters escaped (`scanner.report.neutral`)."""
    from scanner.report.neutral import neutral

    return get_renderer(name)(neutral(result), options)


def json_text(data: object) -> str:
    """What `json.dumps(data, indent=2)` writes, plus a newline, written piece by piece into one
    buffer. An iterator in `data` (a report's findings) is written one item at a time, so a large
    report never holds every item as a dict at once."""
    buffer = io.StringIO()
    _write_json(data, buffer, 0)
    buffer.write("\n")
    return buffer.getvalue()


def _write_json(value: object, buffer: io.StringIO, depth: int) -> None:
    inner = "\n" + "  " * (depth + 1)
    if isinstance(value, Iterator):
        empty = True
        for item in value:
            buffer.write(("[" if empty else ",") + inner)
            _write_json(item, buffer, depth + 1)
            empty = False
        buffer.write("[]" if empty else "\n" + "  " * depth + "]")
    elif isinstance(value, dict) and value and any(isinstance(item, Iterator) for item in value.values()):
        for index, (key, item) in enumerate(value.items()):
            buffer.write(("{" if index == 0 else ",") + inner + json.dumps(key, ensure_ascii=False) + ": ")
            _write_json(item, buffer, depth + 1)
        buffer.write("\n" + "  " * depth + "}")
    else:  # JSON escapes newlines inside strings, so every newline here starts an indented line
        buffer.write(json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * depth))


def add_note(result: ScanResult, note: str) -> None:
    """Record a note once, even when the same report is written to two outputs."""
    if note not in result.notes:
        result.notes.append(note)


def shown(result: ScanResult, options: ReportOptions) -> list[Finding]:
    """The suppressed findings a report lists: none unless the user asked for them."""
    return list(result.suppressed) if options.show_suppressed else []


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts


def by_severity(findings: Iterable[Finding]) -> Iterator[tuple[str, list[Finding]]]:
    """Findings grouped worst first, each group in path/line order; empty groups skipped."""
    groups: dict[str, list[Finding]] = {severity: [] for severity in SEVERITIES}
    for finding in findings:
        groups.setdefault(finding.severity, []).append(finding)
    for severity, group in groups.items():
        if group:
            yield severity, sorted(group, key=lambda f: f.sort_key)


def rule_index(result: ScanResult) -> dict[str, Rule]:
    return {rule.id: rule for rule in result.rules}


def may_show_secret(finding: Finding) -> bool:
    """Whether the source at this finding may hold a secret value, which is never printed."""
    return finding.rule.startswith("SEC") or not SECRET_ITEMS.isdisjoint(finding.checklist)


def pluralize(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
