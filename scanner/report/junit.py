"""JUnit XML, for CI systems that show test results: each rule a test, each resource a case.

A rule with findings has one failing case per resource it flagged (named by file and resource); a
selected rule without findings is one passing case, so the report also shows what was checked.
Files that could not be read are `error` cases and, on request, suppressed findings are `skipped`
with their reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import groupby
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from scanner.boundary import printable
from scanner.report.formats import TOOL_NAME, ReportOptions, shown
from scanner.results.findings import Finding

if TYPE_CHECKING:
    from scanner.results.result import ScanResult

# Characters XML 1.0 forbids even as character references; names arrive printable already, so
# this only guards text that did not come through `scanner.report.neutral`.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _key(finding: Finding) -> tuple[str, str, str]:
    return (finding.rule, finding.path, finding.resource)


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")


def _details(findings: Iterable[Finding]) -> str:
    return "\n".join(f"{f.path}:{f.line}:{f.column}: [{f.severity}] {f.message}" for f in findings)


def render(result: ScanResult, options: ReportOptions) -> str:
    suite = ET.Element("testsuite", name=TOOL_NAME)
    failures = skipped = 0
    flagged = sorted(result.findings, key=_key)
    for (rule, path, resource), group in groupby(flagged, key=_key):
        findings = list(group)
        first = findings[0]
        case = _case(suite, f"{rule} {first.name}", f"{path}: {resource}")
        failure = ET.SubElement(case, "failure", type=first.severity, message=first.message)
        failure.text = _details(findings)
        failures += 1
    for finding in sorted(shown(result, options), key=_key):
        case = _case(suite, f"{finding.rule} {finding.name}", f"{finding.path}: {finding.resource}")
        reason = finding.suppression.reason if finding.suppression else ""
        ET.SubElement(case, "skipped", message=f"suppressed: {reason}")
        skipped += 1
    failing_rules = {f.rule for f in result.findings}
    for selected in result.rules:
        if selected.id not in failing_rules:
            _case(suite, printable(f"{selected.id} {selected.name}"), "no findings")
    for error in result.errors:
        case = _case(suite, "parse", error.path)
        where = f"{error.path}:{error.line}" if error.line else error.path
        ET.SubElement(case, "error", message=error.message).text = f"{where}: {error.message}"
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(result.errors)))
    suite.set("skipped", str(skipped))
    suite.set("time", "0")
    root = ET.Element("testsuites", name=TOOL_NAME, tests=suite.get("tests", "0"),
                      failures=str(failures), errors=str(len(result.errors)))
    root.append(suite)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _NOT_XML.sub("", text) + "\n"
