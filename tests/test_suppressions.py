"""Suppressions need a reason, can expire, cover a line or a whole resource, and are checked."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from expectations import expected_findings

from scanner.cli import main
from scanner.inputs.discover import walk
from scanner.run.engine import scan
from scanner.settings.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "suppressions"

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
{annotations}spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true{trailing}
"""


def findings(tmp_path: Path, text: str, name: str = "pod.yaml", **settings: object):
    (tmp_path / name).write_text(text)
    result = scan(walk([str(tmp_path)], tmp_path), Config(root=tmp_path, **settings))
    return result


def rules_of(items) -> set[tuple[str, int]]:
    return {(f.rule, f.line) for f in items}


@pytest.mark.parametrize("trailing", [
    "  # hullscan:ignore CTR002 the CNI agent needs it",
    "  # hullscan:ignore CTR001,CTR002 the CNI agent needs it until=2999-01-01",
])
def test_trailing_comment_with_reason_suppresses(tmp_path: Path, trailing: str) -> None:
    result = findings(tmp_path, POD.format(annotations="", trailing=trailing), select=("CTR002", "HUL"))
    assert rules_of(result.findings) == set()
    (suppressed,) = result.suppressed
    assert suppressed.suppression.reason == "the CNI agent needs it"


def test_comment_above_covers_the_next_line(tmp_path: Path) -> None:
    text = POD.format(annotations="", trailing="").replace(
        "        privileged: true", "        # hullscan:ignore CTR002 reviewed in SEC-42\n        privileged: true")
    assert rules_of(findings(tmp_path, text, select=("CTR002", "HUL")).findings) == set()


def test_comment_on_the_first_line_covers_the_whole_resource(tmp_path: Path) -> None:
    text = "# hullscan:ignore CTR002 lab cluster only\n" + POD.format(annotations="", trailing="")
    assert rules_of(findings(tmp_path, text, select=("CTR002", "HUL")).findings) == set()


def test_annotation_suppresses_in_the_object(tmp_path: Path) -> None:
    annotations = '  annotations:\n    hullscan.dev/ignore: "CTR002: node agent"\n'
    result = findings(tmp_path, POD.format(annotations=annotations, trailing=""), select=("CTR002", "HUL"))
    assert rules_of(result.findings) == set() and len(result.suppressed) == 1


def test_missing_reason_is_reported_and_does_not_suppress(tmp_path: Path) -> None:
    result = findings(tmp_path, POD.format(annotations="", trailing="  # hullscan:ignore CTR002"),
                      select=("CTR002", "HUL"))
    assert rules_of(result.findings) == {("CTR002", 10), ("HUL001", 10)}


def test_unknown_rule_and_unused_suppression_are_reported(tmp_path: Path) -> None:
    text = POD.format(annotations="", trailing="  # hullscan:ignore CTR999 typo").replace(
        "  name: web\n", "  name: web  # hullscan:ignore CTR002 nothing to suppress here\n")
    result = findings(tmp_path, text, select=("CTR002", "HUL"))
    assert rules_of(result.findings) == {("CTR002", 10), ("HUL002", 10), ("HUL003", 4)}


def test_expired_suppression_lets_the_finding_come_back(tmp_path: Path) -> None:
    past = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    result = findings(tmp_path, POD.format(annotations="", trailing=f"  # hullscan:ignore CTR002 temporary until={past}"),
                      select=("CTR002",))
    assert rules_of(result.findings) == {("CTR002", 10)}


def test_checkov_skip_suppresses_the_equivalent_rule(tmp_path: Path) -> None:
    text = "# checkov:skip=CKV_K8S_16:node agent\n" + POD.format(annotations="", trailing="")
    assert rules_of(findings(tmp_path, text, select=("CTR002",)).findings) == set()
    assert rules_of(findings(tmp_path, text, select=("CTR002",), checkov_skips=False).findings) == {("CTR002", 11)}


def test_no_inline_suppressions_ignores_them_all(tmp_path: Path) -> None:
    text = POD.format(annotations="", trailing="  # hullscan:ignore CTR002 the CNI agent needs it")
    result = findings(tmp_path, text, select=("CTR002",), inline_suppressions=False)
    assert rules_of(result.findings) == {("CTR002", 10)}


def test_dockerfile_stage_comment_covers_the_stage(tmp_path: Path) -> None:
    text = "# hullscan:ignore DKR002 pinned by the release job\nFROM python:latest\nRUN echo hi\n"
    result = findings(tmp_path, text, name="Dockerfile", select=("DKR002",))
    assert rules_of(result.findings) == set()


