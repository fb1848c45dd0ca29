"""Tracing a rendered value to its values file reads only what the renderer may read: a values
file linked or named outside the project is never read for it nor pointed at, and a values file
of many settings read by a template of many lines is traced within the scan's limits."""

from __future__ import annotations

from pathlib import Path

from attacks import CANARY, write_tree
from render_runs import CHART_YAML, PRIVILEGED_POD, assert_not_leaked, findings, scan_every_format

TEMPLATE = PRIVILEGED_POD.format(name="app", image="nginx:1.27").replace(
    "privileged: true", "privileged: {{ .Values.securityContext.privileged }}")
SETS_IT = f"securityContext:\n  privileged: true\ntoken: {CANARY}\n"


def test_values_files_outside_the_project_are_never_traced_to(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"values.yaml": SETS_IT}) / "values.yaml"
    project = write_tree(tmp_path / "project", {
        "chart/Chart.yaml": CHART_YAML, "chart/templates/pod.yaml": TEMPLATE,
        "chart/values.yaml": "securityContext:\n  privileged: false\n"})
    (project / "chart/values-prod.yaml").symlink_to(outside)
    assert_not_leaked(scan_every_format(project, "--helm-values", str(outside)))
    found, report, _ = findings(project, "--helm-values", str(outside))
    assert [place for place in found if place[0] == "CTR002"] == []
    assert all(not f["path"].startswith(("/", "..")) for f in report["findings"])


def test_many_values_read_by_many_lines_are_traced(tmp_path: Path) -> None:
    count = 3000
    reads = "".join(f"  k{n}: {{{{ .Values.many.k{n} | quote }}}}\n" for n in range(count))
    config_map = f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many\ndata:\n{reads}"
    values = "securityContext:\n  privileged: true\nmany:\n" + "".join(f"  k{n}: 'true'\n" for n in range(count))
    project = write_tree(tmp_path / "project", {
        "chart/Chart.yaml": CHART_YAML, "chart/templates/pod.yaml": TEMPLATE + config_map,
        "chart/values.yaml": values})
    found, _, _ = findings(project)
    assert ("CTR002", "chart/values.yaml") in found
