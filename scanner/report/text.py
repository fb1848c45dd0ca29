"""Terminal report: one line per finding that starts with a clickable `path:line:col`, the
offending source line under it, and a summary that ends with the verdict.

- Within a file, findings come worst first, then by line; the files come in path order.
- Messages wrap at `options.width` at word boundaries (0: never wrap, so that a log or a pipe
  keeps one line per finding; the CLI passes `COLUMNS`, else the terminal's width when standard
  output is one). A qualifier every finding of a file repeats (the rendering it came from, "the
  scan may hold only part of the cluster") is said once, after the file's findings.
- An excerpt is a window around the column (a line of minified JSON shows where it matters).

Colour is used only when `options.color` says so. Names and messages arrive neutralised
(`scanner.report.neutral`); the source lines read here are cleaned the same way, so a hostile file
cannot drive the terminal or start a line of its own. A source line is never echoed where a
secret is on it: where a secret detector matched (the scan's exposure, or the line itself), or
where the finding is about a secret value written there.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.boundary import printable
from scanner.inputs.decoding import NotText, decode
from scanner.report.formats import ReportOptions, pluralize, severity_counts, shown
from scanner.results.findings import SEVERITIES, Finding, severity_rank

if TYPE_CHECKING:
    from scanner.results.result import ScanResult
    from scanner.secrets.exposure import Exposure

COLORS = {"critical": "1;35", "high": "1;31", "medium": "33", "low": "36", "info": "2",
          "path": "1", "dim": "2", "caret": "31", "failed": "1;31", "passed": "1;32"}
UNWRAPPED_WINDOW = 160  # characters of a source line shown when the report is not wrapped
SEVERITY_WIDTH = max(len(severity) for severity in SEVERITIES)
# Checklist items whose findings are about a secret value written on their line.
SECRET_VALUE_ITEMS = frozenset({"secrets.hardcoded", "secrets.manager"})
# Qualifiers that messages carry and a file's findings often share: said once per file instead.
QUALIFIERS = (re.compile(r" \[((?:chart|kustomize|rendered Helm output)\b[^\]]*)\]"),
              re.compile(r" \((the scan may hold only part of the cluster[^)]*)\)"))

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


def _about_a_secret_value(finding: Finding) -> bool:
    return finding.rule.startswith("SEC") or not SECRET_VALUE_ITEMS.isdisjoint(finding.checklist)


def source_excerpt(finding: Finding, sources: Sources, paint: Paint, exposure: Exposure, width: int = 0) -> list[str]:
    """The offending line, cut to a window around the finding's column that fits `width`, and a
    caret underline of the finding's span on it; nothing where a secret is on the line."""
    if _about_a_secret_value(finding) or exposure.on_line(finding.path, finding.line):
        return []
    raw = sources.line(finding.path, finding.line)
    if raw is None or not raw.strip() or exposure.mask(raw) != raw:
        return []
    number = str(finding.line)
    gutter = 4 + len(number) + 3
    room = max(20, (width or UNWRAPPED_WINDOW + gutter) - gutter)
    line = raw.replace("\t", " ")
    start = min(finding.column, len(line) + 1) - 1
    end = finding.end_column - 1 if finding.end_line == finding.line else len(line)
    end = max(start + 1, min(end, len(line)))
    shown_text, offset = _window(line, start, room)
    caret_start = start - offset
    caret_width = max(1, min(end - offset, len(shown_text)) - caret_start)
    return [f"    {paint('dim', number + ' |')} {printable(shown_text)}",
            f"    {paint('dim', ' ' * len(number) + ' |')} {' ' * caret_start}{paint('caret', '^' * caret_width)}"]


def _window(line: str, start: int, room: int) -> tuple[str, int]:
    """The part of `line` to show, at most `room` characters with `...` where it was cut, and the
    position in `line` of its first character (the caret moves with it). The column sits a third
    of the way in, so what leads up to it shows too."""
    if len(line) <= room:
        return line, 0
    begin = max(0, start - room // 3)
    end = min(len(line), begin + room)
    begin = max(0, end - room)
    text = line[begin:end]
    if begin:
        text = "..." + text[3:]
    if end < len(line):
        text = text[:-3] + "..."
    return text, begin


def _shared_qualifiers(findings: list[Finding]) -> tuple[list[Finding], list[str]]:
    """The findings without the qualifiers all of them carry (when there are several), and those."""
    if len(findings) < 2:
        return findings, []
    shared = []
    for pattern in QUALIFIERS:
        found = {match.group(1) if (match := pattern.search(f.message)) else None for f in findings}
        if len(found) == 1 and None not in found:
            shared.append((pattern, found.pop()))
    if not shared:
        return findings, []
    from dataclasses import replace

    stripped = []
    for finding in findings:
        message = finding.message
        for pattern, _ in shared:
            message = pattern.sub("", message, count=1)
        stripped.append(replace(finding, message=message))
    return stripped, [str(text) for _, text in shared]


def _wrapped(first: str, text: str, width: int, indent: int) -> list[str]:
    """`first` followed by `text`, wrapped at word boundaries to `width` (not at all when 0),
    continuation lines indented by `indent`."""
    if not width:
        return [first + text]
    lines = textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=" " * indent,
                          break_long_words=False, break_on_hyphens=False) or [first]
    # A word from the scanned tree that starts a line must not start a GitHub workflow command
    # (the runner ignores leading whitespace): defused as `printable` defuses a leading `::`.
    return [re.sub(r"^(\s*)::", r"\1\\::", line) for line in lines]


