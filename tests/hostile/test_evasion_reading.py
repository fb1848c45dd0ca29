"""Evasion by how a file is written: its encoding, indentation or style, a CRD line, a pipe, or a
report that looks like hullscan's own. Each file here is one kubectl or PowerShell would read as
usual; hullscan must find what is in it, at the line it is on."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from attacks import run_hullscan, write_tree

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx
      securityContext:
        privileged: true
"""
PRIVILEGED_LINE = 10
TOKEN = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ3b5D"  # a well-formed, made-up GitHub token


def _findings(cwd: Path, *args: str, stdin: bytes | None = None) -> tuple[set[tuple[str, str, int]], str]:
    done = run_hullscan("scan", *args, "--format", "json", "--fail-on", "never", "--no-cache",
                        cwd=cwd, stdin=stdin)
    out = done.stdout.decode() if isinstance(done.stdout, bytes) else done.stdout
    err = done.stderr.decode() if isinstance(done.stderr, bytes) else done.stderr
    assert done.returncode == 0, err
    report = json.loads(out)
    return {(f["path"], f["rule"], f["line"]) for f in report["findings"]}, err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom", "utf-8-sig", "utf-32", "utf-16-le"])
def test_wide_or_marked_manifest_is_scanned(tmp_path: Path, encoding: str) -> None:
    data = {"utf-16-be-bom": b"\xfe\xff" + POD.encode("utf-16-be"),
            "utf-16-le": POD.encode("utf-16-le")}.get(encoding) or POD.encode(encoding)
    write_tree(tmp_path, {"pod.yaml": data})
    found, _ = _findings(tmp_path, ".", "--select", "CTR002")
    assert found == {("pod.yaml", "CTR002", PRIVILEGED_LINE)}


def test_powershell_script_in_utf16_is_read_for_secrets(tmp_path: Path) -> None:
    script = f"# deploy\r\n$ErrorActionPreference = 'Stop'\r\n$token = '{TOKEN}'\r\n"
    write_tree(tmp_path, {"deploy.ps1": b"\xff\xfe" + script.encode("utf-16-le")})
    found, _ = _findings(tmp_path, ".", "--select", "SEC004")
    assert found == {("deploy.ps1", "SEC004", 3)}


def test_indented_top_level_mapping_is_a_manifest(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pod.yaml": "".join("  " + line + "\n" for line in POD.splitlines())})
    assert _findings(tmp_path, ".", "--select", "CTR002")[0] == {("pod.yaml", "CTR002", PRIVILEGED_LINE)}


def test_one_line_json_saved_as_yaml_is_a_manifest(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
           "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": True}}]}}
    write_tree(tmp_path, {"pod.yml": "# generated\n" + json.dumps(pod) + "\n"})
    assert _findings(tmp_path, ".", "--select", "CTR002")[0] == {("pod.yml", "CTR002", 2)}


def test_flow_mapping_after_a_document_marker_is_a_manifest(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pod.yaml": "--- {apiVersion: v1, kind: Pod, metadata: {name: web},\n"
                                      "  spec: {containers: [{name: app, image: nginx,\n"
                                      "    securityContext: {privileged: true}}]}}\n"})
    assert _findings(tmp_path, ".", "--select", "CTR002")[0] == {("pod.yaml", "CTR002", 3)}


def test_yaml_that_is_no_known_type_is_still_read_for_secrets(tmp_path: Path) -> None:
    write_tree(tmp_path, {"settings.yaml": f"deploy:\n  github_token: {TOKEN}\n"})
    assert _findings(tmp_path, ".", "--select", "SEC004")[0] == {("settings.yaml", "SEC004", 2)}


def test_binary_yaml_is_named_not_dropped(tmp_path: Path) -> None:
    write_tree(tmp_path, {"blob.yaml": b"\x00\x01\x02garbage\xff" * 10})
    _, err = _findings(tmp_path, ".")
    assert "blob.yaml" in err


@pytest.mark.parametrize("crd_line", [
    "kind: CustomResourceDefinition\napiVersion: v1\nkind: Pod\n",  # a duplicate key: the last is read
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {a: b,\nkind: CustomResourceDefinition}}\n",
])
def test_a_crd_line_does_not_hide_the_pod(tmp_path: Path, crd_line: str) -> None:
    rest = POD.split("spec:\n", 1)[1]
    head = crd_line if "metadata" in crd_line else crd_line + "metadata:\n  name: web\n"
    text = head + "spec:\n" + rest
    write_tree(tmp_path, {"pod.yaml": text})
    line = text.splitlines().index("        privileged: true") + 1
    assert _findings(tmp_path, ".", "--select", "CTR002")[0] == {("pod.yaml", "CTR002", line)}


def test_crd_text_inside_a_block_scalar_does_not_hide_the_pod(tmp_path: Path) -> None:
    text = POD.replace("  name: web\n", "  name: web\n  annotations:\n    note: |\n"
                                        "      kind: CustomResourceDefinition\n")
    write_tree(tmp_path, {"pod.yaml": "---\n" + text})
    line = ("---\n" + text).splitlines().index("        privileged: true") + 1
    assert _findings(tmp_path, ".", "--select", "CTR002")[0] == {("pod.yaml", "CTR002", line)}


def test_a_real_crd_beside_a_pod_keeps_the_pod_lines(tmp_path: Path) -> None:
    crd = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
           "  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n"
           "  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true}]\n")
    write_tree(tmp_path, {"bundle.yaml": crd + "---\n" + POD})
    line = crd.count("\n") + 1 + PRIVILEGED_LINE
    assert _findings(tmp_path, ".", "--select", "CTR002")[0] == {("bundle.yaml", "CTR002", line)}


def test_piped_manifest_is_classified_by_content(tmp_path: Path) -> None:
    found, _ = _findings(tmp_path, "-", "--select", "CTR002", stdin=POD.encode())
    assert found == {("stdin", "CTR002", PRIVILEGED_LINE)}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_piped_kustomize_output_is_classified_by_content(tmp_path: Path) -> None:
    write_tree(tmp_path, {"overlay/kustomization.yaml": "resources: [pod.yaml]\n", "overlay/pod.yaml": POD})
    rendered = subprocess.run(["kubectl", "kustomize", str(tmp_path / "overlay")], capture_output=True,
                              timeout=60, check=True).stdout
    found, _ = _findings(tmp_path, "-", "--select", "CTR002", stdin=rendered)
    assert {rule for _, rule, _ in found} == {"CTR002"}


@pytest.mark.parametrize("report_format", ["sarif", "json", "gitlab-sast", "codeclimate", "junit", "markdown"])
def test_own_reports_are_never_judged(tmp_path: Path, report_format: str) -> None:
    """The report of a scan (SARIF embeds every rule's documentation and its example tokens) lies
    in the workspace of the next job; scanning that workspace must not judge it, whatever its name."""
    write_tree(tmp_path, {"project/pod.yaml": POD, "project/Dockerfile": f"FROM alpine\nENV GITHUB_TOKEN={TOKEN}\n"})
    written = run_hullscan("scan", "project", "--format", report_format, "--output", "artefact.out",
                           "--fail-on", "never", "--no-cache", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    (tmp_path / "project").joinpath("pod.yaml").unlink()
    (tmp_path / "project").joinpath("Dockerfile").unlink()
    found, err = _findings(tmp_path, ".")
    assert found == set()
    assert "artefact.out" in err and "hullscan" in err
