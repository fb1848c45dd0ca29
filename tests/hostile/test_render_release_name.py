"""A chart can't hide a setting behind the release name or an offline `lookup`: it is rendered again
under a second release name, and a template that reads the cluster is named in a note."""

from __future__ import annotations

from pathlib import Path

from attacks import write_tree
from render_runs import CHART_YAML, assert_not_leaked, findings, scan_every_format

BRANCHING = """apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-app
spec:
  hostNetwork: true
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
{{- if eq .Release.Name "release" }}
        privileged: false
{{- else }}
        privileged: true
{{- end }}
"""
LOOKUP = """{{- $existing := lookup "v1" "Secret" .Release.Namespace "app" }}
apiVersion: v1
kind: Pod
metadata:
  name: looked-up
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: {{ if $existing }}false{{ else }}true{{ end }}
"""


def test_setting_only_under_another_release_name_is_reported_once(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "project", {"chart/Chart.yaml": CHART_YAML,
                                                "chart/templates/pod.yaml": BRANCHING})
    assert_not_leaked(scan_every_format(project))
    found, report, _ = findings(project)
    (privileged,) = [f for f in report["findings"] if f["rule"] == "CTR002"]
    assert privileged["path"] == "chart/templates/pod.yaml" and privileged["line"] == 14
    assert "release name production" in privileged["message"]
    assert found.count(("CTR006", "chart/templates/pod.yaml")) == 1  # both renderings share it


def test_template_calling_lookup_gets_a_note(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "project", {"chart/Chart.yaml": CHART_YAML,
                                                "chart/templates/pod.yaml": LOOKUP,
                                                "chart/templates/word.yaml": "# lookup is only a word here\n"})
    found, _, notes = findings(project)
    assert "chart/templates/pod.yaml call `lookup`" in notes and "word.yaml" not in notes
    assert ("CTR002", "chart/templates/pod.yaml") in found
