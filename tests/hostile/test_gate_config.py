"""The repository's configuration can't read outside the root, can't lower the gate without one
note saying so, can't outrank a flag, and can't select its way to a green run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from attacks import POD, leaked, run_hullscan, write_tree


def _repo(root: Path, config: str, **files: str) -> Path:
    return write_tree(root, {".hullscan.yaml": config, "pod.yaml": POD, **files})


@pytest.mark.parametrize(("config", "where"), [
    ("helm-values: [/home/runner/.docker/config.json]\n", ":1: helm-values"),
    ("fail-on: high\nvar-files: [~/.aws/credentials]\n", ":2: var-files"),
    ("rules-dir:\n  - ok\n  - ../../etc\n", ":1: rules-dir"),
    ("helm-values: [values/../../../outside.yaml]\n", ":1: helm-values"),
    ("helm-values: [link/values.yaml]\n", ":1: helm-values"),  # a symlink out of the root
])
def test_configuration_paths_stay_inside_the_root(tmp_path: Path, config: str, where: str) -> None:
    (tmp_path / "outside.yaml").write_text("secret: hullscan-canary-7f3a9c1e5b\n")
    root = _repo(tmp_path / "repo", config, **{"ok/README.txt": "x\n"})
    (root / "link").symlink_to(tmp_path)
    done = run_hullscan("scan", cwd=root)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f".hullscan.yaml{where}" in done.stderr and "project root" in done.stderr
    assert not leaked(done.stdout + done.stderr)


@pytest.mark.parametrize("target", ["/proc/self/environ", "/dev/zero", "../outside.yaml"])
def test_a_configuration_file_that_leads_out_of_the_root_is_refused(tmp_path: Path, target: str) -> None:
    (tmp_path / "outside.yaml").write_text("fail-on: never\n")
    root = write_tree(tmp_path / "repo", {"pod.yaml": POD})
    (root / ".hullscan.yaml").symlink_to(target)
    done = run_hullscan("scan", cwd=root)
    assert done.returncode == 2 and ".hullscan.yaml" in done.stderr and "not read" in done.stderr
    assert not leaked(done.stdout + done.stderr)


LOWERING = """\
fail-on: never
ignore: [CTR002]
exclude: ["vendor/**"]
severity: {CTR003: info}
secrets: {allow-paths: ["**"]}
render: {helm: false}
limits: {max-file-size: 99999999999}
jobs: 100000
"""


def test_one_note_names_the_file_and_each_weakening_in_text_and_sarif(tmp_path: Path) -> None:
    root = _repo(tmp_path, LOWERING)
    done = run_hullscan("scan", "--format", "sarif", cwd=root)
    assert done.returncode == 0  # the file did lower this gate; the point is that it says so
    expected = ("hullscan: .hullscan.yaml lowers the gate: fail-on never, ignores CTR002, excludes vendor/**, "
                "downgrades CTR003 to info, allows secrets in **, turns off rendering of helm, "
                "raises limits max-file-size to 99999999999")
    assert [line for line in done.stderr.splitlines() if "lowers the gate" in line] == [expected]
    notifications = json.loads(done.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notifications if "lowers" in n["message"]["text"]] == [
        expected.removeprefix("hullscan: ")]


def test_flags_beat_the_file(tmp_path: Path) -> None:
    root = _repo(tmp_path, LOWERING + "select: [DKR]\n")
    done = run_hullscan("scan", "--format", "json", "--fail-on", "low", "--select", "CTR002", cwd=root)
    assert done.returncode == 1, done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["CTR002"]
    note = next(line for line in done.stderr.splitlines() if "lowers the gate" in line)
    # what the flags decided is theirs; what the file still does is named
    assert "fail-on" not in note and "ignores" not in note and "selects" not in note
    assert "excludes vendor/**" in note


def test_a_configuration_that_weakens_nothing_says_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path, "fail-on: info\nseverity: {CTR020: critical}\ninline-suppressions: false\n")
    done = run_hullscan("scan", cwd=root)
    assert done.returncode == 1 and "lowers the gate" not in done.stderr


def test_jobs_are_capped_at_the_cores(tmp_path: Path) -> None:
    root = _repo(tmp_path, "jobs: 100000\n")
    shown = run_hullscan("config", "--show", cwd=root)
    assert json.loads(shown.stdout)["jobs"] == os.cpu_count()
    flagged = run_hullscan("scan", "--jobs", "100000", "--format", "json", cwd=root)
    assert flagged.returncode == 1 and json.loads(flagged.stdout)["findings"]


@pytest.mark.parametrize(("args", "config", "named"), [
    (("--select", "CTR999"), "", "--select: 'CTR999' matches no rule"),
    (("--ignore", "nosuch-rule"), "", "--ignore: 'nosuch-rule' matches no rule"),
    ((), "ignore: [CTR002, CTR999]\n", ".hullscan.yaml:1: ignore: 'CTR999' matches no rule"),
    ((), "select: [HIGHEST]\n", ".hullscan.yaml:1: select: 'HIGHEST' matches no rule"),
    ((), "fail-on: low\nseverity: {CTR999: low}\n", ".hullscan.yaml:2: severity.CTR999: no such rule"),
])
def test_a_selector_that_matches_no_rule_is_a_usage_error(tmp_path: Path, args: tuple[str, ...], config: str,
                                                          named: str) -> None:
    root = _repo(tmp_path, config)
    done = run_hullscan("scan", *args, cwd=root)
    assert done.returncode == 2 and named in done.stderr, done.stderr


@pytest.mark.parametrize("args", [("--select", "ctr002"), ("--select", "CRITICAL"), ("--select", "ctr"),
                                  ("--fail-on", "HIGH", "--format", "JSON"), ("--select", "Privileged-Container")])
def test_ids_severities_and_formats_are_case_insensitive(tmp_path: Path, args: tuple[str, ...]) -> None:
    root = _repo(tmp_path, "severity: {ctr002: CRITICAL}\n")
    done = run_hullscan("scan", *args, cwd=root)
    assert done.returncode == 1 and "CTR002" in done.stdout, done.stderr


def test_ignore_may_name_a_rule_of_the_rules_folder(tmp_path: Path) -> None:
    rule = ("id: ORG001\nname: org-rule\nseverity: low\nchecklist: [runtime.privileged]\nkinds: [kubernetes]\n"
            "model: container\nmessage: '{resource}'\ncondition: {field: privileged, is: true}\n"
            "docs: {what: w, why: w, example: e, use_instead: u}\n")
    root = _repo(tmp_path, "rules-dir: [rules]\nignore: [org001]\n", **{"rules/ORG001-org-rule.yaml": rule})
    done = run_hullscan("scan", "--format", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    assert "ORG001" not in {f["rule"] for f in json.loads(done.stdout)["findings"]}
    assert "lowers the gate: ignores ORG001" in done.stderr


@pytest.mark.parametrize(("args", "said"), [
    (("--exclude", "**"), "no file was scanned"),
    (("--select", "DKR"), "no rule ran"),
])
def test_a_scan_that_judged_nothing_fails_a_gate(tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    root = write_tree(tmp_path, {"pod.yaml": POD})
    gating = run_hullscan("scan", *args, cwd=root)
    assert gating.returncode == 1 and said in gating.stderr
    reporting = run_hullscan("scan", *args, "--fail-on", "never", cwd=root)
    assert reporting.returncode == 0 and said in reporting.stderr


def test_the_note_stays_one_line_whatever_the_file_holds(tmp_path: Path) -> None:
    root = _repo(tmp_path, 'exclude: ["x\\n::add-mask::critical\\n::error file=README.md::ok"]\n')
    done = run_hullscan("scan", cwd=root)
    notes = [line for line in done.stderr.splitlines() if "lowers the gate" in line]
    assert len(notes) == 1 and "\\n::add-mask::critical" in notes[0]
    assert not any(line.startswith("::") for line in done.stderr.splitlines() + done.stdout.splitlines())


def test_a_configuration_from_outside_the_root_resolves_its_paths_in_the_root(tmp_path: Path) -> None:
    """The base branch's file, copied outside the checkout by CI, still names the checkout's folders."""
    rule = ("id: ORG001\nname: org-rule\nseverity: low\nchecklist: [runtime.privileged]\nkinds: [kubernetes]\n"
            "model: container\nmessage: '{resource}'\ncondition: {field: privileged, is: true}\n"
            "docs: {what: w, why: w, example: e, use_instead: u}\n")
    root = write_tree(tmp_path / "repo", {"pod.yaml": POD, "ci/rules/ORG001-org-rule.yaml": rule})
    trusted = write_tree(tmp_path / "base", {".hullscan.yaml": "rules-dir: [ci/rules]\n"}) / ".hullscan.yaml"
    done = run_hullscan("scan", "--config", str(trusted), "--select", "ORG001", "--format", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["ORG001"]
    (trusted.parent / ".hullscan.yaml").write_text("rules-dir: [../base]\n")
    refused = run_hullscan("scan", "--config", str(trusted), cwd=root)
    assert refused.returncode == 2 and "rules-dir" in refused.stderr
