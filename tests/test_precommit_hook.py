"""The pre-commit hooks run for real (`pre-commit try-repo`) on a repository as a commit sees it
(`fixtures/precommit/`, described in its README): a template, a patch or a manifest named alone
is judged with the chart, overlay and policies it belongs to; excluded files stay excluded; and
running the hook on parts of the files reports, in all, what one run on all of them reports.

pre-commit installs hullscan from a committed snapshot of this checkout (once for the module).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = Path(__file__).parent / "fixtures" / "precommit"
GIT_IDENTITY = ["-c", "user.name=hullscan tests", "-c", "user.email=tests@hullscan.invalid",
                "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
# `path:line:col: severity RULE` starts every finding line of the text report.
FINDING = re.compile(r"^(?P<path>\S+?):(?P<line>\d+):(?P<column>\d+): +(?P<severity>[a-z]+) +(?P<rule>[A-Z][A-Z0-9]{2}\d{3})\b",
                     re.MULTILINE)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files as they stand, committed into a repository of their own: pre-commit
    clones what is committed, and a committed snapshot is installed once for every run below."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, snapshot / rel)
    _git(snapshot, "init", "-q")
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("precommit") / "project"
    shutil.copytree(PROJECT, root)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    return root


def _hook(hook_repo: Path, project: Path, *files: str, hook: str = "hullscan") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
           "HULLSCAN_CACHE_DIR": str(project.parent / "hullscan-cache")}
    env.pop("PYTHONPATH", None)  # the hook must run the copy pre-commit installed
    env.pop("COLUMNS", None)  # one line per finding, as pre-commit's captured output has
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--verbose",
                           "--files", *files], cwd=project, env=env, capture_output=True, text=True, timeout=900,
                          check=False)


def _findings(done: subprocess.CompletedProcess[str]) -> set[tuple[str, int, str]]:
    return {(m["path"], int(m["line"]), m["rule"]) for m in FINDING.finditer(done.stdout)}


def test_a_template_named_alone_is_judged_by_rendering_its_chart(hook_repo: Path, project: Path) -> None:
    done = _hook(hook_repo, project, "chart/templates/deployment.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("chart/values.yaml", 1, "CTR002") in _findings(done), done.stdout  # the value that makes it privileged
    assert "invalid YAML" not in done.stdout


def test_a_template_named_alone_is_no_broken_file_for_the_secrets_hook(hook_repo: Path, project: Path) -> None:
    done = _hook(hook_repo, project, "chart/templates/deployment.yaml", "chart/values.yaml", hook="hullscan-secrets")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_patch_named_alone_is_judged_by_building_its_overlay(hook_repo: Path, project: Path) -> None:
    done = _hook(hook_repo, project, "overlay/prod/debug-patch.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    # the patch's own line, and nothing a patch judged as a whole Deployment would miss
    assert _findings(done) == {("overlay/prod/debug-patch.yaml", 12, "CTR002")}
    assert "<kustomize build>" not in done.stdout


def test_a_policy_in_a_file_not_named_covers_a_named_deployment(hook_repo: Path, project: Path) -> None:
    done = _hook(hook_repo, project, "apps/web.yaml", "apps/worker.yaml")
    # web is covered by policies/shop.yaml, worker's namespace has no policy at all
    assert _findings(done) == {("apps/worker.yaml", 1, "K8S020")}, done.stdout


def test_an_excluded_named_file_is_not_judged(hook_repo: Path, project: Path) -> None:
    done = _hook(hook_repo, project, "vendor/privileged.yaml", "config/settings-01.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not _findings(done)


def test_findings_do_not_depend_on_how_files_are_split(hook_repo: Path, project: Path) -> None:
    files = sorted(str(path.relative_to(project)) for path in project.rglob("*")
                   if path.is_file() and ".git" not in path.parts)
    whole = _findings(_hook(hook_repo, project, *files))
    parts = [files[0::3], files[1::3], files[2::3]]
    split = set().union(*(_findings(_hook(hook_repo, project, *part)) for part in parts))
    assert whole == split
    assert whole == {("chart/values.yaml", 1, "CTR002"), ("overlay/prod/debug-patch.yaml", 12, "CTR002"),
                     ("apps/worker.yaml", 1, "K8S020")}


def _uris(log: dict) -> set[str]:
    run = log["runs"][0]
    places = [place for result in run["results"]
              for place in result["locations"] + result.get("relatedLocations", [])]
    places += [place for note in run["invocations"][0].get("toolExecutionNotifications", [])
               for place in note.get("locations", [])]
    return {place["physicalLocation"]["artifactLocation"]["uri"] for place in places}


@pytest.mark.parametrize("mode", [["--hook", "chart/templates/deployment.yaml", "overlay/prod/kustomization.yaml",
                                   "apps/worker.yaml"], ["."]])
def test_every_sarif_uri_is_a_file_of_the_repository(project: Path, mode: list[str]) -> None:
    hullscan = Path(sys.executable).with_name("hullscan")
    done = subprocess.run([str(hullscan), "scan", "--format", "sarif", *mode], cwd=project, capture_output=True,
                          text=True, timeout=300, check=False)
    uris = _uris(json.loads(done.stdout))
    assert uris and all((project / uri).is_file() for uri in uris), uris
