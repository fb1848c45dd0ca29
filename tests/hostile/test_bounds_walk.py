"""What the walk can't read is an error line naming it; the rest is scanned and reported.

A symbolic link loop beside a chart or a kustomization, a folder that can't be listed, a link to a
file that can't be read: each used to end the run with `internal error` and no report, or (a
folder) be skipped without a word.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from attacks import write_tree
from bounds_run import scan

POD = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: nginx:1.25
      securityContext: {privileged: true}
"""
CHART = {"chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n", "chart/templates/pod.yaml": POD}
OVERLAY = {"overlay/kustomization.yaml": "resources: [pod.yaml]\n", "overlay/pod.yaml": POD}
AS_ROOT = pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not stop root")


def _loop(folder: Path) -> None:
    (folder / "loop-a").symlink_to("loop-b")
    (folder / "loop-b").symlink_to("loop-a")


@pytest.mark.parametrize("files", [CHART, OVERLAY], ids=["chart", "kustomization"])
def test_symlink_loop_beside_a_render_root(tmp_path: Path, files: dict[str, str]) -> None:
    write_tree(tmp_path, {**files, "Dockerfile": "FROM alpine:3.19\n"})
    folder = tmp_path / next(iter(files)).split("/")[0]
    _loop(folder)
    result = scan(tmp_path, "--no-render")
    for name in ("loop-a", "loop-b"):
        assert f"{folder.name}/{name}" in result.errors
        assert result.names(f"{folder.name}/{name}")
    assert ("DKR001", "Dockerfile") in result.rules  # the rest of the scan went on
    assert result.process.returncode == 1


def test_symlink_loop_beside_a_rendered_overlay(tmp_path: Path) -> None:
    write_tree(tmp_path, OVERLAY)
    _loop(tmp_path / "overlay")
    result = scan(tmp_path)
    assert "overlay/loop-a" in result.errors
    assert any(rule == "CTR002" for rule, _ in result.rules)  # the privileged pod, rendered or not


def test_folder_that_cannot_be_listed_is_an_error(tmp_path: Path) -> None:
    """A folder whose path is longer than the system allows (`ENAMETOOLONG`) can't be listed, even
    by root: reported like an unreadable file."""
    write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.19\n"})
    name = "d" * 250
    descriptor = os.open(tmp_path, os.O_RDONLY)
    depth = 0
    try:
        while depth < 20:  # 20 × 251 characters: past PATH_MAX (4096)
            os.mkdir(name, dir_fd=descriptor)
            inner = os.open(name, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
            depth += 1
    finally:
        os.close(descriptor)
    result = scan(tmp_path)
    unreadable = [path for path, message in result.errors.items() if message.startswith("cannot read folder")]
    assert len(unreadable) == 1 and unreadable[0].startswith(name), result.errors
    assert ("DKR001", "Dockerfile") in result.rules
    assert result.process.returncode == 1


@AS_ROOT
def test_folder_without_permission_is_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.19\n", "locked/pod.yaml": POD})
    (tmp_path / "locked").chmod(0)
    try:
        result = scan(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert result.errors.get("locked", "").startswith("cannot read folder")
    assert result.names("locked")


@AS_ROOT
def test_link_to_an_unreadable_file_in_an_overlay(tmp_path: Path) -> None:
    write_tree(tmp_path, {**OVERLAY, "secret.yaml": POD})
    (tmp_path / "secret.yaml").chmod(0)
    (tmp_path / "overlay" / "extra.yaml").symlink_to("../secret.yaml")
    result = scan(tmp_path)
    assert "overlay/extra.yaml" in result.errors or "secret.yaml" in result.errors
    assert any(rule == "CTR002" for rule, _ in result.rules)
