"""What every reporter receives: the scan result with each string from the scanned tree made safe.

Names, paths, messages, suppression reasons and errors are built from what the repository wrote
(a resource called `evil\\n::stop-commands::x`, a file name with a newline, a rule name from a
`rules-dir`), and a message may quote a value that is a secret. Reporters are many and grow, so
none of them is trusted to remember: `scanner.report.formats.render` hands each one a copy in which every
such string has had its secrets masked (`scanner.secrets.exposure`) and then been made printable
on one line (`scanner.boundary.printable`: control characters escaped, a leading `::` defused).
What is left to a format is its own syntax (XML, Markdown), which its module escapes.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from scanner.boundary import printable
from scanner.nodes import Location
from scanner.results.findings import Finding, ScanError, Suppression
from scanner.secrets.exposure import Exposure

if TYPE_CHECKING:
    from collections.abc import Callable

    from scanner.results.result import ScanResult


def neutral(result: ScanResult) -> ScanResult:
    """A copy of `result` safe to print; `notes` stays the same list, so that a reporter's note
    (SARIF cut to size) reaches the caller."""
    safe = _cleaner(result.exposure)
    exposure = Exposure({printable(path): lines for path, lines in result.exposure.lines.items()},
                        result.exposure.values)
    return replace(result, findings=[_finding(f, safe) for f in result.findings],
                   suppressed=[_finding(f, safe) for f in result.suppressed],
                   errors=[ScanError(printable(e.path), safe(e.message), e.line) for e in result.errors],
                   exposure=exposure)


def _cleaner(exposure: Exposure) -> Callable[[str], str]:
    @cache  # one cleaner per report: paths and names repeat on every finding
    def safe(text: str) -> str:
        return printable(exposure.mask(text))

    return safe


def _location(loc: Location) -> Location:
    """Paths are printable but never masked: a location must name the real file (a SARIF uri,
    a clickable `path:line`), and a file's name is no secret of its content."""
    return loc._replace(path=printable(loc.path))


def _finding(finding: Finding, safe: Callable[[str], str]) -> Finding:
    suppression = finding.suppression
    if suppression is not None:
        suppression = Suppression(safe(suppression.kind), safe(suppression.reason),
                                  _location(suppression.location) if suppression.location else None)
    return replace(finding, name=safe(finding.name), path=printable(finding.path), message=safe(finding.message),
                   resource=safe(finding.resource), checklist=tuple(safe(item) for item in finding.checklist),
                   related=tuple(_location(loc) for loc in finding.related), suppression=suppression)
