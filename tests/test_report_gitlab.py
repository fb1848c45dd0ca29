"""GitLab SAST and Code Quality reports carry the fields GitLab requires; JUnit parses."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import jsonschema
from reporting import full_result, options, sample_rules

from scanner.report.formats import render
from scanner.results.result import ScanResult

TOOL = {"type": "object", "required": ["id", "name", "version", "vendor"],
        "properties": {"id": {"type": "string", "minLength": 1},
                       "name": {"type": "string", "minLength": 1},
                       "version": {"type": "string", "minLength": 1},
                       "vendor": {"type": "object", "required": ["name"],
                                  "properties": {"name": {"type": "string", "minLength": 1}}}}}
TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"}
# The required parts of GitLab's SAST report schema 15.x, as documented by GitLab.
SAST = {
    "type": "object", "required": ["version", "scan", "vulnerabilities"],
    "properties": {
        "version": {"type": "string", "pattern": r"^15\.\d+\.\d+$"},
        "scan": {"type": "object",
                 "required": ["analyzer", "scanner", "type", "start_time", "end_time", "status"],
                 "properties": {"analyzer": TOOL, "scanner": TOOL, "type": {"const": "sast"},
                                "start_time": TIME, "end_time": TIME,
                                "status": {"enum": ["success", "failure"]}}},
        "vulnerabilities": {"type": "array", "items": {
            "type": "object", "required": ["id", "identifiers", "location"],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "name": {"type": "string", "maxLength": 255},
                "severity": {"enum": ["Info", "Unknown", "Low", "Medium", "High", "Critical"]},
                "location": {"type": "object", "required": ["file", "start_line"],
                             "properties": {"start_line": {"type": "integer", "minimum": 1}}},
                "identifiers": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["type", "name", "value"]}}}}},
    },
}
CODE_QUALITY = {"type": "array", "items": {
    "type": "object", "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "properties": {"severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
                   "location": {"type": "object", "required": ["path", "lines"],
                                "properties": {"lines": {"type": "object", "required": ["begin"]}}}}}}


def test_gitlab_sast_has_the_required_fields(tmp_path):
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    report = json.loads(render("gitlab-sast", full_result(),
                               options(tmp_path, started=started, finished=started,
                                       docs_url="https://example.org/{id}")))
    jsonschema.validate(report, SAST)
    assert report["scan"]["start_time"] == "2026-01-02T03:04:05"
    critical, high = report["vulnerabilities"]
    assert critical["severity"] == "Critical" and high["severity"] == "High"
    assert critical["location"] == {"file": "k8s/pod.yaml", "start_line": 10, "end_line": 10}
    assert critical["identifiers"] == [{"type": "hullscan_rule_id", "name": "CTR902 privileged-container",
                                        "value": "CTR902", "url": "https://example.org/CTR902"}]
    assert uuid.UUID(critical["id"])
    assert [m["value"] for m in report["scan"]["messages"]] == [
        "broken.yaml:4: mapping values are not allowed here", "big.tf: skipped: too large"]


def test_gitlab_ids_are_stable_and_unique(tmp_path):
    first = json.loads(render("gitlab-sast", full_result(), options(tmp_path)))
    second = json.loads(render("gitlab-sast", full_result(), options(tmp_path)))
    ids = [v["id"] for v in first["vulnerabilities"]]
    assert ids == [v["id"] for v in second["vulnerabilities"]] and len(set(ids)) == len(ids)


def test_gitlab_sast_empty(tmp_path):
    report = json.loads(render("gitlab-sast", ScanResult(), options(tmp_path)))
    jsonschema.validate(report, SAST)
    assert report["vulnerabilities"] == [] and "messages" not in report["scan"]


def test_code_quality_has_the_required_fields(tmp_path):
    issues = json.loads(render("codeclimate", full_result(), options(tmp_path)))
    jsonschema.validate(issues, CODE_QUALITY)
    assert [(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in issues] == [
        ("CTR902", "blocker", 10), ("DKR901", "critical", 2)]
    assert len({i["fingerprint"] for i in issues}) == 2
    assert json.loads(render("codeclimate", ScanResult(), options(tmp_path))) == []


def test_junit_one_case_per_rule_and_resource(tmp_path):
    root = ET.fromstring(render("junit", full_result(), options(tmp_path, show_suppressed=True)))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "5", "2", "2", "1")
    names = [(case.get("classname"), case.get("name")) for case in suite.iter("testcase")]
    assert ("CTR902 privileged-container", 'k8s/pod.yaml: Pod/web container "app"') in names
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("type") == "critical"


def test_junit_passing_case_for_a_rule_without_findings(tmp_path):
    root = ET.fromstring(render("junit", ScanResult(rules=sample_rules()), options(tmp_path)))
    cases = list(root.iter("testcase"))
    assert [c.get("classname") for c in cases] == ["CTR902 privileged-container", "DKR901 root-user"]
    assert all(len(c) == 0 for c in cases)
