"""The project root, when `--root` doesn't say: the scanned folder's repository (issue: scanning
`/abs/path/to/repo` from elsewhere ignored its configuration and reported `../../x` paths)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.attacks import run_hullscan, write_tree

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: a:1\n" \
      "      securityContext: {privileged: true}\n"


def test_a_repository_scanned_from_elsewhere_uses_its_configuration_and_paths(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {".git/HEAD": "ref: refs/heads/main\n", "deploy/pod.yaml": POD,
                                          ".hullscan.yaml": "select: [CTR002]\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = run_hullscan("scan", str(repo / "deploy"), "--format", "sarif", cwd=elsewhere)
    sarif = json.loads(done.stdout)
    (result,) = sarif["runs"][0]["results"]  # only CTR002: the repository's `select` applied
    assert result["ruleId"] == "CTR002"
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "deploy/pod.yaml", "uriBaseId": "%SRCROOT%"}
    assert sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"


def test_a_file_outside_the_root_gets_an_absolute_uri_and_a_warning(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "root", {"README.md": "x\n"})
    outside = write_tree(tmp_path / "outside", {"pod.yaml": POD})
    done = run_hullscan("scan", str(outside / "pod.yaml"), "--root", str(root), "--select", "CTR002",
                        "--format", "sarif", cwd=root)
    assert "outside the project root" in done.stderr
    (result,) = json.loads(done.stdout)["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (outside / "pod.yaml").resolve().as_uri()}
