"""GitLab Code Quality report (a subset of the Code Climate issue format).

GitLab reads a JSON array of issues, each with `description`, `check_name`, `fingerprint`,
`severity` (info, minor, major, critical, blocker) and `location.path` / `location.lines.begin`;
it shows them in merge requests. Suppressed findings are left out: the report has no way to mark
an issue as accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.report.formats import ReportOptions, json_text
from scanner.results.findings import Finding

if TYPE_CHECKING:
    from scanner.results.result import ScanResult

SEVERITIES = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor",
              "info": "info"}


def issue(finding: Finding) -> dict[str, object]:
    return {
        "type": "issue",
        "check_name": finding.rule,
        "description": f"{finding.rule} {finding.name}: {finding.message}",
        "categories": ["Security"],
        "severity": SEVERITIES[finding.severity],
        "fingerprint": finding.fingerprint,
        "location": {"path": finding.path,
                     "lines": {"begin": finding.line, "end": max(finding.end_line, finding.line)}},
    }


def render(result: ScanResult, options: ReportOptions) -> str:
    return json_text(issue(f) for f in result.findings)
