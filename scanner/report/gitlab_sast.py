"""GitLab SAST report (security report schema 15.x), read by `artifacts:reports:sast`.

GitLab validates the report against the schema version it declares and ingests nothing from an
invalid one, so the required fields are always present: `scan` with analyzer and scanner (id, name,
version, vendor), times as `YYYY-MM-DDTHH:MM:SS`, status; each vulnerability with an id, a location
and at least one identifier. Ids are UUIDs derived from the fingerprint, so they are stable across
runs and GitLab tracks the same vulnerability from pipeline to pipeline.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from scanner.report.formats import TOOL_NAME, ReportOptions, json_text, rule_index
from scanner.results.findings import Finding

if TYPE_CHECKING:
    from scanner.catalog.rules import Rule
    from scanner.results.result import ScanResult

SCHEMA_VERSION = "15.0.7"
SEVERITIES = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low", "info": "Info"}
ID_NAMESPACE = uuid.UUID("5e0d2f6c-9a47-4f1b-8a1e-3c2b7d9e4a10")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _time(moment: datetime | None) -> str:
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime(TIME_FORMAT)


def identifier(finding: Finding, options: ReportOptions) -> dict[str, str]:
    data = {"type": f"{TOOL_NAME}_rule_id", "name": f"{finding.rule} {finding.name}",
            "value": finding.rule}
    if options.rule_url(finding.rule):
        data["url"] = options.rule_url(finding.rule)
    return data


def vulnerability(finding: Finding, rule: Rule | None, options: ReportOptions) -> dict[str, object]:
    what = rule.docs.get("what", "") if rule is not None else ""
    data: dict[str, object] = {
        "id": str(uuid.uuid5(ID_NAMESPACE, f"{finding.rule}:{finding.fingerprint}")),
        "name": f"{finding.rule} {finding.name}"[:255],
        "description": "\n\n".join(part for part in (finding.message, what) if part),
        "severity": SEVERITIES[finding.severity],
        "location": {"file": finding.path, "start_line": finding.line,
                     "end_line": max(finding.end_line, finding.line)},
        "identifiers": [identifier(finding, options)],
    }
    if rule is not None and rule.docs.get("use_instead"):
        data["solution"] = f"Use instead:\n\n{rule.docs['use_instead']}"
    return data


def render(result: ScanResult, options: ReportOptions) -> str:
    rules = rule_index(result)
    tool = {"id": TOOL_NAME, "name": TOOL_NAME, "version": options.version,
            "vendor": {"name": TOOL_NAME}}
    scan: dict[str, object] = {
        "analyzer": tool, "scanner": tool, "type": "sast",
        "start_time": _time(options.started), "end_time": _time(options.finished),
        "status": "success",
    }
    if result.errors:
        scan["messages"] = [{"level": "warn", "value": f"{e.path}:{e.line}: {e.message}"
                             if e.line else f"{e.path}: {e.message}"} for e in result.errors]
    report = {
        "version": SCHEMA_VERSION,
        "scan": scan,
        "vulnerabilities": (vulnerability(f, rules.get(f.rule), options) for f in result.findings),
    }
    return json_text(report)