def _file_lines(findings: list[Finding], sources: Sources, paint: Paint, exposure: Exposure,
                width: int, fixes: dict[str, str] | None = None) -> list[str]:
    """A file's findings, worst first: locations padded so that severities line up, an excerpt
    once for findings at the same span, the shared qualifiers at the end. `[*]` marks a finding
    `hullscan fix` fixes, `[*?]` one that `hullscan fix --unsafe` does."""
    findings = sorted(findings, key=lambda f: (severity_rank(f.severity), f.line, f.column, f.rule))
    findings, qualifiers = _shared_qualifiers(findings)
    location_width = max(len(_location(f)) for f in findings)
    prefix_width = location_width + 1 + SEVERITY_WIDTH + 1
    indent = prefix_width if prefix_width <= width // 2 else 4
    out: list[str] = []
    for number, finding in enumerate(findings):
        location = _location(finding).ljust(location_width)
        plain = f"{location} {finding.severity.ljust(SEVERITY_WIDTH)} "
        marker = {"safe": " [*]", "unsafe": " [*?]"}.get((fixes or {}).get(finding.rule, ""), "")
        lines = _wrapped(plain, f"{finding.rule}{marker} {finding.message}", width, indent)
        painted = f"{location} {paint(finding.severity, finding.severity.ljust(SEVERITY_WIDTH))} "
        out.append(painted + lines[0][len(plain):])
        out.extend(lines[1:])
        following = findings[number + 1] if number + 1 < len(findings) else None
        if following is None or _span(following) != _span(finding):
            out.extend(source_excerpt(finding, sources, paint, exposure, width))
    for qualifier in qualifiers:
        out.extend(paint("dim", line) for line in _wrapped("  note: ", f"{qualifier} (every finding above)", width, 8))
    return out


def _location(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}:"


def _span(finding: Finding) -> tuple[int, int, int, int]:
    return (finding.line, finding.column, finding.end_line, finding.end_column)


def summary_line(result: ScanResult, options: ReportOptions) -> str:
    counts = severity_counts(result.findings)
    parts = [f"{n} {severity}" for severity, n in counts.items() if n]
    found = (f"{pluralize(len(result.findings), 'finding')} ({', '.join(parts)})"
             if result.findings else "No findings")
    tail = [pluralize(len(result.errors), "error")] if result.errors else []
    if result.suppressed:
        tail.append(f"{len(result.suppressed)} suppressed"
                    + ("" if options.show_suppressed else " (--show-suppressed lists them)"))
    return ", ".join([f"{found} in {pluralize(result.files, 'file')} scanned", *tail]) + "."


def _advice(result: ScanResult) -> list[str]:
    """The rules that dominate (found most, worst first among equals), and how to read about or
    suppress the first of them; no ranking when no rule was found twice."""
    if not result.findings:
        return []
    names = {finding.rule: finding.name for finding in result.findings}
    worst = {finding.rule: severity_rank(finding.severity) for finding in result.findings}
    counts = Counter(finding.rule for finding in result.findings)
    top = sorted(counts.items(), key=lambda item: (-item[1], worst[item[0]], item[0]))[:3]
    first = top[0][0]
    ranking = [f"Most found: {', '.join(f'{rule} {names[rule]} ({count})' for rule, count in top)}."]
    return (ranking if top[0][1] > 1 else []) + [
        f"`hullscan explain {first}` says why and how to fix it; `# hullscan:ignore {first} <reason>` on "
        f"a line suppresses it there, `ignore: [{first}]` in .hullscan.yaml everywhere."]


def render(result: ScanResult, options: ReportOptions) -> str:
    paint = _painter(options.color)
    sources = Sources(options.root)
    width = options.width
    out: list[str] = []
    ordered = sorted(result.findings, key=lambda f: f.sort_key)
    fixes = {rule.id: rule.fix.applicability for rule in result.rules if rule.fix is not None}
    for _path, group in groupby(ordered, key=lambda f: f.path):
        out.extend(_file_lines(list(group), sources, paint, result.exposure, width, fixes))
        out.append("")
    suppressed = shown(result, options)
    if suppressed:
        out.append(paint("path", "Suppressed:"))
        for finding in sorted(suppressed, key=lambda f: f.sort_key):
            reason = finding.suppression.reason if finding.suppression else ""
            kind = finding.suppression.kind if finding.suppression else ""
            out.extend(_wrapped(f"{_location(finding)} {finding.rule} ",
                                f"{finding.message} [{kind}: {reason}]", width, 4))
        out.append("")
    if result.errors:
        out.append(paint("path", "Errors:"))
        for error in result.errors:
            where = f"{error.path}:{error.line}:" if error.line else f"{error.path}:"
            out.extend(_wrapped(f"{where} ", error.message, width, 4))
        out.append("")
    fixable = [f for f in result.findings if f.rule in fixes]
    safe = sum(1 for f in fixable if fixes[f.rule] == "safe")
    hint = [f"[*] {safe} fixable with `hullscan fix`, [*?] {len(fixable) - safe} more with `hullscan fix --unsafe`."] \
        if fixable else []
    for line in [summary_line(result, options), *_advice(result), *hint]:
        out.extend(paint("path", part) for part in _wrapped("", line, width, 0))
    if options.verdict:
        style = "failed" if options.verdict.startswith("failed") else "passed"
        out.extend(paint(style, part) for part in _wrapped("", options.verdict, width, 2))
    return "\n".join(out) + "\n"
