"""`--deadline` (or `limits.deadline`): past it the scan starts nothing new, reports what it has,
names each file it did not finish, and fails, whatever `--ignore-parse-errors` says.

The first file is 10,000 Kubernetes documents, which take over a second to parse on any machine;
the deadline is a fraction of that, so the file after it is never started.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from attacks import run_hullscan, write_tree
from bounds_run import scan

POD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata: {k: v}\n---\n"


def _tree(tmp_path: Path, config: str = "") -> Path:
    files = {"a/big.yaml": "".join(POD % index for index in range(10_000)),
             "z/Dockerfile": "FROM alpine:3.19\n"}
    if config:
        files[".hullscan.yaml"] = config
    return write_tree(tmp_path, files)


@pytest.mark.parametrize("args", [("--deadline", "0.5"), ("--deadline", "0.5", "--ignore-parse-errors")])
def test_deadline_flag_names_what_was_not_scanned(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = scan(_tree(tmp_path), *args)
    assert "z/Dockerfile" in result.errors
    assert "deadline" in result.errors["z/Dockerfile"]
    assert result.names("z/Dockerfile")
    assert not any(path == "z/Dockerfile" for _, path in result.rules)
    assert result.process.returncode == 1
    assert "not scanned" in result.process.stderr


def test_deadline_from_the_configuration(tmp_path: Path) -> None:
    result = scan(_tree(tmp_path, "limits: {deadline: 0.5}\n"))
    assert "deadline" in result.errors.get("z/Dockerfile", "")


def test_no_deadline_by_default(tmp_path: Path) -> None:
    write_tree(tmp_path, {"z/Dockerfile": "FROM alpine:3.19\n"})
    result = scan(tmp_path)
    assert result.errors == {}
    assert ("DKR001", "z/Dockerfile") in result.rules


def test_deadline_must_be_positive(tmp_path: Path) -> None:
    write_tree(tmp_path, {".hullscan.yaml": "limits: {deadline: 0}\n"})
    process = run_hullscan("scan", ".", cwd=tmp_path)
    assert process.returncode == 2
    assert "limits.deadline" in process.stderr
