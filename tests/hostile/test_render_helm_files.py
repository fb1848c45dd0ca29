"""A chart can't make Helm read outside the project: `.Files.Get`/`.Files.Glob` of links out,
a linked `values.yaml`, a hard link, a `file://` dependency, a `--helm-values` file outside."""

from __future__ import annotations

import os
from pathlib import Path

from attacks import CANARY, write_tree
from render_runs import CHART_YAML, assert_not_leaked, findings, pod, scan_every_format

TEMPLATE = "chart/templates/pod.yaml"


def _chart(project: Path, image: str, **files: str) -> Path:
    write_tree(project, {"chart/Chart.yaml": CHART_YAML, "chart/templates/pod.yaml": pod(image=image), **files})
    return project


def _outside(tmp_path: Path, name: str = "secret.txt") -> Path:
    secret = tmp_path / "outside" / name
    write_tree(secret.parent, {name: f"token: {CANARY}\n"})
    return secret


def test_files_get_of_a_link_to_the_process_environment(tmp_path: Path) -> None:
    project = _chart(tmp_path / "project", '{{ .Files.Get "env.txt" | b64enc }}')
    (project / "chart/env.txt").symlink_to("/proc/self/environ")
    assert_not_leaked(scan_every_format(project))
    found, _, notes = findings(project)
    assert ("CTR002", TEMPLATE) in found
    assert "env.txt" in notes and "left out of rendering" in notes


def test_files_glob_through_a_linked_folder_and_a_linked_file(tmp_path: Path) -> None:
    secret = _outside(tmp_path)
    glob = '{{ range $path, $_ := .Files.Glob "**" }}{{ $.Files.Get $path | b64enc }}{{ end }}'
    project = _chart(tmp_path / "project", glob)
    (project / "chart/linked").symlink_to(secret.parent, target_is_directory=True)
    (project / "chart/key.txt").symlink_to(secret)
    assert_not_leaked(scan_every_format(project))
    assert ("CTR002", TEMPLATE) in findings(project)[0]


def test_linked_values_file(tmp_path: Path) -> None:
    secret = _outside(tmp_path, "values.yaml")
    project = _chart(tmp_path / "project", "nginx:{{ .Values.token }}")
    (project / "chart/values.yaml").symlink_to(secret)
    (project / "chart/values-prod.yaml").symlink_to(secret)
    assert_not_leaked(scan_every_format(project))
    assert ("CTR002", TEMPLATE) in findings(project)[0]


def test_hard_link_to_a_file_outside(tmp_path: Path) -> None:
    secret = _outside(tmp_path)
    project = _chart(tmp_path / "project", '{{ .Files.Get "copy.txt" | b64enc }}')
    os.link(secret, project / "chart/copy.txt")
    assert_not_leaked(scan_every_format(project))
    assert ("CTR002", TEMPLATE) in findings(project)[0]


def test_file_dependency_outside_the_project(tmp_path: Path) -> None:
    write_tree(tmp_path / "outside-chart", {
        "Chart.yaml": "apiVersion: v2\nname: dep\nversion: 0.1.0\n",
        "templates/pod.yaml": pod(name="dep", image=f"nginx:{CANARY}")})
    chart_yaml = CHART_YAML + "dependencies:\n  - name: dep\n    version: 0.1.0\n    repository: file://../../outside-chart\n"
    project = _chart(tmp_path / "project", "nginx:1.27", **{"chart/Chart.yaml": chart_yaml})
    (project / "chart/charts").mkdir()
    (project / "chart/charts/dep").symlink_to(tmp_path / "outside-chart", target_is_directory=True)
    assert_not_leaked(scan_every_format(project))
    assert ("CTR002", TEMPLATE) in findings(project)[0]


def test_values_file_named_outside_the_project(tmp_path: Path) -> None:
    secret = _outside(tmp_path, "values.yaml")
    project = _chart(tmp_path / "project", "nginx:{{ .Values.token }}")
    outputs = scan_every_format(project, "--helm-values", str(secret))
    assert_not_leaked(outputs)
    found, report, _ = findings(project, "--helm-values", str(secret))
    assert ("CTR002", TEMPLATE) in found
    assert any("values.yaml" in e["message"] and "outside the project root" in e["message"] for e in report["errors"])


def test_link_loops_beside_and_inside_a_chart(tmp_path: Path) -> None:
    project = _chart(tmp_path / "project", "nginx:1.27")
    (project / "chart/loop").symlink_to("loop")
    (project / "chart/templates/a.yaml").symlink_to("b.yaml")
    (project / "chart/templates/b.yaml").symlink_to("a.yaml")
    outputs = scan_every_format(project)
    assert all("chart/loop" in output and "chart/templates/a.yaml" in output for output in outputs.values())
    found, _, notes = findings(project)
    assert ("CTR002", TEMPLATE) in found
    assert "templates/a.yaml" in notes


def test_values_file_named_by_the_repository_configuration(tmp_path: Path) -> None:
    """`helm-values:` in the scanned tree's own `.hullscan.yaml` can't name a file outside either
    (a configuration error, or a refused read: never its content)."""
    from attacks import run_hullscan
    from render_runs import FORMATS

    secret = _outside(tmp_path, "values.yaml")
    project = _chart(tmp_path / "project", "nginx:{{ .Values.token }}", **{
        ".hullscan.yaml": f"helm-values: [{secret}, ../outside/values.yaml]\n"})
    for fmt in FORMATS:
        done = run_hullscan("scan", ".", "--format", fmt, cwd=project)
        assert done.returncode in (0, 1, 2) and "Traceback" not in done.stderr
        assert_not_leaked({fmt: done.stdout + done.stderr})
        assert "values.yaml" in done.stdout + done.stderr
