"""`--hook` takes its file names from the tree (pre-commit lists what git tracks): a named file
that is, or lies behind, a symbolic link out of the repository is not read, and says so."""

from __future__ import annotations

import subprocess
from pathlib import Path

from attacks import POD, run_hullscan, write_tree


def test_a_named_link_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"pod.yaml": POD})
    repo = write_tree(tmp_path / "repo", {"README.md": "a repository\n"})
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "pod.yaml").symlink_to(outside / "pod.yaml")
    (repo / "linked").symlink_to(outside)
    done = run_hullscan("scan", "--hook", "--format", "json", "pod.yaml", "linked/pod.yaml", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"findings": []' in done.stdout
    assert "2 named file(s) not read: they lead out of the project root" in done.stderr


def test_the_same_pod_inside_the_repository_is_judged(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"pod.yaml": POD})
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    done = run_hullscan("scan", "--hook", "--format", "json", "pod.yaml", cwd=repo)
    assert done.returncode == 1 and '"CTR002"' in done.stdout
