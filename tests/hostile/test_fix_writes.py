"""`hullscan fix` on a hostile tree: it writes only regular files inside the root that it read,
never through a symbolic link that leaves the root, never prints a secret it edits around, and
no name in the tree starts a line of its own in its summary."""

from __future__ import annotations

import os
from pathlib import Path

from attacks import CANARY, leaked, run_hullscan, write_tree

POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
       "    - name: web\n      image: registry.example.com/web:1.4.2\n")


def test_a_link_out_of_the_root_is_never_written(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pod.yaml").write_text(POD)
    project = write_tree(tmp_path / "project", {".git/HEAD": "ref: x\n", "own.yaml": POD})
    os.symlink(outside / "pod.yaml", project / "linked.yaml")
    done = run_hullscan("fix", "--profile", "strict", "--unsafe", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (outside / "pod.yaml").read_text() == POD
    assert (project / "linked.yaml").is_symlink()
    assert "readOnlyRootFilesystem" in (project / "own.yaml").read_text()


def test_a_secret_beside_a_fix_is_not_printed(tmp_path: Path) -> None:
    text = POD + f"      env:\n        - name: API_TOKEN\n          value: {CANARY}\n"
    project = write_tree(tmp_path, {".git/HEAD": "ref: x\n", "pod.yaml": text})
    done = run_hullscan("fix", "--profile", "strict", "--unsafe", cwd=project)
    assert done.returncode == 0, done.stderr
    assert not leaked(done.stdout + done.stderr)
    assert CANARY in (project / "pod.yaml").read_text()


def test_a_diff_never_shows_a_secret_in_its_context(tmp_path: Path) -> None:
    token = "ghp_" + "k3Vq9ZtR7wXy2LmN8pQs4HfJ6dGb1CeA0uTo"
    text = POD + f"      env:\n        - name: GITHUB_TOKEN\n          value: {token}\n"
    project = write_tree(tmp_path, {".git/HEAD": "ref: x\n", "pod.yaml": text})
    done = run_hullscan("fix", "--profile", "strict", "--unsafe", "--diff", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "+        readOnlyRootFilesystem: true" in done.stdout or "readOnlyRootFilesystem" in done.stdout
    assert token not in done.stdout + done.stderr and token[4:20] not in done.stdout


def test_a_name_cannot_start_a_line_of_the_summary(tmp_path: Path) -> None:
    project = write_tree(tmp_path, {".git/HEAD": "ref: x\n", "x\n::error::owned.yaml": POD})
    done = run_hullscan("fix", "--profile", "strict", "--unsafe", cwd=project)
    assert done.returncode == 0, done.stderr
    assert not any(line.startswith("::") for line in done.stderr.splitlines())
