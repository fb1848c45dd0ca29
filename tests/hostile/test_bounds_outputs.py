"""A report or baseline that can't be written is a usage error before the scan (exit 2, naming
the path), not "internal error" after it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from attacks import run_hullscan, write_tree


def _tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.19\n", "a-file": "x\n", "folder/keep": ""})


@pytest.mark.parametrize("flag", ["--output", "--write-baseline"])
@pytest.mark.parametrize(("target", "reason"), [("a-file/report.json", "not a folder"),
                                                ("a-file/deeper/report.json", "not a folder"),
                                                ("folder", "is a")])  # click: "is a directory"
def test_unwritable_place_is_a_usage_error_before_the_scan(tmp_path: Path, flag: str, target: str,
                                                           reason: str) -> None:
    args = ("--format", "json", flag, target) if flag == "--output" else (flag, target)
    process = run_hullscan("scan", ".", *args, cwd=_tree(tmp_path))
    assert process.returncode == 2, process.stderr
    assert target in process.stderr and reason in process.stderr
    assert "internal error" not in process.stderr
    assert "DKR001" not in process.stdout  # nothing was scanned


def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    process = run_hullscan("scan", ".", "--format", "json", "--output", "new/deeper/a.json", cwd=_tree(tmp_path))
    assert process.returncode == 1, process.stderr
    assert (tmp_path / "new" / "deeper" / "a.json").is_file()


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not stop root")
def test_folder_without_write_permission(tmp_path: Path) -> None:
    (_tree(tmp_path) / "folder").chmod(0o555)
    try:
        process = run_hullscan("scan", ".", "--format", "sarif", "--output", "folder/a.sarif", cwd=tmp_path)
    finally:
        (tmp_path / "folder").chmod(0o755)
    assert process.returncode == 2
    assert "folder/a.sarif" in process.stderr
