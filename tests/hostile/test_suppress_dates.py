"""A suppression's `until=` is written by whoever wrote the tree: a date that is no date must fail
the gate where it is written, never turn into a waiver that lasts for ever."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attacks import run_hullscan, write_tree

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:4.2
      securityContext:
        privileged: true  # hullscan:ignore CTR002 the CNI agent programs the host network until={until}
"""


def _scan(root: Path, *args: str) -> tuple[int, dict]:
    done = run_hullscan("scan", "--select", "CTR002,HUL", "--format", "json", *args, cwd=root)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_a_real_date_ahead_suppresses(tmp_path: Path) -> None:
    code, report = _scan(write_tree(tmp_path, {"pod.yaml": POD.format(until="2999-12-31")}))
    assert (code, report["findings"]) == (0, [])


@pytest.mark.parametrize("until", ["2099-13-45", "2099-02-30", "2099-1-1", "20990101", "2099-W01-1",
                                   "２０９９-０１-０１", "2099-01-01;", "", "9" * 5000])
def test_a_date_that_is_no_date_fails_the_gate_at_its_line(tmp_path: Path, until: str) -> None:
    code, report = _scan(write_tree(tmp_path, {"pod.yaml": POD.format(until=until)}))
    assert code == 1
    assert {(f["rule"], f["line"]) for f in report["findings"]} == {("CTR002", 10), ("HUL005", 10)}
    (bad,) = [f for f in report["findings"] if f["rule"] == "HUL005"]
    assert len(bad["message"]) < 200  # a huge value is cut, not repeated into every report


def test_the_bad_date_is_in_every_report_format(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pod.yaml": POD.format(until="2099-13-45")})
    done = run_hullscan("scan", "--select", "CTR002,HUL", "--format", "sarif", cwd=root)
    assert done.returncode == 1
    results = json.loads(done.stdout)["runs"][0]["results"]
    assert {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results} \
        == {("CTR002", 10), ("HUL005", 10)}
    text = run_hullscan("scan", "--select", "CTR002,HUL", cwd=root)
    assert text.returncode == 1 and "HUL005" in text.stdout and "2099-13-45" in text.stdout


def test_an_expired_date_brings_the_finding_back_and_says_so(tmp_path: Path) -> None:
    code, report = _scan(write_tree(tmp_path, {"pod.yaml": POD.format(until="2026-01-31")}))
    assert code == 1
    assert {(f["rule"], f["line"]) for f in report["findings"]} == {("CTR002", 10), ("HUL004", 10)}
    (expired,) = [f for f in report["findings"] if f["rule"] == "HUL004"]
    assert "expired on 2026-01-31" in expired["message"]
