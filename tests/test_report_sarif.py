"""SARIF: valid against the official 2.1.0 schema and carrying what GitHub code scanning reads."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reporting import finding, full_result, options

from scanner.report.formats import render
from scanner.report.sarif import build
from scanner.results.result import ScanResult

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)


def sarif(result: ScanResult, root: Path, **changes) -> dict:
    log = json.loads(render("sarif", result, options(root, **changes)))
    VALIDATOR.validate(log)
    return log


def test_empty_scan_is_a_valid_log_with_no_results(tmp_path):
    log = sarif(ScanResult(), tmp_path)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["results"] == []
    assert run["tool"]["driver"]["name"] == "hullscan"
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert "automationDetails" not in run


def test_rules_carry_help_tags_and_security_severity(tmp_path):
    log = sarif(full_result(), tmp_path, docs_url="https://example.org/rules/{id}.md")
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["CTR902", "DKR901"]
    dkr = rules["DKR901"]
    assert dkr["name"] == "root-user"
    assert dkr["shortDescription"]["text"] == "Checks that the final stage does not run as `root`."
    assert dkr["fullDescription"]["text"].startswith("Checks that")
    assert "## Use instead" in dkr["help"]["markdown"] and "USER 10001" in dkr["help"]["text"]
    assert dkr["helpUri"] == "https://example.org/rules/DKR901.md"
    assert dkr["properties"] == {"tags": ["security", "runtime.non-root"], "security-severity": "8.0"}
    assert dkr["defaultConfiguration"]["level"] == "error"
    assert rules["CTR902"]["properties"]["security-severity"] == "9.5"


def test_results_point_at_their_rule_and_location(tmp_path):
    run = sarif(full_result(), tmp_path)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    first, second = run["results"]
    assert first["ruleId"] == "CTR902" and rules[first["ruleIndex"]]["id"] == "CTR902"
    assert rules[second["ruleIndex"]]["id"] == "DKR901"
    assert first["level"] == "error"
    assert first["message"]["text"] == 'Pod/web container "app" runs privileged'
    (location,) = first["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "k8s/pod.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 10, "startColumn": 9, "endLine": 10, "endColumn": 25}}
    assert first["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert first["partialFingerprints"] == {"hullscan/v1": full_result().findings[0].fingerprint}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


@pytest.mark.parametrize(("severity", "level"), [("critical", "error"), ("high", "error"),
                                                 ("medium", "warning"), ("low", "note"),
                                                 ("info", "note")])
def test_levels(severity, level, tmp_path):
    hit = finding("DKR901", "Dockerfile", 2, 1, 10, "stage", severity=severity)
    (result,) = sarif(ScanResult(findings=[hit]), tmp_path)["runs"][0]["results"]
    assert result["level"] == level


def test_errors_become_notifications_and_category_is_set(tmp_path):
    run = sarif(full_result(), tmp_path, sarif_category="hullscan-k8s")["runs"][0]
    assert run["automationDetails"] == {"id": "hullscan-k8s"}
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    broken, big = invocation["toolExecutionNotifications"]
    assert broken["level"] == "error"
    assert broken["locations"][0]["physicalLocation"]["region"] == {"startLine": 4}
    assert "region" not in big["locations"][0]["physicalLocation"]


def test_suppressed_results_only_on_request_with_justification(tmp_path):
    assert len(sarif(full_result(), tmp_path)["runs"][0]["results"]) == 2
    results = sarif(full_result(), tmp_path, show_suppressed=True)["runs"][0]["results"]
    (suppressed,) = [r for r in results if "suppressions" in r]
    assert suppressed["suppressions"][0]["kind"] == "inSource"
    assert suppressed["suppressions"][0]["justification"] == "legacy image, tracked in #12"


def test_finding_of_an_unselected_rule_still_has_a_rule_entry(tmp_path):
    hit = finding("DKR901", "Dockerfile", 2, 1, 10, "stage")
    run = sarif(ScanResult(findings=[hit]), tmp_path)["runs"][0]
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "DKR901"


def test_paths_are_uri_references(tmp_path):
    hit = finding("DKR901", "dir with space/Dockerfile#1", 2, 1, 10, "stage")
    run = sarif(ScanResult(findings=[hit]), tmp_path)["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir%20with%20space/Dockerfile%231"


def test_only_camel_case_keys(tmp_path):
    def keys(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from keys(item)
        elif isinstance(value, list):
            for item in value:
                yield from keys(item)

    log = sarif(full_result(), tmp_path, show_suppressed=True)
    assert not [k for k in keys(log) if "_" in k and k != "hullscan/v1"]


def _many(count: int) -> ScanResult:
    severities = ["low", "critical", "medium"]
    return ScanResult(findings=[
        finding("DKR901", f"f{i:05d}/Dockerfile", i + 1, 1, 5, f"stage {i}", severity=severities[i % 3])
        for i in range(count)])


def test_results_beyond_the_cap_are_cut_worst_first(tmp_path):
    text, kept = build(_many(30), options(tmp_path), max_results=10)
    results = json.loads(text)["runs"][0]["results"]
    assert kept == 10 and len(results) == 10
    assert {r["level"] for r in results} == {"error"}


def test_size_cap_cuts_results(tmp_path):
    text, kept = build(_many(400), options(tmp_path), max_gzip_bytes=4000)
    assert 0 < kept < 400
    assert len(gzip.compress(text.encode())) <= 4000
    jsonschema.validate(json.loads(text), SCHEMA)


def test_cut_is_reported_as_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr("scanner.report.sarif.MAX_RESULTS", 5)
    result = _many(8)
    render("sarif", result, options(tmp_path))
    render("sarif", result, options(tmp_path))
    assert len(result.notes) == 1 and "5 most severe of 8" in result.notes[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.text(min_size=1, max_size=30).filter(lambda p: "\x00" not in p),
       message=st.text(max_size=60), line=st.integers(1, 10_000), column=st.integers(1, 500),
       width=st.integers(-3, 50))
def test_any_finding_gives_a_valid_log(tmp_path, path, message, line, column, width):
    hit = finding("DKR901", path, line, column, column + width, "stage")
    hit = replace(hit, message=message)
    log = json.loads(render("sarif", ScanResult(findings=[hit]), options(tmp_path)))
    VALIDATOR.validate(log)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == line and region.get("endColumn", column + 1) > column
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    if path.startswith(("/", "../")) or path == "..":  # outside the root: an absolute file URI
        assert re.fullmatch(r"file:///[A-Za-z0-9_.~/%-]*", uri)
    else:  # a relative reference; no scheme can be read
        assert re.fullmatch(r"[A-Za-z0-9_.~/%-]+", uri)
