"""A chart or overlay that could not be rendered fails the scan, in every report, unless rendering
was turned off on purpose: run as a plain install without the helm extra and without kubectl,
kustomize or helm on PATH (the GitLab template's `python:3.12-slim`, the Action's plain install)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.render import helm, kustomize

FIXTURES = Path(__file__).parent / "fixtures"
RENDERERS = {"helm", "kubectl", "kustomize"}


@pytest.fixture
def no_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH with every program it had but the renderers, and the helm SDK not importable."""
    shadow = tmp_path / "bin"
    shadow.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            if name not in RENDERERS and not (shadow / name).exists():
                (shadow / name).symlink_to(Path(folder) / name)
    monkeypatch.setenv("PATH", str(shadow))
    monkeypatch.setitem(sys.modules, "helm_python", None)  # what `import` does for a missing package
    assert helm.renderer() == "" and kustomize.tool() is None


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A chart whose debug values run a privileged container, and a Kustomize overlay."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "helm", root)
    shutil.copytree(FIXTURES / "kustomize", root / "deploy")
    monkeypatch.chdir(root)
    return root


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = main(["scan", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_an_unrendered_chart_and_overlay_fail_the_scan_in_json_and_sarif(
        no_renderer: None, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _report(capsys, "--format", "json")
    assert code == 1
    assert {error["path"] for error in report["errors"]} == {"charts/shop/Chart.yaml",
                                                             "deploy/overlays/prod/kustomization.yaml"}
    assert all("not rendered" in error["message"] for error in report["errors"])
    code, sarif, _ = _report(capsys, "--format", "sarif")
    notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    errors = [n["message"]["text"] for n in notifications if n["level"] == "error"]
    assert code == 1 and len(errors) == 2
    assert any(text.startswith("charts/shop/Chart.yaml: chart not rendered") for text in errors)


def test_a_chart_that_cannot_be_rendered_fails_even_where_nothing_else_is_found(
        no_renderer: None, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The case of the issue: a privileged chart must not pass clean with one note."""
    shutil.rmtree(project / "deploy")
    code, report, _ = _report(capsys, "--format", "json")
    assert (code, report["findings"]) == (1, [])
    assert [error["path"] for error in report["errors"]] == ["charts/shop/Chart.yaml"]


@pytest.mark.parametrize("turned_off", [["--no-render"], ["--config", "trusted.yaml"]])
def test_with_rendering_turned_off_it_stays_a_note(no_renderer: None, project: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str], turned_off: list[str]) -> None:
    shutil.rmtree(project / "deploy")
    (tmp_path / "trusted.yaml").write_text("render: {helm: false, kustomize: false}\n")
    args = [str(tmp_path / "trusted.yaml") if item == "trusted.yaml" else item for item in turned_off]
    code, report, err = _report(capsys, "--format", "json", *args)
    assert (code, report["errors"], report["findings"]) == (0, [], [])
    assert "Helm chart(s) not rendered" in err and "turned off" in err


def test_a_library_chart_deploys_nothing_so_it_is_no_error(
        no_renderer: None, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(project / "deploy")
    (project / "charts/common/templates").mkdir(parents=True)
    (project / "charts/common/Chart.yaml").write_text("apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n")
    (project / "charts/common/templates/_helpers.tpl").write_text('{{- define "common.name" -}}x{{- end }}\n')
    _, report, _ = _report(capsys, "--format", "json")
    assert [error["path"] for error in report["errors"]] == ["charts/shop/Chart.yaml"]
