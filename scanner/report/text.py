"""Terminal report: findings grouped by file, each with the offending source line underlined.

A container's hygiene findings are one entry listing the settings, and an entry found the same in
several files is shown once naming the others (`scanner.report.grouping`); the summary still
counts every finding.

Colour is used only when `options.color` says so (the CLI decides: a terminal, no NO_COLOR). Names
and messages arrive neutralised (`scanner.report.neutral`); the source lines read here are cleaned
the same way, so a hostile file cannot drive the terminal or start a line of its own. A source line
is never echoed where any secret detector matched it, whatever rule the finding belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.boundary import printable
from scanner.inputs.decoding import NotText, decode
from scanner.report.formats import ReportOptions, may_show_secret, pluralize, rule_index, severity_counts, shown
from scanner.report.grouping import Entry, group
from scanner.results.findings import SEVERITIES, Finding

if TYPE_CHECKING:
    from scanner.results.result import ScanResult
    from scanner.secrets.exposure import Exposure

COLORS = {"critical": "1;35", "high": "1;31", "medium": "33", "low": "36", "info": "2",
          "path": "1", "dim": "2", "caret": "31"}
MAX_LINE = 200
SEVERITY_WIDTH = max(len(severity) for severity in SEVERITIES)

Paint = Callable[[str, str], str]


def _painter(color: bool) -> Paint:
    if not color:
        return lambda _style, text: text
    return lambda style, text: f"\x1b[{COLORS[style]}m{text}\x1b[0m"


class Sources:
    """Reads each scanned file at most once; a file that can't be read just shows no source.

    Only files inside the root are read: a finding's path (a `--stdin-name`, say) never makes the
    report print a line from elsewhere."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.cache: dict[str, list[str] | None] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self.cache:
            self.cache[path] = self._read(path)
        lines = self.cache[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _read(self, path: str) -> list[str] | None:
        try:
            target = (self.root / path).resolve()
            if not target.is_relative_to(self.root) or not target.is_file():
                return None
            return decode(target.read_bytes()).splitlines()  # as the scan read it: UTF-16 too
        except (OSError, ValueError, RuntimeError, NotText):
            return None


def source_excerpt(finding: Finding, sources: Sources, paint: Paint, exposure: Exposure) -> list[str]:
    """The offending line and a caret underline of the finding's span on it; nothing where the
    line holds a secret (one the scan's detectors found there, or one they find in the line)."""
    if may_show_secret(finding) or exposure.on_line(finding.path, finding.line):
        return []
    raw = sources.line(finding.path, finding.line)
    if raw is None or not raw.strip() or exposure.mask(raw) != raw:
        return []
    line = printable(raw[:MAX_LINE].replace("\t", " "))
    start = min(finding.column, len(line) + 1) - 1
    end = finding.end_column - 1 if finding.end_line == finding.line else len(line)
    width = max(1, min(end, len(line)) - start)
    pad = " " * start
    number = str(finding.line)
    return [f"    {paint('dim', number + ' |')} {line}",
            f"    {paint('dim', ' ' * len(number) + ' |')} {pad}{paint('caret', '^' * width)}"]


MAX_ELSEWHERE = 5


def _file_lines(entries: list[Entry], sources: Sources, paint: Paint, exposure: Exposure) -> list[str]:
    """A file's entries, positions and severities padded so they line up; a source excerpt is
    shown once for entries at the same span."""
    width = max(len(f"{e.lead.line}:{e.lead.column}") for e in entries)
    out: list[str] = []
    for number, entry in enumerate(entries):
        finding = entry.lead
        position = f"{finding.line}:{finding.column}".ljust(width)
        severity = paint(entry.severity, entry.severity.ljust(SEVERITY_WIDTH))
        if entry.hygiene:
            out.append(f"  {position}  {severity}  {finding.resource}: "
                       f"{pluralize(len(entry.findings), 'hardening setting')} to add or fix")
            out.extend(_settings(entry, paint))
        else:
            out.append(f"  {position}  {severity}  {finding.rule} {finding.name}  {finding.message}")
        if entry.elsewhere:
            out.append(paint("dim", f"      the same in {_elsewhere(entry.elsewhere)}"))
        following = entries[number + 1].lead if number + 1 < len(entries) else None
        if following is None or _span(following) != _span(finding):
            out.extend(source_excerpt(finding, sources, paint, exposure))
    return out


def _settings(entry: Entry, paint: Paint) -> list[str]:
    """A hygiene entry's settings, one line per place: `12:9  CTR003 privilege-escalation-allowed`."""
    places: dict[tuple[int, int], list[str]] = {}
    for finding in entry.findings:
        places.setdefault((finding.line, finding.column), []).append(f"{finding.rule} {finding.name}")
    return [f"      {paint('dim', f'{line}:{column}')}  {', '.join(names)}" for (line, column), names in places.items()]


def _elsewhere(leads: tuple[Finding, ...]) -> str:
    places = [f"{lead.path}:{lead.line}" for lead in leads[:MAX_ELSEWHERE]]
    more = len(leads) - len(places)
    return pluralize(len(leads), "other file") + ": " + ", ".join(places) + (f" and {more} more" if more else "")


def _span(finding: Finding) -> tuple[int, int, int, int]:
    return (finding.line, finding.column, finding.end_line, finding.end_column)


def summary_line(result: ScanResult, options: ReportOptions, entries: int | None = None) -> str:
    counts = severity_counts(result.findings)
    parts = [f"{n} {severity}" for severity, n in counts.items() if n]
    if entries is not None and entries != len(result.findings):
        parts.append(f"shown as {pluralize(entries, 'entry').replace('entrys', 'entries')}")
    found = (f"{pluralize(len(result.findings), 'finding')} ({', '.join(parts)})"
             if result.findings else "No findings")
    tail = [pluralize(len(result.errors), "error")] if result.errors else []
    if result.suppressed:
        tail.append(f"{len(result.suppressed)} suppressed"
                    + ("" if options.show_suppressed else " (--show-suppressed lists them)"))
    return ", ".join([f"{found} in {pluralize(result.files, 'file')} scanned", *tail]) + "."


def render(result: ScanResult, options: ReportOptions) -> str:
    paint = _painter(options.color)
    sources = Sources(options.root)
    out: list[str] = []
    entries = group(result.findings, rule_index(result))
    for path, in_file in groupby(entries, key=lambda e: e.lead.path):
        out.append(paint("path", path))
        out.extend(_file_lines(list(in_file), sources, paint, result.exposure))
        out.append("")
    suppressed = shown(result, options)
    if suppressed:
        out.append(paint("path", "Suppressed:"))
        for finding in sorted(suppressed, key=lambda f: f.sort_key):
            reason = finding.suppression.reason if finding.suppression else ""
            kind = finding.suppression.kind if finding.suppression else ""
            out.append(f"  {finding.path}:{finding.line}:{finding.column}  {finding.rule} "
                       f"{finding.name}  {finding.message}  [{kind}: {reason}]")
        out.append("")
    if result.errors:
        out.append(paint("path", "Errors:"))
        for error in result.errors:
            where = f"{error.path}:{error.line}" if error.line else error.path
            out.append(f"  {where}: {error.message}")
        out.append("")
    out.append(paint("path", summary_line(result, options, len(entries))))
    return "\n".join(out) + "\n"
