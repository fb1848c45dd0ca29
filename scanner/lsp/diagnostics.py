"""Findings and errors as LSP diagnostics: the range to underline, the rule as the code.

A finding's span is 1-based with an exclusive end column, in characters. An editor underlines the
line to edit, so a span over several lines (an object reported for what it lacks) is shown on its
first line, and an empty span grows to the word it starts. Positions go out in the encoding the
client chose (UTF-16 unless it offered another), through pygls's codec.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from scanner.results.findings import Finding, ScanError

SOURCE = "hullscan"
SEVERITY = {"critical": types.DiagnosticSeverity.Error, "high": types.DiagnosticSeverity.Error,
            "medium": types.DiagnosticSeverity.Warning, "low": types.DiagnosticSeverity.Information,
            "info": types.DiagnosticSeverity.Hint}

Span = tuple[int, int, int, int]  # 0-based start line, start character, end line, end character


@dataclass(frozen=True)
class Flagged:
    """A diagnostic and the finding it shows (None for an error), kept for actions and hover."""

    diagnostic: types.Diagnostic
    finding: Finding | None
    span: Span  # in characters, before the client's encoding


def finding_span(lines: Sequence[str], line: int, column: int, end_line: int, end_column: int) -> Span:
    """The characters to underline for a 1-based span, within the text as it is."""
    if not lines:
        return 0, 0, 0, 0
    row = min(max(line, 1), len(lines)) - 1
    text = lines[row]
    start = min(max(column, 1) - 1, len(text))
    if end_line == line and end_column > column:
        return row, start, row, min(end_column - 1, len(text))
    if end_line > line:
        return row, start, row, max(len(text.rstrip()), start)
    word = start
    while word < len(text) and not text[word].isspace():
        word += 1
    return row, start, row, word if word > start else len(text)


def _range(span: Span, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    plain = types.Range(types.Position(span[0], span[1]), types.Position(span[2], span[3]))
    return codec.range_to_client_units(lines, plain)


def from_finding(finding: Finding, lines: Sequence[str], codec: PositionCodec, page: Callable[[str], str],
                 root: Path) -> Flagged:
    span = finding_span(lines, finding.line, finding.column, finding.end_line, finding.end_column)
    href = page(finding.rule)
    related = [types.DiagnosticRelatedInformation(
        types.Location((root / loc.path).as_uri(), types.Range(types.Position(max(loc.line - 1, 0), max(loc.column - 1, 0)),
                                                               types.Position(max(loc.line - 1, 0), max(loc.column - 1, 0)))),
        f"related: {loc.path}:{loc.line}") for loc in finding.related if loc.path]
    diagnostic = types.Diagnostic(
        range=_range(span, lines, codec), message=finding.message, severity=SEVERITY.get(finding.severity),
        code=finding.rule, code_description=types.CodeDescription(href) if href else None, source=SOURCE,
        related_information=related or None, data={"rule": finding.rule, "fingerprint": finding.fingerprint})
    return Flagged(diagnostic, finding, span)


def from_error(error: ScanError, lines: Sequence[str], codec: PositionCodec) -> Flagged:
    """A file that could not be read or parsed: one diagnostic at its line (the first when unknown)."""
    row = min(max(error.line, 1), max(len(lines), 1)) - 1
    span = (row, 0, row, len(lines[row]) if row < len(lines) else 0)
    diagnostic = types.Diagnostic(range=_range(span, lines, codec), message=error.message,
                                  severity=types.DiagnosticSeverity.Error, source=SOURCE)
    return Flagged(diagnostic, None, span)


def for_file(findings: Sequence[Finding], errors: Sequence[ScanError], rel: str, text: str, codec: PositionCodec,
             page: Callable[[str], str], root: Path) -> list[Flagged]:
    """What to show on one file: its errors first, then its findings in the scan's order."""
    lines = text.splitlines()
    flagged = [from_error(error, lines, codec) for error in errors if error.path == rel]
    flagged += [from_finding(finding, lines, codec, page, root) for finding in findings if finding.path == rel]
    return flagged
