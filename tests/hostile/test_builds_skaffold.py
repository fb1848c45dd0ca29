"""What a scanned tree says it builds (skaffold artifacts, Compose `build:`) changes how images
are judged, so it is read like any scanned file: inside the root, under the limits, and what it
takes on trust is said in a note."""

from __future__ import annotations

from pathlib import Path

from attacks import write_tree
from bounds_run import scan

DEPLOY = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: miner}\nspec:\n  template:\n"
          "    spec:\n      containers:\n      - name: app\n        image: evil/miner\n")
SKAFFOLD = "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: evil/miner\n"


def test_a_skaffold_file_outside_the_root_is_not_trusted(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "elsewhere", {"skaffold.yaml": SKAFFOLD})
    project = write_tree(tmp_path / "project", {"deploy.yaml": DEPLOY})
    (project / "skaffold.yaml").symlink_to(outside / "skaffold.yaml")
    run = scan(project, "--select", "CTR023")
    assert ("CTR023", "deploy.yaml") in run.rules  # the untagged image is still judged
    assert "builds evil/miner" not in run.process.stderr


def test_the_artifacts_a_skaffold_file_vouches_for_are_named(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "project", {"deploy.yaml": DEPLOY, "skaffold.yaml": SKAFFOLD})
    run = scan(project, "--select", "CTR023")
    assert run.rules == set()
    assert "skaffold.yaml builds evil/miner: images of these names" in run.process.stderr
    assert "skaffold.yaml builds evil/miner" in str(run.sarif)  # a tool notification in code scanning


def test_an_alias_bomb_skaffold_file_does_not_hang_the_scan(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
        f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n" for n in range(9))
    project = write_tree(tmp_path / "project", {"deploy.yaml": DEPLOY, "skaffold.yaml": bomb})
    run = scan(project, "--select", "CTR023")  # within the hostile-test limits, every report written
    assert ("CTR023", "deploy.yaml") in run.rules
