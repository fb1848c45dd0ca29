"""A Helm finding whose value was set in a values file points at the values file's line, with the
template line that reads the value as a related location."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.inputs.discover import walk
from scanner.nodes import Location
from scanner.render.sourcemap import Segment, SourceFile, place
from scanner.results.result import ScanResult
from scanner.run.engine import scan
from scanner.settings.config import Config

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
          securityContext:
            privileged: {{ .Values.securityContext.privileged }}
"""
WHOLE = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.example.com/web:1.0
      securityContext: {{- toYaml .Values.securityContext | nindent 8 }}
"""


def chart(root: Path, template: str, values: str, **more: str) -> Path:
    folder = root / "chart"
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n")
    (folder / "templates/workload.yaml").write_text(template)
    (folder / "values.yaml").write_text(values)
    for name, text in more.items():
        (folder / name).write_text(text)
    return folder


def run(root: Path, **settings: object) -> ScanResult:
    result = scan(walk([str(root)], root), Config(root=root, select=("CTR002",), **settings))
    assert result.errors == []
    return result


def test_default_value_points_at_values_yaml_with_the_template_related(tmp_path: Path) -> None:
    chart(tmp_path, DEPLOYMENT, "replicas: 1\nsecurityContext:\n  privileged: true\n")
    [finding] = run(tmp_path).findings
    assert (finding.path, finding.line) == ("chart/values.yaml", 3)
    assert Location("chart/templates/workload.yaml", 16) in finding.related
    assert "not found" not in finding.message


def test_of_the_lines_that_read_the_value_the_one_that_writes_it_is_related(tmp_path: Path) -> None:
    template = "{{- if .Values.securityContext.privileged }}\n" + DEPLOYMENT + "{{- end }}\n"
    chart(tmp_path, template, "securityContext:\n  privileged: true\n")
    [finding] = run(tmp_path).findings
    assert (finding.path, finding.line) == ("chart/values.yaml", 2)
    assert Location("chart/templates/workload.yaml", 17) in finding.related


def test_values_file_beside_the_chart_points_at_its_own_line(tmp_path: Path) -> None:
    chart(tmp_path, DEPLOYMENT, "securityContext:\n  privileged: false\n",
          **{"values-prod.yaml": "# production\nsecurityContext:\n  privileged: true\n"})
    [finding] = run(tmp_path).findings
    assert (finding.path, finding.line) == ("chart/values-prod.yaml", 3)
    assert "values-prod.yaml" in finding.message
    assert Location("chart/templates/workload.yaml", 16) in finding.related


def test_helm_values_file_points_at_its_line(tmp_path: Path) -> None:
    chart(tmp_path, DEPLOYMENT, "securityContext:\n  privileged: false\n")
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/override.yaml").write_text("securityContext:\n\n  privileged: true\n")
    [finding] = run(tmp_path, helm_values=(tmp_path / "deploy/override.yaml",)).findings
    assert (finding.path, finding.line) == ("deploy/override.yaml", 3)


def test_a_setting_written_out_whole_points_at_its_key_in_values_yaml(tmp_path: Path) -> None:
    chart(tmp_path, WHOLE, "securityContext:\n  runAsNonRoot: true\n  privileged: true\n")
    [finding] = run(tmp_path).findings
    assert (finding.path, finding.line) == ("chart/values.yaml", 3)
    assert Location("chart/templates/workload.yaml", 9) in finding.related


@pytest.mark.parametrize("values", [
    "securityContext:\n  privileged: true\nother:\n  privileged: true\n",  # read by name, not by path
    "settings:\n  privileged: true\n",  # set, but never read by the template
])
def test_a_value_the_template_does_not_read_is_not_claimed(tmp_path: Path, values: str) -> None:
    template = DEPLOYMENT.replace("{{ .Values.securityContext.privileged }}", "{{ .Values.flag }}")
    chart(tmp_path, template, values + "flag: true\n")
    [finding] = run(tmp_path).findings
    assert (finding.path, finding.line) == ("chart/values.yaml", values.count("\n") + 1)


def test_without_a_values_line_the_finding_points_at_the_template_line_that_reads_the_key(tmp_path: Path) -> None:
    template = DEPLOYMENT.replace("{{ .Values.securityContext.privileged }}",
                                 "{{ not .Values.securityContext.privileged }}")
    chart(tmp_path, template, "securityContext:\n  privileged: false\n")
    [finding] = run(tmp_path).findings
    assert (finding.path, finding.line) == ("chart/templates/workload.yaml", 16)
    assert "line 1" not in finding.message


def test_an_ambiguous_value_keeps_the_resource_start_and_says_so(tmp_path: Path) -> None:
    template = WHOLE + "      resources: {{- toYaml .Values.limits | nindent 8 }}\n"
    chart(tmp_path, template, "securityContext:\n  privileged: true\nlimits:\n  privileged: true\n")
    [finding] = run(tmp_path).findings
    assert (finding.path, finding.line) == ("chart/templates/workload.yaml", 1)
    assert "showing where the resource starts" in finding.message


@pytest.mark.parametrize(("template", "line", "note"), [
    (('{{- include "web.pod" . }}', "{{- if .Values.pod.privileged }}"), 2, "the template line that reads `privileged`"),
    (('{{- include "web.pod" . }}',), 1, "the template's first line"),
])
def test_a_line_found_nowhere_points_at_the_template_line_that_reads_its_key(template: tuple[str, ...], line: int,
                                                                              note: str) -> None:
    rendered = ["kind: Pod", "spec:", "  privileged: true"]
    found = place(rendered, Segment(1, 3, (SourceFile("t.yaml", template),)), 3)
    assert (found.line, found.exact) == (line, False)
    assert note in found.note
