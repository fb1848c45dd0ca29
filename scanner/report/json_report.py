"""Machine-readable report: `{"version", "findings", "errors", "summary"}`.

Findings use exactly `Finding.as_dict()`, the public shape other tools script against. Suppressed
findings appear only on request, in their own `suppressed` list, so a consumer that counts
`findings` never counts something a user has accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.report.formats import ReportOptions, json_text, severity_counts, shown
from scanner.results.findings import Finding

if TYPE_CHECKING:
    from scanner.results.result import ScanResult


def suppressed_dict(finding: Finding) -> dict[str, object]:
    data = finding.as_dict()
    if finding.suppression is not None:
        suppression: dict[str, object] = {"kind": finding.suppression.kind,
                                          "reason": finding.suppression.reason}
        if finding.suppression.location is not None:
            suppression["path"] = finding.suppression.location.path
            suppression["line"] = finding.suppression.location.line
        data["suppression"] = suppression
    return data


def summary(result: ScanResult) -> dict[str, object]:
    return {
        "files": result.files,
        "findings": len(result.findings),
        "severities": severity_counts(result.findings),
        "suppressed": len(result.suppressed),
        "errors": len(result.errors),
        "types": dict(sorted(result.types.items())),
    }


def render(result: ScanResult, options: ReportOptions) -> str:
    data: dict[str, object] = {
        "version": options.version,
        "findings": (finding.as_dict() for finding in result.findings),
        "errors": [error.as_dict() for error in result.errors],
        "summary": summary(result),
    }
    if options.show_suppressed:
        data["suppressed"] = [suppressed_dict(finding) for finding in shown(result, options)]
    return json_text(data)
