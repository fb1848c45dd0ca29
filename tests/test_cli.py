"""The command line as a user meets it: exit codes, bad input, standard input, output routing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import main

PRIVILEGED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, "scan", "--format", "json", *args)
    return code, json.loads(out)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_version_is_quick_to_import() -> None:
    """`--version` must not load parsers or rules (start-up time of a pre-commit hook)."""
    code = ("import sys; from scanner.cli import main; main(['--version']);"
            "heavy = [m for m in ('ruamel.yaml', 'hcl2', 'lark', 'scanner.run.engine') if m in sys.modules];"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")


@pytest.mark.parametrize(("fail_on", "expected"), [("low", 1), ("critical", 1), ("never", 0)])
def test_exit_code_follows_fail_on(capsys, project: Path, fail_on: str, expected: int) -> None:
    (project / "pod.yaml").write_text(PRIVILEGED_POD)
    code, report = scan_json(capsys, "--fail-on", fail_on, "--select", "CTR")
    assert code == expected
    assert report["findings"], "a privileged pod must be reported"


@pytest.mark.parametrize("flags", [("--select", "CTR002,CTR001"), ("--select", "CTR001", "--select", "CTR002"),
                                   ("--select", "CTR", "--ignore", "CTR003, CTR004,CTR005,CTR006,CTR007,CTR009,"
                                    "CTR010,CTR011,CTR012,CTR013,CTR014,CTR015,CTR016,CTR017,CTR018,CTR019,CTR020,"
                                    "CTR021,CTR022,CTR023,CTR024,CTR025,CTR026,CTR027,CTR008")])
def test_rule_lists_are_repeated_or_comma_separated(capsys, project: Path, flags: tuple[str, ...]) -> None:
    (project / "pod.yaml").write_text(PRIVILEGED_POD)
    _, report = scan_json(capsys, *flags)
    assert {f["rule"] for f in report["findings"]} <= {"CTR001", "CTR002"}
    assert "CTR002" in {f["rule"] for f in report["findings"]}


def test_clean_scan_exits_zero(capsys, project: Path) -> None:
    (project / "notes.txt").write_text("nothing to see\n")
    code, report = scan_json(capsys)
    assert code == 0 and report["findings"] == [] and report["errors"] == []


@pytest.mark.parametrize("args", [("--format", "nope"), ("--fail-on", "sometimes"), ("missing-dir",)])
def test_usage_errors_exit_two(capsys, project: Path, args: tuple[str, ...]) -> None:
    code, out, err = run(capsys, "scan", *args)
    assert code == 2 and out == "" and "Traceback" not in err


def test_unknown_config_key_is_an_error_with_file_and_line(capsys, project: Path) -> None:
    (project / ".hullscan.yaml").write_text("fail-on: high\nselct: [CTR001]\n")
    code, _, err = run(capsys, "scan")
    assert code == 2
    assert ".hullscan.yaml:2: selct: unknown setting" in err


def _bad_inputs(root: Path) -> dict[str, str]:
    """File name -> a word the error message must contain."""
    (root / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nspec: [unclosed\n")
    (root / "broken.json").write_text('{"apiVersion": "v1", "kind": "Pod", "spec": {\n')
    (root / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n')
    laughs = ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\na: &a ["lol","lol","lol","lol","lol"]']
    laughs += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    (root / "laughs.yaml").write_text("\n".join(laughs) + "\n")
    (root / "Dockerfile").write_bytes(b"FROM alpine:3.19\x00\x01\x02binary")
    (root / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n")
    (root / "deep.yaml").write_text("apiVersion: v1\nkind: List\nitems: " + "[" * 5000 + "]" * 5000 + "\n")
    (root / "huge.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\n" + b"# padding\n" * 5_300_000)
    (root / "loop").symlink_to(root / "loop")
    return {"broken.yaml": "YAML", "broken.json": "YAML", "main.tf": "", "laughs.yaml": "alias",
            "Dockerfile": "binary", "latin1.yaml": "UTF-8", "deep.yaml": "", "huge.yaml": "limit",
            "loop": "link"}


def test_bad_input_is_one_error_each_and_the_scan_completes(capsys, project: Path) -> None:
    expected = _bad_inputs(project)
    (project / "empty.yaml").write_text("")
    (project / "pod.yaml").write_text(PRIVILEGED_POD)
    code, report = scan_json(capsys, "--max-file-size", str(50 * 1024 * 1024 // 2))
    errors = {e["path"]: e["message"] for e in report["errors"]}
    assert set(errors) == set(expected), errors
    for path, word in expected.items():
        assert word.lower() in errors[path].lower(), (path, errors[path])
    assert any(f["path"] == "pod.yaml" for f in report["findings"])
    assert code == 1


def test_parse_errors_can_be_ignored_for_the_exit_code(capsys, project: Path) -> None:
    (project / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nspec: [unclosed\n")
    assert run(capsys, "scan", "--format", "json")[0] == 1
    assert run(capsys, "scan", "--format", "json", "--ignore-parse-errors")[0] == 0


def test_error_line_names_path_and_line(capsys, project: Path) -> None:
    (project / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nspec: [unclosed\n")
    _, report = scan_json(capsys)
    assert report["errors"] == [{"path": "broken.yaml", "message": report["errors"][0]["message"], "line": 4}]


def test_stdin_with_name_and_type_hint(capsys, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(PRIVILEGED_POD.encode())))
    code, report = scan_json(capsys, "-", "--stdin-name", "rendered.yaml", "--select", "CTR")
    assert code == 1
    assert {f["path"] for f in report["findings"]} == {"rendered.yaml"}


def test_sarif_to_stdout_is_only_sarif_and_text_to_a_file(capsys, project: Path) -> None:
    (project / "pod.yaml").write_text(PRIVILEGED_POD)
    code, out, err = run(capsys, "scan", "--format", "sarif", "--format", "text", "--output", "report.txt")
    assert json.loads(out)["version"] == "2.1.0"
    assert "pod.yaml" in (project / "report.txt").read_text()
    assert code == 1


def test_two_formats_on_stdout_is_a_usage_error(capsys, project: Path) -> None:
    assert run(capsys, "scan", "--format", "json", "--format", "text")[0] == 2


def test_exclude_and_skipped_directories(capsys, project: Path) -> None:
    for folder in ("node_modules", ".git", "vendor"):
        (project / folder).mkdir()
        (project / folder / "pod.yaml").write_text(PRIVILEGED_POD)
    _, report = scan_json(capsys, "--exclude", "vendor", "--select", "CTR")
    assert report["findings"] == []


def test_symlink_out_of_the_tree_is_not_followed(capsys, tmp_path: Path, monkeypatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pod.yaml").write_text(PRIVILEGED_POD)
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "link").symlink_to(outside, target_is_directory=True)
    monkeypatch.chdir(inside)
    _, report = scan_json(capsys, "--select", "CTR")
    assert report["findings"] == [] and report["errors"] == []


def test_console_script_runs_for_real(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(PRIVILEGED_POD)
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", "pod.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, env=env)
    assert done.returncode == 1, done.stderr
    assert "pod.yaml" in done.stdout and "Traceback" not in done.stderr


def test_parse_errors_never_quote_a_credential(capsys, project: Path) -> None:
    token = "ghp_" + "Zq8" * 12
    (project / "Dockerfile").write_text(f"FROM alpine:3.20\nRUN curl -H 'Authorization: token'\n{token}\n")
    (project / "main.tf").write_text(f'provider "aws" {{\n  token = {token} {token}\n}}\n')
    code, out, err = run(capsys, "scan", "--format", "json", "--select", "DKR001")
    report = json.loads(out)
    assert {e["path"] for e in report["errors"]} == {"Dockerfile", "main.tf"}
    assert token[:12] not in out + err


CUSTOM_RULE = """\
id: ORG001
name: stdin-left-open
severity: medium
checklist: [runtime.privileged]
kinds: [kubernetes, compose]
model: container
message: "{resource} is our own rule's concern"
condition:
  field: privileged
  is: true
