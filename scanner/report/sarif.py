"""SARIF 2.1.0 for GitHub code scanning, built with the sarif-om object model.

sarif-om objects are attrs classes whose snake_case attributes carry the schema's camelCase name in
their metadata; `to_json` walks them and leaves out what was never set. GitHub reads at most 25,000
results per run and 10 MB of gzipped SARIF per file: worse findings come first, and anything beyond
either limit is cut with a note (see `scanner.report.formats`), never silently.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attr
import sarif_om as om

from scanner.catalog.rule_docs import sections_markdown, sections_text
from scanner.nodes import Location
from scanner.report.formats import TOOL_NAME, ReportOptions, add_note, json_text, shown
from scanner.results.findings import Finding, ScanError, severity_rank

if TYPE_CHECKING:
    from scanner.catalog.rules import Rule
    from scanner.results.result import ScanResult

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
IN_SOURCE = frozenset({"inline", "annotation", "checkov", "comment", "metadata"})
MAX_RESULTS = 25_000
MAX_GZIP_BYTES = 10 * 1024 * 1024
SRCROOT = "%SRCROOT%"


def to_json(value: Any) -> Any:
    """sarif-om objects to plain JSON values under their schema names, unset fields left out."""
    if attr.has(type(value)):
        out = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            default = field.default
            factory = default.factory if isinstance(default, attr.Factory) else None  # type: ignore[arg-type]
            if item is None or (factory is not None and item == factory()) or (default == -1 and item == -1):
                continue
            out[field.metadata["schema_property_name"]] = to_json(item)
        return out
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value


def _first_sentence(text: str) -> str:
    head = text.strip().split("\n\n")[0].replace("\n", " ")
    end = head.find(". ")
    return (head[: end + 1] if end > 0 else head)[:1000]


def descriptor(rule: Rule, options: ReportOptions) -> om.ReportingDescriptor:
    what = rule.docs.get("what") or f"{rule.id} {rule.name}"
    return om.ReportingDescriptor(
        id=rule.id, name=rule.name,
        short_description=om.MultiformatMessageString(text=_first_sentence(what)),
        full_description=om.MultiformatMessageString(text=what),
        help=om.MultiformatMessageString(text=sections_text(rule), markdown=sections_markdown(rule)),
        help_uri=options.rule_url(rule.id) or None,
        default_configuration=om.ReportingConfiguration(level=LEVELS[rule.severity]),
        properties={"tags": ["security", *rule.checklist],
                    "security-severity": SECURITY_SEVERITY[rule.severity]},
    )


def _stand_in(finding: Finding) -> om.ReportingDescriptor:
    """A finding whose rule is not among the selected ones (e.g. a suppression problem)."""
    return om.ReportingDescriptor(
        id=finding.rule, name=finding.name,
        short_description=om.MultiformatMessageString(text=finding.name),
        default_configuration=om.ReportingConfiguration(level=LEVELS[finding.severity]),
        properties={"tags": ["security", *finding.checklist],
                    "security-severity": SECURITY_SEVERITY[finding.severity]})


def physical(path: str, line: int = 0, column: int = 0, end_line: int = 0, end_column: int = 0
             ) -> om.PhysicalLocation:
    """A place in a file; no region when the line is unknown (an unreadable file). A path outside
    the project root (absolute, or climbing out with `..`) is an absolute `file://` URI: against
    `%SRCROOT%` it would resolve nowhere."""
    if path.startswith(("/", "../")) or path == "..":
        artifact = om.ArtifactLocation(uri=Path(path).resolve().as_uri())
    else:
        artifact = om.ArtifactLocation(uri=quote(path, safe="/"), uri_base_id=SRCROOT)
    location = om.PhysicalLocation(artifact_location=artifact)
    if line < 1:
        return location
    location.region = om.Region(start_line=line)
    if column >= 1:
        location.region.start_column = column
        location.region.end_line = max(end_line, line)
        if end_column > (column if location.region.end_line == line else 0):
            location.region.end_column = end_column
    return location


def _location(finding: Finding) -> om.Location:
    """An image finding (`app.tar!layer-0-3f1c.../etc/app.ini`) points at the archive itself, the
    only file there is; the member and line inside it become a logical location."""
    archive, _, member = finding.path.partition("!")
    if finding.rule.startswith("IMG") and member:
        return om.Location(physical_location=physical(archive), logical_locations=[
            om.LogicalLocation(fully_qualified_name=member, kind="element")],
            message=om.Message(text=f"{member}, line {finding.line}"))
    return om.Location(physical_location=physical(
        finding.path, finding.line, finding.column, finding.end_line, finding.end_column))


def sarif_result(finding: Finding, index: int) -> om.Result:
    result = om.Result(
        rule_id=finding.rule, rule_index=index, level=LEVELS[finding.severity],
        message=om.Message(text=finding.message),
        locations=[_location(finding)],
        partial_fingerprints={f"{TOOL_NAME}/v1": finding.fingerprint})
    if finding.related:
        result.related_locations = [_related(loc, number) for number, loc in enumerate(finding.related)]
    if finding.suppression is not None:
        where = finding.suppression.location
        result.suppressions = [om.Suppression(
            kind="inSource" if finding.suppression.kind in IN_SOURCE else "external",
            justification=finding.suppression.reason or None,
            location=om.Location(physical_location=physical(where.path, where.line))
            if where is not None else None)]
    return result


def _related(loc: Location, number: int) -> om.Location:
    return om.Location(id=number, physical_location=physical(*loc.at_least_line_one()))


def _notification(error: ScanError) -> om.Notification:
    return om.Notification(
        level="error", message=om.Message(text=f"{error.path}: {error.message}"),
        locations=[om.Location(physical_location=physical(error.path, error.line))])


def _note(note: str) -> om.Notification:
    """A run-wide note (a configuration that lowers the gate, a renderer missing): a warning a
    reviewer sees beside the results in code scanning's tool status."""
    return om.Notification(level="warning", message=om.Message(text=note))