def test_show_suppressed_in_json_and_sarif(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(POD.format(annotations="", trailing="  # hullscan:ignore CTR002 agent"))
    assert main(["scan", "--select", "CTR002", "--format", "json", "--show-suppressed"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == [] and report["suppressed"][0]["suppression"]["reason"] == "agent"
    main(["scan", "--select", "CTR002", "--format", "sarif", "--show-suppressed"])
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["suppressions"][0]["justification"] == "agent"


def test_baseline_reports_only_new_findings_and_survives_line_shifts(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(POD.format(annotations="", trailing=""))
    assert main(["scan", "--select", "CTR002", "--write-baseline", "base.json"]) == 0
    baseline = json.loads((tmp_path / "base.json").read_text())
    assert baseline["version"] == 2 and baseline["configuration"]["select"] == ["CTR002"]
    (tmp_path / "pod.yaml").write_text("# a new comment\n\n" + POD.format(annotations="", trailing=""))
    capsys.readouterr()
    assert main(["scan", "--select", "CTR002", "--baseline", "base.json", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    (tmp_path / "other.yaml").write_text(POD.format(annotations="", trailing="").replace("web", "api"))
    assert main(["scan", "--select", "CTR002", "--baseline", "base.json", "--format", "json"]) == 1
    assert [f["path"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["other.yaml"]


def test_checkov_skip_of_a_capability_check_suppresses_ctr007(tmp_path: Path) -> None:
    text = "# checkov:skip=CKV_K8S_37:the agent needs its capabilities\n" + POD.format(annotations="", trailing="")
    assert rules_of(findings(tmp_path, text, select=("CTR007",)).findings) == set()
    assert {rule for rule, _ in rules_of(findings(tmp_path, text, select=("CTR007",), checkov_skips=False).findings)} \
        == {"CTR007"}


def test_checkov_skip_of_the_net_raw_check_does_not_hide_undropped_capabilities(tmp_path: Path) -> None:
    """CKV_K8S_28 only asks that NET_RAW be dropped: a pod that needs NET_RAW can still drop ALL and
    add it back, which is what CTR007 asks."""
    text = "# checkov:skip=CKV_K8S_28:ping needs raw sockets\n" + POD.format(annotations="", trailing="")
    assert {rule for rule, _ in rules_of(findings(tmp_path, text, select=("CTR007",)).findings)} == {"CTR007"}


def test_checkov_skip_of_secrets_as_files_does_not_hide_a_literal_secret(tmp_path: Path) -> None:
    """CKV_K8S_35 asks for secrets as files and fails on `secretKeyRef`, the very fix CTR025 asks for."""
    text = "# checkov:skip=CKV_K8S_35:secrets come from the environment here\n" + POD.format(
        annotations="", trailing="\n      env:\n        - name: DB_PASSWORD\n          value: Zq8!rT4#mW2pLx9v")
    assert {rule for rule, _ in rules_of(findings(tmp_path, text, select=("CTR025",)).findings)} == {"CTR025"}


@pytest.mark.parametrize(("fixture", "select"), [
    ("expired.yaml", ("CTR002", "HUL")),
    ("bad-date.yaml", ("CTR002", "HUL")),
    ("inside-container.yaml", ("CTR001", "HUL")),
    ("compose.yaml", ("CTR001", "HUL")),
    ("blocks.tf", ("CLD013", "HUL")),
    ("inside.dockerfile", ("DKR001", "HUL")),
    ("other-stage.dockerfile", ("DKR001",)),
])
def test_suppression_fixture(fixture: str, select: tuple[str, ...]) -> None:
    """Each fixture marks the findings it must yield with `expect:` (see tests/expectations.py)."""
    path = FIXTURES / fixture
    result = scan(walk([str(path)], FIXTURES), Config(root=FIXTURES, select=select))
    assert result.errors == []
    assert rules_of(result.findings) == expected_findings(path)


def test_thousands_of_suppressions_and_findings_in_one_file_cost_their_sum_not_their_product() -> None:
    """A tree may hold a file of 30,000 privileged containers, each suppressed on its line: pairing
    every finding with every suppression took minutes of CPU; indexed, it takes well under a second.
    The bound is on CPU time, which a loaded machine does not stretch much, and far from both."""
    import time

    from scanner.nodes import Location
    from scanner.results import suppress
    from scanner.results.findings import Finding

    count = 30_000
    made = [Finding("CTR002", "privileged-container", "critical", (), "pod.yaml", 4 * n + 10, 21, 4 * n + 10, 25,
                    "runs privileged", f'Pod/a container "c{n}"', f"fp{n}") for n in range(count)]
    written = [suppress.InlineSuppression(Location("pod.yaml", 4 * n + 10, 27, 4 * n + 10, 80), ("CTR002",),
                                          "agent", 4 * n + 10, 4 * n + 10, enclosing=frozenset({4 * n + 7, 6, 1}))
               for n in range(count)]
    started = time.process_time()
    active, suppressed = suppress.apply(made, written, datetime.date(2026, 1, 1))
    assert time.process_time() - started < 20
    assert active == [] and len(suppressed) == count
    assert all(f.suppression.location.line == f.line for f in suppressed)
