"""Shared by the rendering attacks (`test_render_*.py`): a chart and an overlay that hold one
privileged pod each (the finding that must survive every attack), and a scan in every format."""

from __future__ import annotations

import json
from pathlib import Path

from attacks import leaked, run_hullscan

FORMATS = ("text", "json", "sarif")
CHART_YAML = "apiVersion: v2\nname: app\nversion: 0.1.0\n"
PRIVILEGED_POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
    - name: app
      image: "{image}"
      securityContext:
        privileged: true
"""


def pod(name: str = "app", image: str = "nginx:1.27") -> str:
    return PRIVILEGED_POD.format(name=name, image=image)


def scan_every_format(project: Path, *args: str) -> dict[str, str]:
    """Standard output and error of `hullscan scan .` in each format; none may be a crash."""
    outputs = {}
    for fmt in FORMATS:
        done = run_hullscan("scan", ".", "--format", fmt, "--profile", "strict", *args, cwd=project)
        assert done.returncode in (0, 1), done.stderr
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
        outputs[fmt] = done.stdout + done.stderr
    return outputs


def assert_not_leaked(outputs: dict[str, str]) -> None:
    assert not [fmt for fmt, output in outputs.items() if leaked(output)]


def findings(project: Path, *args: str) -> tuple[list[tuple[str, str]], dict, str]:
    """(rule, path) of every finding of a JSON scan, the whole report, and the notes (stderr)."""
    done = run_hullscan("scan", ".", "--format", "json", "--profile", "strict", *args, cwd=project)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    return [(f["rule"], f["path"]) for f in report["findings"]], report, done.stderr