def sarif_log(result: ScanResult, options: ReportOptions, findings: list[Finding]) -> dict[str, Any]:
    rules = {rule.id: descriptor(rule, options) for rule in result.rules}
    for finding in findings:
        rules.setdefault(finding.rule, _stand_in(finding))
    order = {rule_id: index for index, rule_id in enumerate(rules)}
    driver = om.ToolComponent(name=TOOL_NAME, version=options.version,
                              semantic_version=options.version, rules=list(rules.values()))
    run = om.Run(
        tool=om.Tool(driver=driver),
        results=[sarif_result(f, order[f.rule]) for f in findings],
        invocations=[om.Invocation(
            execution_successful=True,
            tool_execution_notifications=[*map(_notification, result.errors), *map(_note, result.notes)] or None)],
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(
            uri=options.root.resolve().as_uri().rstrip("/") + "/")},
        automation_details=om.RunAutomationDetails(id=options.sarif_category)
        if options.sarif_category else None,
        column_kind="unicodeCodePoints")
    # `$schema` and `version` first, where a reader (and file-type sniffing) looks for them.
    log = to_json(om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run]))
    return {"$schema": log.pop("$schema"), "version": log.pop("version"), **log}


def build(result: ScanResult, options: ReportOptions, max_results: int = MAX_RESULTS,
          max_gzip_bytes: int = MAX_GZIP_BYTES) -> tuple[str, int]:
    """The log text and how many results it holds, worst findings first, within both limits."""
    ordered = sorted(result.findings, key=lambda f: (severity_rank(f.severity), f.sort_key))
    ordered += sorted(shown(result, options), key=lambda f: f.sort_key)
    keep = min(len(ordered), max_results)
    while True:
        text = json_text(sarif_log(result, options, ordered[:keep]))
        data = text.encode()
        # Text shorter than the limit (less gzip's few bytes of framing) cannot compress above it.
        if len(data) + 64 <= max_gzip_bytes or keep == 0:
            break
        size = len(gzip.compress(data, 6))
        if size <= max_gzip_bytes:
            break
        keep = min(keep - 1, int(keep * max_gzip_bytes / size * 0.95))
    return text, keep


def render(result: ScanResult, options: ReportOptions) -> str:
    text, kept = build(result, options, MAX_RESULTS, MAX_GZIP_BYTES)
    total = len(result.findings) + len(shown(result, options))
    if kept < total:
        add_note(result, f"sarif: wrote the {kept} most severe of {total} results; GitHub code "
                         f"scanning reads at most {MAX_RESULTS} results and "
                         f"{MAX_GZIP_BYTES // (1024 * 1024)} MB gzipped per file")
    return text
