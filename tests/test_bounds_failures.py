"""A failure nobody foresaw, in rendering, in one unit or in the scan itself, becomes an error line
naming where it happened; every requested report is still written and the run fails.

These stand in for bugs not yet found, so the failure is injected (the hostile cases that used to
reach these paths are in `tests/hostile/test_bounds_walk.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import main

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: web, image: nginx:1.25}]\n"
REPORTS = ["--format", "json", "--output", "a.json", "--format", "sarif", "--output", "a.sarif"]


def _broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("injected")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / "kustomization.yaml").write_text("resources: [pod.yaml]\n", encoding="utf-8")
    (tmp_path / "overlay" / "pod.yaml").write_text(POD, encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.19\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HULLSCAN_DEBUG", raising=False)
    return tmp_path


def _reports(tree: Path) -> dict[str, str]:
    json.loads((tree / "a.sarif").read_text(encoding="utf-8"))
    report = json.loads((tree / "a.json").read_text(encoding="utf-8"))
    return {error["path"]: error["message"] for error in report["errors"]} | \
        {f"{f['rule']} {f['path']}": "" for f in report["findings"]}


def test_a_failing_rendering(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scanner.render.prepare.prepare", _broken)
    assert main(["scan", ".", "--no-cache", *REPORTS]) == 1
    found = _reports(tree)
    assert found["overlay/kustomization.yaml"] == "charts and overlays could not be rendered (RuntimeError)"
    assert "DKR001 Dockerfile" in found


def test_a_failing_unit(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.run.units

    real = scanner.run.units._scan_unit
    monkeypatch.setattr(scanner.run.units, "_scan_unit", lambda unit, plan: _broken() if any(
        s.rel == "Dockerfile" for s in unit.sources) else real(unit, plan))
    assert main(["scan", ".", "--no-cache", "--no-render", "--profile", "strict", *REPORTS]) == 1
    found = _reports(tree)
    assert found["Dockerfile"] == "could not be scanned (RuntimeError)"
    assert any(key.endswith("overlay/pod.yaml") for key in found)


def test_a_failing_scan(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scanner.run.engine._gather", _broken)
    assert main(["scan", ".", "--no-cache", "--ignore-parse-errors", *REPORTS]) == 1
    assert "internal error (RuntimeError)" in _reports(tree)["."]
