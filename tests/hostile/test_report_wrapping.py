"""The text report wraps messages at word boundaries (`COLUMNS`): a resource name made of words
that begin with `::` must not become a GitHub workflow command at the start of a wrapped line."""

from __future__ import annotations

from pathlib import Path

from attacks import run_hullscan, write_tree

NAME = "a ::error::pwned b ::add-mask::x c ::stop-commands::y"
POD = f"""apiVersion: v1
kind: Pod
metadata:
  name: "{NAME}"
spec:
  containers:
    - name: web
      image: nginx:latest
      securityContext:
        privileged: true
"""


def test_wrapped_lines_never_start_a_workflow_command(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pod.yaml": POD})
    for columns in ("40", "44", "50", "61", "80"):
        run = run_hullscan("scan", ".", cwd=tmp_path, env={"COLUMNS": columns})
        assert run.returncode == 1, run.stderr
        lines = run.stdout.splitlines()
        assert any("error::pwned" in line for line in lines)
        assert not [line for line in lines if line.lstrip().startswith("::")], run.stdout
