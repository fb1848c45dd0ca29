"""A resource name and a file name that try to inject GitHub workflow commands, break lines,
links and XML: every format must keep them inert and every structured report must still parse."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from tests.attacks import run_hullscan, write_tree

FORMATS = ("text", "json", "sarif", "junit", "gitlab-sast", "codeclimate", "markdown")
SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "sarif-schema-2.1.0.json").read_text())
EVIL_NAME = "evil\n::error file=README.md::pwned\n::stop-commands::x"
# A file name holding a newline, a workflow command, a control character and a bare host name.
EVIL_FILE = "pod\n::add-mask::critical \x1b[31m www.evil.example.org.yaml"
POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
    - name: "web\\u0007\\u202e https://evil.example.org/x"
      image: nginx:latest
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("inject"), {
        "pod.yaml": POD.format(name=json.dumps(EVIL_NAME)),
        EVIL_FILE: POD.format(name="plain"),
    })


def workflow_commands(output: str) -> list[str]:
    """Lines GitHub's runner would take as a command (it ignores leading whitespace)."""
    return [line for line in output.splitlines() if line.lstrip().startswith("::")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_prints_a_workflow_command_and_each_parses(project: Path, fmt: str) -> None:
    run = run_hullscan("scan", ".", "--format", fmt, "--profile", "strict", cwd=project,
                       env={"COLUMNS": ""})  # text: unwrapped
    assert run.returncode == 1, run.stderr
    assert workflow_commands(run.stdout) == [] and workflow_commands(run.stderr) == []
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout and "\u202e" not in run.stdout
    assert "evil" in run.stdout and "stop-commands" in run.stdout  # shown, but inert
    if fmt in ("json", "gitlab-sast", "codeclimate"):
        json.loads(run.stdout)
    elif fmt == "sarif":
        jsonschema.Draft4Validator(SCHEMA).validate(json.loads(run.stdout))
    elif fmt == "junit":
        ElementTree.fromstring(run.stdout.encode("utf-8"))
    elif fmt == "text":
        named = [line for line in run.stdout.splitlines() if "stop-commands" in line]
        # one line each: a finding's, or a container's entry of hardening settings
        assert named and all(" CTR0" in line or " K8S0" in line or "hardening setting" in line for line in named)


def test_markdown_links_only_what_hullscan_links(project: Path) -> None:
    run = run_hullscan("scan", ".", "--format", "markdown", "--profile", "strict", cwd=project)
    assert "https://evil.example.org/x" in run.stdout and "www.evil.example.org" in run.stdout
    assert "](http" not in run.stdout and "<http" not in run.stdout
    for line in run.stdout.splitlines():
        for bare in ("https://evil", "www.evil"):
            at = line.find(bare)
            assert at < 0 or line[at - 1] == "`", line  # shown as code, which never links


def test_reports_written_to_files_parse_too(project: Path, tmp_path: Path) -> None:
    targets = {fmt: tmp_path / f"report.{fmt}" for fmt in ("sarif", "junit", "json")}
    args = [arg for fmt, path in targets.items() for arg in ("--format", fmt, "--output", str(path))]
    run = run_hullscan("scan", ".", "--profile", "strict", *args, cwd=project)
    assert run.returncode == 1, run.stderr
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(targets["sarif"].read_text()))
    ElementTree.parse(targets["junit"])
    paths = {finding["path"] for finding in json.loads(targets["json"].read_text())["findings"]}
    assert paths == {"pod.yaml", "pod\\n::add-mask::critical \\x1b[31m www.evil.example.org.yaml"}
