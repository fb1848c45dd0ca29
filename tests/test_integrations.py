"""The integrations, run for real: the pre-commit hooks through pre-commit itself, the GitHub
Action's composite steps as the runner would run them, and the GitLab CI template's jobs.

Each test works in a temporary project holding an insecure and a hardened input
(`fixtures/integrations/`). These tests install the package with pip (from the package index for
its build backend and dependencies), so they are the slow part of the suite; nothing is skipped.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
INPUTS = Path(__file__).parent / "fixtures" / "integrations"
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
GIT_IDENTITY = ["-c", "user.name=hullscan tests", "-c", "user.email=tests@hullscan.invalid",
                "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True)


def _fake_token() -> str:
    """A GitHub-token-shaped value built at run time, so no credential sits in the repository."""
    rng = random.Random(11)
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with insecure and hardened inputs and a file holding a credential."""
    root = tmp_path_factory.mktemp("project")
    for kind in ("insecure", "hardened"):
        shutil.copytree(INPUTS / kind, root / kind)
    (root / "settings.env").write_text(f"GITHUB_TOKEN={_fake_token()}\n")
    (root / "README.txt").write_text("Nothing secret here.\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    return root


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's working tree, committed as it stands into a repository of its own: what
    pre-commit clones and what a runner checks out as the action's path. (Installing straight
    from the checkout would also leave setuptools' build/ folder in it, whose stale files a later
    install picks up.)

    `pre-commit try-repo` on a checkout with uncommitted changes snapshots it under a new
    revision each time, and each new revision is a fresh virtualenv and pip install; one committed
    snapshot is installed once and shared by every hook run of this module."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = ROOT / rel
        if source.is_file():
            (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / rel)
    _git(snapshot, "init", "-q")
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot


def _try_repo(hook_repo: Path, project: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
           "HULLSCAN_CACHE_DIR": str(project.parent / "hullscan-cache")}
    env.pop("PYTHONPATH", None)  # the hook must run the copy pre-commit installed, not this checkout
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook,
                           "--files", *files], cwd=project, env=env, capture_output=True, text=True, timeout=900,
                          check=False)


