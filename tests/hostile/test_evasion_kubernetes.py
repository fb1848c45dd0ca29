"""Evasion by YAML that kubectl reads one way and a YAML 1.2 reader another: 1.1 booleans, merge
keys placed after an explicit key, and two objects with one name. The finding must sit where the
value kubectl applies was written, for the object kubectl leaves in the cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attacks import run_hullscan, write_tree

HEAD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"


def _findings(cwd: Path, *args: str) -> set[tuple[str, int, str]]:
    done = run_hullscan("scan", ".", *args, "--format", "json", "--fail-on", "never", "--no-cache", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return {(f["rule"], f["line"], f["resource"]) for f in json.loads(done.stdout)["findings"]}


@pytest.mark.parametrize("word", ["y", "Y", "yes", "Yes", "on", "ON", "true"])
def test_yaml_1_1_true_is_true(tmp_path: Path, word: str) -> None:
    write_tree(tmp_path, {"pod.yaml": HEAD + f"    - name: app\n      image: nginx\n"
                                             f"      securityContext:\n        privileged: {word}\n"})
    assert _findings(tmp_path, "--select", "CTR002") == {("CTR002", 10, 'Pod/web container "app"')}


def test_quoted_y_is_a_string(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pod.yaml": HEAD + "    - name: app\n      image: nginx\n"
                                             "      securityContext:\n        privileged: 'y'\n"})
    assert _findings(tmp_path, "--select", "CTR002") == set()


def test_merge_after_an_explicit_key_overrides_it(tmp_path: Path) -> None:
    """go-yaml v2 applies `<<` where it stands: the merged `privileged: true` replaces the
    `privileged: false` written before it. The value kubectl applies is written on line 10."""
    write_tree(tmp_path, {"pod.yaml": HEAD + (
        "    - name: sidecar\n      image: nginx\n      securityContext: &agent\n"
        "        privileged: true\n"
        "    - name: app\n      image: nginx\n      securityContext:\n"
        "        privileged: false\n        <<: *agent\n")})
    assert _findings(tmp_path, "--select", "CTR002") == {
        ("CTR002", 10, 'Pod/web container "sidecar"'), ("CTR002", 10, 'Pod/web container "app"')}


def test_explicit_key_after_a_merge_overrides_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pod.yaml": HEAD + (
        "    - name: sidecar\n      image: nginx\n      securityContext: &agent\n"
        "        privileged: true\n"
        "    - name: app\n      image: nginx\n      securityContext:\n"
        "        <<: *agent\n        privileged: false\n")})
    assert _findings(tmp_path, "--select", "CTR002") == {("CTR002", 10, 'Pod/web container "sidecar"')}


def test_duplicate_key_last_value_wins(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pod.yaml": HEAD + "    - name: app\n      image: nginx\n      securityContext:\n"
                                             "        privileged: false\n        privileged: true\n"})
    assert _findings(tmp_path, "--select", "CTR002") == {("CTR002", 11, 'Pod/web container "app"')}


def test_findings_belong_to_the_object_kubectl_keeps(tmp_path: Path) -> None:
    first = HEAD + "    - name: app\n      image: nginx\n"
    second = HEAD + "    - name: app\n      image: nginx\n      securityContext:\n        runAsUser: 0\n"
    write_tree(tmp_path, {"pod.yaml": first + "---\n" + second})
    offset = first.count("\n") + 1
    found = _findings(tmp_path, "--select", "CTR001,CTR022")
    assert found == {("CTR001", offset + 10, 'Pod/web container "app"'),
                     ("CTR022", offset + 8, 'Pod/web container "app"')}
