"""The pull-request comment shows a container's hygiene as one row and the same row in several
generated bundles once (scanner.report.grouping); the data formats keep every finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import main

# Like an install bundle generated twice from one source (`install.yaml`, `ha/install.yaml`).
BUNDLE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: repo-server
  namespace: argocd
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers:
        - name: repo-server
          image: quay.io/example/repo-server:v2.9.0
          securityContext:
            allowPrivilegeEscalation: true
            privileged: true
"""


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    (tmp_path / "ha").mkdir(exist_ok=True)
    (tmp_path / "install.yaml").write_text(BUNDLE)
    (tmp_path / "ha" / "install.yaml").write_text(BUNDLE)
    main(["scan", str(tmp_path), "--root", str(tmp_path), *extra])
    return capsys.readouterr().out


def test_data_formats_keep_every_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_run(tmp_path, capsys, "--profile", "strict", "--format", "json"))
    privileged = [f for f in data["findings"] if f["rule"] == "CTR002"]
    assert sorted(f["path"] for f in privileged) == ["ha/install.yaml", "install.yaml"]
    assert len({f["rule"] for f in data["findings"]}) > 5


def test_the_pull_request_comment_groups_alike(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _run(tmp_path, capsys, "--profile", "strict", "--format", "markdown")
    rows = [line for line in text.splitlines() if line.startswith("| CTR")]
    assert len(rows) == 2  # the privileged container, and one row of the container's hygiene
    assert "(the same in 1 other file: install.yaml:15)" in rows[0]
    assert "CTR017 memory-limit-missing" in rows[1] and "hardening settings to add or fix" in rows[1]


def test_dockerfiles_of_one_name_in_two_folders_stay_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for folder in ("api", "worker"):  # two images, each its own root-user finding
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "Dockerfile").write_text("FROM debian:12\nRUN apt-get update\n")
    main(["scan", str(tmp_path), "--root", str(tmp_path), "--select", "DKR001", "--format", "markdown"])
    text = capsys.readouterr().out
    assert text.count("DKR001 root-user") == 2 and "the same in" not in text