@pytest.mark.parametrize("path", ["insecure/Dockerfile", "insecure/pod.yaml"])
def test_pre_commit_hook_fails_on_an_insecure_file(hook_repo: Path, project: Path, path: str) -> None:
    done = _try_repo(hook_repo, project, "hullscan", path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^hullscan\.+Failed$", done.stdout, re.MULTILINE), done.stdout
    assert path in done.stdout


@pytest.mark.parametrize("path", ["hardened/Dockerfile", "hardened/pod.yaml"])
def test_pre_commit_hook_passes_a_hardened_file(hook_repo: Path, project: Path, path: str) -> None:
    done = _try_repo(hook_repo, project, "hullscan", path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^hullscan\.+Passed$", done.stdout, re.MULTILINE), done.stdout


def test_pre_commit_secrets_hook(hook_repo: Path, project: Path) -> None:
    failed = _try_repo(hook_repo, project, "hullscan-secrets", "settings.env")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "settings.env" in failed.stdout and _fake_token() not in failed.stdout + failed.stderr
    passed = _try_repo(hook_repo, project, "hullscan-secrets", "README.txt", "hardened/pod.yaml")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_pre_commit_file_pattern_takes_every_dockerfile_name() -> None:
    hooks = {hook["id"]: hook for hook in YAML(typ="safe").load(ROOT / ".pre-commit-hooks.yaml")}
    pattern = re.compile(hooks["hullscan"]["files"])
    for name in ("Dockerfile", "Dockerfile.prod", "build/api.dockerfile", "Containerfile", "k8s/app.yaml",
                 "compose.yml", "main.tf", "prod.tfvars", "template.json"):
        assert pattern.search(name), name
    for name in ("README.md", "src/app.py", "Dockerfile.md/notes.txt"):
        assert not pattern.search(name), name


# --- GitHub Action ---------------------------------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+(?:\s*\|\|\s*[\w.-]+)*)\s*\}\}")


def _action_steps(inputs: dict[str, str], action_path: Path,
                  github: dict[str, str] | None = None) -> list[tuple[str, str, dict[str, str]]]:
    """Each composite step's script and environment, expressions filled in as the runner would:
    `a || b` is the first that is not empty, and a `github.` value the event lacks is empty."""
    action = YAML(typ="safe").load(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    values = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update({f"inputs.{name}": value for name, value in inputs.items()})
    values["github.action_path"] = str(action_path)
    values.update({f"github.{name}": value for name, value in (github or {}).items()})

    def value(name: str) -> str:
        return values[name] if name.startswith("inputs.") else values.get(name, "")

    def fill(text: str) -> str:
        return _EXPRESSION.sub(lambda m: next(
            (value(name.strip()) for name in m.group(1).split("||") if value(name.strip())), ""), text)

    steps = []
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        steps.append((step["name"], fill(step["run"]), {k: fill(str(v)) for k, v in step.get("env", {}).items()}))
    return steps


@pytest.fixture(scope="module")
def action_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the action's install step puts hullscan: a virtualenv, not the interpreter running
    the tests. System packages stay visible so only the project itself is built and installed."""
    venv = tmp_path_factory.mktemp("action") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    return venv


def _run_action(venv: Path, action_path: Path, workspace: Path, inputs: dict[str, str],
                github: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env["HULLSCAN_CACHE_DIR"] = str(workspace.parent / "hullscan-cache")
    runs = []
    for _name, script, step_env in _action_steps(inputs, action_path, github):
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=workspace, env={**env, **step_env}, capture_output=True, text=True, timeout=900,
                              check=False)
        runs.append(done)
        if done.returncode != 0:
            break  # the runner stops a composite action at its first failing step
    return runs


def test_github_action_writes_valid_sarif_and_fails_on_findings(action_venv: Path, hook_repo: Path,
                                                                project: Path) -> None:
    runs = _run_action(action_venv, hook_repo, project, {"paths": "insecure hardened", "category": "hullscan/containers"})
    install, scan = runs
    assert install.returncode == 0, install.stderr
    assert (action_venv / "bin" / "hullscan").exists()
    assert scan.returncode == 1, scan.stdout + scan.stderr
    assert "insecure/Dockerfile" in scan.stdout  # the text summary in the log
    log = json.loads((project / "hullscan.sarif").read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run = log["runs"][0]
    assert run["automationDetails"]["id"].startswith("hullscan/containers")
    files = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert {"insecure/Dockerfile", "insecure/pod.yaml"} <= files
    assert not {f for f in files if f.startswith("hardened/")}


def test_github_action_passes_a_hardened_tree(action_venv: Path, hook_repo: Path, project: Path) -> None:
    runs = _run_action(action_venv, hook_repo, project, {"paths": "hardened", "sarif-file": "out/hardened.sarif"})
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stdout + runs[-1].stderr
    log = json.loads((project / "out" / "hardened.sarif").read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    assert log["runs"][0]["results"] == []


# --- GitLab CI template ----------------------------------------------------------------------

TEMPLATE = ROOT / "ci" / "gitlab" / "hullscan.gitlab-ci.yml"


def _gitlab_job(template: dict, name: str) -> dict:
    job = dict(template[name])
    base = template.get(job.pop("extends", ""), {})
    return {**base, **job}


def test_gitlab_template_declares_its_reports() -> None:
    template = YAML(typ="safe").load(TEMPLATE)
    reports_job = _gitlab_job(template, "hullscan-reports")
    gate_job = _gitlab_job(template, "hullscan-gate")
    assert reports_job["artifacts"]["reports"] == {"sast": "gl-sast-report.json",
                                                   "codequality": "gl-code-quality-report.json"}
    assert reports_job["artifacts"]["when"] == "always"
    assert "hullscan.sarif" in reports_job["artifacts"]["paths"]
    assert gate_job["needs"] == [{"job": "hullscan-reports", "artifacts": False}]  # never judge the reports
    install = [line for line in reports_job["before_script"] if "pip install" in line]
    assert install and all("git+${HULLSCAN_SOURCE}@${HULLSCAN_REF}" in line and "[helm]" in line for line in install)


def _run_gitlab_job(template: dict, name: str, project: Path, bin_dir: Path,
                    ci: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    """The job's before_script and script lines in one shell, as GitLab's runner runs them (a
    failing line ends the job), with the template's variables and `ci` (predefined variables such
    as CI_MERGE_REQUEST_DIFF_BASE_SHA) in the environment; the install line of before_script is
    left out (hullscan is on PATH)."""
    job = _gitlab_job(template, name)
    env = {**os.environ, **{k: str(v) for k, v in template["variables"].items()}, **(ci or {}),
           "PYTHONPATH": str(ROOT), "HULLSCAN_CACHE_DIR": str(project.parent / "hullscan-cache"),
           "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    lines = [line for line in job.get("before_script", []) if "pip install" not in line] + job["script"]
    return [subprocess.run(["bash", "-eo", "pipefail", "-c", "\n".join(lines)], cwd=project, env=env,
                           capture_output=True, text=True, timeout=300, check=False)]


@pytest.fixture
def hullscan_bin(tmp_path: Path) -> Path:
    """`hullscan` on PATH running this checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "hullscan"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m scanner "$@"\n')
    launcher.chmod(0o755)
    return bin_dir


def test_gitlab_jobs_write_reports_then_gate(project: Path, hullscan_bin: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "gitlab-project"
    shutil.copytree(project, workspace, ignore=shutil.ignore_patterns(".git", "*.sarif", "out"))
    template = YAML(typ="safe").load(TEMPLATE)
    reports = _run_gitlab_job(template, "hullscan-reports", workspace, hullscan_bin)
    assert [r.returncode for r in reports] == [0] * len(reports), reports[-1].stderr
    gate = _run_gitlab_job(template, "hullscan-gate", workspace, hullscan_bin)
    assert gate[-1].returncode == 1, gate[-1].stdout + gate[-1].stderr
    assert "Traceback" not in gate[-1].stderr

    sast = json.loads((workspace / "gl-sast-report.json").read_text())
    assert re.fullmatch(r"15\.\d+\.\d+", sast["version"])
    scan = sast["scan"]
    assert scan["type"] == "sast" and scan["status"] == "success"
    for part in ("analyzer", "scanner"):
        assert {"id", "name", "version", "vendor"} <= set(scan[part]) and scan[part]["vendor"]["name"]
    for moment in ("start_time", "end_time"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", scan[moment])
    assert sast["vulnerabilities"]
    for vulnerability in sast["vulnerabilities"]:
        assert {"id", "name", "description", "severity", "location", "identifiers"} <= set(vulnerability)
        assert vulnerability["severity"] in ("Critical", "High", "Medium", "Low", "Info", "Unknown")
        assert {"file", "start_line"} <= set(vulnerability["location"])
        assert vulnerability["identifiers"] and all({"type", "name", "value"} <= set(i)
                                                    for i in vulnerability["identifiers"])
    assert len({v["id"] for v in sast["vulnerabilities"]}) == len(sast["vulnerabilities"])

    quality = json.loads((workspace / "gl-code-quality-report.json").read_text())
    assert quality
    for issue in quality:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["path"] and isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in quality}) == len(quality)
    jsonschema.validate(json.loads((workspace / "hullscan.sarif").read_text()), json.loads(SARIF_SCHEMA.read_text()))


# --- The gate a pull request can't lower -------------------------------------------------------

# The pull request's own configuration: everything it would take to turn the gate green.
LOWERING = 'fail-on: never\nignore: [CTR002, critical]\nexclude: ["**"]\n'


def _pull_request(root: Path, base_config: str | None) -> str:
    """A repository whose main branch holds `base_config` (if any) and a branch, checked out,
    that adds a privileged pod and LOWERING as its .hullscan.yaml; returns main's commit."""
    root.mkdir()
    (root / "README.txt").write_text("Nothing secret here.\n")
    if base_config is not None:
        (root / ".hullscan.yaml").write_text(base_config)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()
    _git(root, "checkout", "-q", "-b", "pull-request")
    shutil.copy(INPUTS / "insecure" / "pod.yaml", root / "pod.yaml")
    (root / ".hullscan.yaml").write_text(LOWERING)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "turn the gate green")
    return base


def test_github_action_judges_a_pull_request_by_the_base_configuration(
        action_venv: Path, hook_repo: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "pr"
    base = _pull_request(workspace, "ignore: [CTR017]\n")
    runs = _run_action(action_venv, hook_repo, workspace, {},
                       github={"event.pull_request.base.sha": base})
    scan = runs[-1]
    assert [r.returncode for r in runs] == [0, 1], scan.stdout + scan.stderr
    assert "CTR002" in scan.stdout and "pod.yaml" in scan.stdout
    assert f"using .hullscan.yaml from the base revision {base}" in scan.stderr
    # the base's own ignore is named; the pull request's file was never read
    notes = [line for line in scan.stderr.splitlines() if "lowers the gate" in line]
    assert len(notes) == 1 and notes[0].endswith("lowers the gate: ignores CTR017"), scan.stderr
    assert "never" not in notes[0] and "**" not in notes[0]
    rules = {r["ruleId"] for r in json.loads((workspace / "hullscan.sarif").read_text())["runs"][0]["results"]}
    assert "CTR002" in rules and "CTR017" not in rules


def test_github_action_on_the_workspace_configuration_still_gates_and_says_so(
        action_venv: Path, hook_repo: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "pr"
    base = _pull_request(workspace, None)
    runs = _run_action(action_venv, hook_repo, workspace, {"config-source": "workspace"},
                       github={"event.pull_request.base.sha": base})
    scan = runs[-1]
    # `fail-on: never` loses to the action's flag (so it is no weakening); `exclude: ["**"]`
    # leaves nothing judged, which fails a gate too
    assert [r.returncode for r in runs] == [0, 1], scan.stdout + scan.stderr
    assert "hullscan: .hullscan.yaml lowers the gate: ignores CTR002 critical, excludes **" \
        in scan.stderr.splitlines()
    assert "no file was scanned" in scan.stderr
    invocation = json.loads((workspace / "hullscan.sarif").read_text())["runs"][0]["invocations"][0]
    assert any("lowers the gate" in n["message"]["text"] and n["level"] == "warning"
               for n in invocation["toolExecutionNotifications"])


@pytest.mark.parametrize("base_config", [None, "fail-on: critical\n"])
def test_gitlab_jobs_judge_a_merge_request_by_its_merge_base(hullscan_bin: Path, tmp_path: Path,
                                                              base_config: str | None) -> None:
    workspace = tmp_path / "mr"
    base = _pull_request(workspace, base_config)
    template = YAML(typ="safe").load(TEMPLATE)
    ci = {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base}
    reports = _run_gitlab_job(template, "hullscan-reports", workspace, hullscan_bin, ci)
    assert reports[-1].returncode == 0, reports[-1].stdout + reports[-1].stderr
    sast = json.loads((workspace / "gl-sast-report.json").read_text())
    assert "CTR002" in {i["value"] for v in sast["vulnerabilities"] for i in v["identifiers"]}
    gate = _run_gitlab_job(template, "hullscan-gate", workspace, hullscan_bin, ci)
    assert gate[-1].returncode == 1, gate[-1].stdout + gate[-1].stderr
    assert "CTR002" in gate[-1].stdout
    assert ".hullscan.yaml lowers the gate" not in gate[-1].stderr  # the merge request's file is not read
    said = gate[-1].stdout + gate[-1].stderr
    assert ("has no configuration" in said) if base_config is None else ("from the merge base" in said)


def test_gitlab_reports_job_succeeds_and_writes_reports_when_files_are_broken(
        project: Path, hullscan_bin: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "broken"
    shutil.copytree(project, workspace, ignore=shutil.ignore_patterns(".git", "*.sarif", "out"))
    (workspace / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nspec: [unclosed\n")
    template = YAML(typ="safe").load(TEMPLATE)
    reports = _run_gitlab_job(template, "hullscan-reports", workspace, hullscan_bin)
    assert reports[-1].returncode == 0, reports[-1].stdout + reports[-1].stderr
    for report in ("gl-sast-report.json", "gl-code-quality-report.json", "hullscan.sarif"):
        assert json.loads((workspace / report).read_text())
    gate = _run_gitlab_job(template, "hullscan-gate", workspace, hullscan_bin)
    assert gate[-1].returncode == 1 and "broken.yaml" in gate[-1].stdout + gate[-1].stderr
