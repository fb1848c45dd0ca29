"""Helm charts and Kustomize overlays are judged as rendered, and reported where they are written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from scanner.inputs.discover import walk
from scanner.render import helm, kustomize
from scanner.results.result import ScanResult
from scanner.run.engine import scan
from scanner.settings.config import Config

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATE = "charts/shop/templates/deployment.yaml"
DEBUG = "charts/shop/values-debug.yaml"


def run(target: Path, root: Path, **settings: object) -> ScanResult:
    config = Config(root=root, select=("CTR002", "CTR006"), **settings)
    return scan(walk([str(target)], root), config)


def places(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.rule, f.path, f.line) for f in result.findings}


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "helm", tmp_path / "project")
    return tmp_path / "project"


def test_chart_is_rendered_per_values_file_and_mapped_to_the_values_line_and_template(chart: Path) -> None:
    result = run(chart, chart)
    assert result.errors == []
    assert places(result) == {("CTR002", DEBUG, 2), ("CTR006", DEBUG, 3)}
    assert {(f.rule, f.related[0].path, f.related[0].line) for f in result.findings} == {
        ("CTR002", TEMPLATE, 25), ("CTR006", TEMPLATE, 17)}
    assert all("values-debug.yaml" in f.message for f in result.findings)
    assert any("'cache' is not vendored" in note for note in result.notes)


@pytest.mark.parametrize(("override", "expected"), [
    ("privileged: true\n", {("CTR002", "override.yaml", 1)}),
    ("privileged: false\n", set()),
])
def test_values_override_turns_a_setting_on_and_off(chart: Path, override: str, expected: set) -> None:
    (chart / "charts/shop/values-debug.yaml").unlink()
    values = chart / "override.yaml"
    values.write_text(override)
    result = run(chart, chart, helm_values=(values,))
    assert {p for p in places(result)} == expected
    assert all("override.yaml" in f.message for f in result.findings)


def test_chart_that_fails_to_render_is_an_error(chart: Path) -> None:
    (chart / "charts/shop/templates/broken.yaml").write_text("kind: {{ .Values.x | nosuchfunction }}\n")
    result = run(chart, chart)
    assert result.errors and all(e.path == "charts/shop/Chart.yaml" for e in result.errors)
    assert "failed to render" in result.errors[0].message


def test_without_a_renderer_the_chart_is_an_error_and_its_templates_never_parse_errors(chart: Path,
                                                                                       monkeypatch) -> None:
    monkeypatch.setattr(helm, "renderer", lambda: "")
    result = run(chart, chart)
    assert [error.path for error in result.errors] == ["charts/shop/Chart.yaml"]
    assert "not rendered" in result.errors[0].message and "hullscan[helm]" in result.errors[0].message
    assert result.findings == []


def test_with_rendering_turned_off_an_unrendered_chart_is_a_note(chart: Path, monkeypatch) -> None:
    monkeypatch.setattr(helm, "renderer", lambda: "")
    result = run(chart, chart, render_helm=False)
    assert result.errors == [] and result.findings == []
    assert any("Helm chart(s) not rendered" in note and "turned off" in note for note in result.notes)


@pytest.mark.parametrize("render_kustomize", [True, False])
def test_without_kustomize_an_overlay_is_an_error_unless_rendering_is_off(tmp_path: Path, monkeypatch,
                                                                          render_kustomize: bool) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "kustomize", project)
    monkeypatch.setattr(kustomize, "tool", lambda: None)
    result = run(project, project, render_kustomize=render_kustomize)
    if render_kustomize:
        assert [error.path for error in result.errors] == ["overlays/prod/kustomization.yaml"]
        assert "not rendered" in result.errors[0].message and "kubectl" in result.errors[0].message
    else:
        assert result.errors == []
        assert any("kustomization(s) not rendered" in note for note in result.notes)


def test_rendered_stream_points_at_the_template_with_the_stream_related(chart: Path) -> None:
    stream = chart / "rendered.yaml"
    shutil.copy(FIXTURES / "rendered" / "helm-debug.yaml", stream)
    result = scan(walk([str(stream)], chart), Config(root=chart, select=("CTR002",)))
    (finding,) = result.findings
    assert (finding.path, finding.line) == (TEMPLATE, 25)
    assert finding.related[0].path == "rendered.yaml" and finding.related[0].line == 30


def test_rendered_stream_without_its_chart_stays_on_the_stream(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "rendered" / "helm-debug.yaml", tmp_path / "out.yaml")
    result = scan(walk([str(tmp_path)], tmp_path), Config(root=tmp_path, select=("CTR002",)))
    assert places(result) == {("CTR002", "out.yaml", 30)}


def test_kustomize_overlay_is_rendered_and_mapped_to_its_patch(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "kustomize", project)
    result = run(project, project)
    if kustomize.tool() is None:
        assert [error.path for error in result.errors] == ["overlays/prod/kustomization.yaml"]
        assert places(result) == set()  # the patch alone is never judged as a whole object
    else:
        assert places(result) == {("CTR002", "overlays/prod/debug-patch.yaml", 12)}
        assert "kustomize overlays/prod" in result.findings[0].message
        assert result.errors == []


def test_chart_that_renders_nothing_is_an_error_unless_its_dependencies_explain_it(chart: Path) -> None:
    templates = chart / "charts/shop/templates"
    for template in ("deployment.yaml", "service.yaml"):
        (templates / template).write_text("{{- if .Values.enabled }}\nkind: Pod\n{{- end }}\n")
    (chart / "charts/shop/values-debug.yaml").unlink()
    with_dependency = run(chart, chart)
    assert with_dependency.errors == []
    chart_file = chart / "charts/shop/Chart.yaml"
    chart_file.write_text(chart_file.read_text().split("dependencies:")[0])
    without = run(chart, chart)
    assert [e.message for e in without.errors] == ["chart shop, default values: rendered no Kubernetes objects"]


def test_chart_folder_named_unlike_the_chart_still_maps(chart: Path) -> None:
    (chart / "charts/shop").rename(chart / "charts/shop-chart")
    result = run(chart, chart)
    debug, template = (name.replace("charts/shop/", "charts/shop-chart/") for name in (DEBUG, TEMPLATE))
    assert places(result) == {("CTR002", debug, 2), ("CTR006", debug, 3)}
    assert {(f.related[0].path, f.related[0].line) for f in result.findings} == {(template, 25), (template, 17)}


def test_helm_2_requirements_count_as_dependencies(chart: Path) -> None:
    chart_file = chart / "charts/shop/Chart.yaml"
    chart_file.write_text(chart_file.read_text().split("dependencies:")[0])
    (chart / "charts/shop/requirements.yaml").write_text("dependencies:\n  - name: legacy\n    version: 1.0.0\n")
    assert any("'legacy' is not vendored" in note for note in run(chart, chart).notes)


def test_helm_binary_renders_a_private_copy_offline(chart: Path, tmp_path: Path, monkeypatch) -> None:
    """The binary sees a copy outside the project, none of the runner's variables, no proxy that works."""
    import json
    import sys

    record, fake = tmp_path / "calls.jsonl", tmp_path / "bin" / "helm"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                    f"with open({str(record)!r}, 'a') as out:\n"
                    "    out.write(json.dumps({'cwd': os.getcwd(), 'args': sys.argv[1:], 'env': dict(os.environ)}) + '\\n')\n"
                    f"sys.stdout.write(open({str(FIXTURES / 'rendered' / 'helm-debug.yaml')!r}).read())\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("CI_JOB_TOKEN", "runner-secret")
    monkeypatch.setattr(helm, "renderer", lambda: "binary")
    result = run(chart, chart)
    assert ("CTR002", TEMPLATE, 25) in places(result)
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(calls) == 4  # default values and values-debug.yaml, each under two release names
    assert {call["args"][1] for call in calls} == {helm.RELEASE, helm.SECOND_RELEASE}
    for call in calls:
        copy = Path(call["args"][2])
        assert chart not in copy.parents and not copy.exists()  # a private copy, removed afterwards
        assert "CI_JOB_TOKEN" not in call["env"] and call["env"]["HTTPS_PROXY"].startswith("http://127.0.0.1:")