docs:
  what: Our organisation's rule.
  why: Because.
  example: "privileged: true"
  use_instead: "privileged: false"
"""


def test_custom_rules_folder_runs_alongside_the_catalog(capsys, project: Path) -> None:
    (project / "org-rules").mkdir()
    (project / "org-rules" / "ORG001-stdin-left-open.yaml").write_text(CUSTOM_RULE)
    (project / "pod.yaml").write_text(PRIVILEGED_POD)
    code, report = scan_json(capsys, "--rules-dir", "org-rules", "--select", "ORG001")
    assert code == 1 and [(f["rule"], f["line"]) for f in report["findings"]] == [("ORG001", 10)]


def test_malformed_custom_rule_is_a_usage_error_naming_the_file(capsys, project: Path) -> None:
    (project / "org-rules").mkdir()
    (project / "org-rules" / "ORG002-bad.yaml").write_text(CUSTOM_RULE.replace("severity: medium", "severity: dire"))
    code, out, err = run(capsys, "scan", "--rules-dir", "org-rules")
    assert code == 2 and "ORG002-bad.yaml" in err and "Traceback" not in err


@pytest.mark.parametrize(("options", "message"), [
    ("CLD022: {public_port: [80]}", ".hullscan.yaml:2: rules.CLD022: unknown option(s) public_port"),
    ("CLD999: {x: 1}", ".hullscan.yaml:2: rules.CLD999: no such rule"),
])
def test_rule_options_must_exist(capsys, project: Path, options: str, message: str) -> None:
    (project / ".hullscan.yaml").write_text(f"rules:\n  {options}\n")
    (project / "Dockerfile").write_text("FROM alpine:3.20\nUSER 1000\n")
    code, _, err = run(capsys, "scan")
    assert code == 2 and message in err
