"""No chart takes the scan down: a template that loops for hours or writes hundreds of megabytes is
one error naming the chart, and the rest of the scan and every report are still written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attacks import run_hullscan, write_tree
from render_runs import CHART_YAML, pod

TEMPLATES = {
    "endless": "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n",
    "200 MB": '{{- range until 20000 }}{{ repeat 10000 "x" }}{{ end }}\n',
}


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_unbounded_template_is_an_error_naming_the_chart(tmp_path: Path, template: str) -> None:
    project = write_tree(tmp_path / "project", {
        "chart/Chart.yaml": CHART_YAML, "chart/templates/pod.yaml": pod(), "chart/templates/bomb.yaml": template,
        "plain/pod.yaml": pod(name="plain")})
    done = run_hullscan("scan", ".", "--file-timeout", "2", "--format", "text", "--format", "json", "--output",
                        "report.json", "--format", "sarif", "--output", "report.sarif", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr
    report = json.loads((project / "report.json").read_text())
    assert json.loads((project / "report.sarif").read_text())["runs"]
    assert [e["path"] for e in report["errors"]] == ["chart/Chart.yaml"]
    assert "chart app" in report["errors"][0]["message"]
    assert ("CTR002", "plain/pod.yaml") in {(f["rule"], f["path"]) for f in report["findings"]}
    assert "chart/Chart.yaml" in done.stdout
