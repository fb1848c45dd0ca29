"""The JSON report: exactly the documented shape; suppressed findings apart and only on request."""

from __future__ import annotations

import json

import pytest
from reporting import full_result, options

from scanner.report.formats import json_text, render
from scanner.results.result import ScanResult

FINDING_FIELDS = ["rule", "name", "severity", "checklist", "path", "line", "column", "end_line",
                  "end_column", "message", "resource", "fingerprint"]


def test_shape(tmp_path):
    data = json.loads(render("json", full_result(), options(tmp_path)))
    assert list(data) == ["version", "findings", "errors", "summary"]
    assert data["version"] == "9.9.9"
    assert [list(f) for f in data["findings"]] == [FINDING_FIELDS] * 2
    assert data["findings"][0]["rule"] == "CTR902" and data["findings"][0]["line"] == 10
    assert data["errors"] == [
        {"path": "broken.yaml", "message": "mapping values are not allowed here", "line": 4},
        {"path": "big.tf", "message": "skipped: too large"}]
    assert data["summary"] == {
        "files": 3, "findings": 2, "suppressed": 1, "errors": 2,
        "severities": {"critical": 1, "high": 1, "medium": 0, "low": 0, "info": 0},
        "types": {"dockerfile": 1, "kubernetes": 1}}


def test_suppressed_listed_with_reason_only_on_request(tmp_path):
    data = json.loads(render("json", full_result(), options(tmp_path, show_suppressed=True)))
    (entry,) = data["suppressed"]
    assert entry["rule"] == "DKR901" and entry["line"] == 3
    assert entry["suppression"] == {"kind": "inline", "reason": "legacy image, tracked in #12",
                                    "path": "Dockerfile", "line": 3}
    assert len(data["findings"]) == 2


def test_empty(tmp_path):
    data = json.loads(render("json", ScanResult(), options(tmp_path)))
    assert data["findings"] == [] and data["errors"] == [] and data["summary"]["findings"] == 0


@pytest.mark.parametrize("data", [
    {"findings": [{"a": 1, "b": ["x", {"c": "line\nbreak ü"}]}, {}], "errors": [], "summary": {"n": 2}},
    {"findings": [], "nested": {"deep": [1, [2, []]]}},
    [{"issue": 1}, {"issue": [2, 3]}],
    [],
])
def test_json_text_writes_iterators_exactly_as_json_dumps_writes_lists(data: object) -> None:
    """Findings are written one at a time (an iterator, never a list of every dict at once); the
    text must be what json.dumps makes of the same data with lists."""
    def lazily(value: object) -> object:
        if isinstance(value, list):
            return iter(value)
        if isinstance(value, dict):
            return {key: iter(item) if isinstance(item, list) else item for key, item in value.items()}
        return value

    assert json_text(lazily(data)) == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
