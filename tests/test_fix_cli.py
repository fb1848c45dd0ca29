"""`hullscan fix` end to end: in place, `--diff` (exit 1, nothing written), `--unsafe`,
`--select`, rollback of an edit that does not help; and the catalog's `fix` key is validated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scanner.catalog.errors import CatalogError
from scanner.catalog.rules import parse_rule
from scanner.fix.edits import Edit, non_overlapping
from scanner.fix.plan import plan_fixes
from scanner.inputs.parsed import ParsedFile
from scanner.results.findings import Finding

DOCKERFILE = b"FROM python:3.12-slim\r\nRUN pip install flask\r\nUSER 10001\r\nCMD [\"flask\", \"run\"]\r\n"
POD = b"""apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: web  # the app
      image: registry.example.com/web:1.4.2
"""


def hullscan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("hullscan")), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_bytes(DOCKERFILE)
    (tmp_path / "pod.yaml").write_bytes(POD)
    return tmp_path


def test_diff_writes_nothing_and_fails_when_there_is_something_to_fix(project: Path) -> None:
    done = hullscan("fix", "--profile", "strict", "--diff", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "+RUN pip install --no-cache-dir flask\n" in done.stdout  # read with universal newlines
    assert "+        allowPrivilegeEscalation: false\n" in done.stdout  # safe
    assert "readOnlyRootFilesystem" not in done.stdout  # unsafe: only with --unsafe
    assert (project / "Dockerfile").read_bytes() == DOCKERFILE


def test_fix_in_place_then_nothing_left(project: Path) -> None:
    done = hullscan("fix", "--profile", "strict", "--unsafe", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "Dockerfile").read_bytes().startswith(DOCKERFILE.replace(b"install", b"install --no-cache-dir")[:40])
    assert b"\r\nHEALTHCHECK" in (project / "Dockerfile").read_bytes()
    fixed = (project / "pod.yaml").read_bytes()
    assert fixed.startswith(POD) and b"readOnlyRootFilesystem: true" in fixed
    assert "fixed DKR013" in done.stderr
    again = hullscan("fix", "--profile", "strict", "--unsafe", "--diff", cwd=project)
    assert again.returncode == 0 and again.stdout == ""


def test_select_limits_what_is_fixed(project: Path) -> None:
    done = hullscan("fix", "--profile", "strict", "--select", "DKR013", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "pod.yaml").read_bytes() == POD
    assert b"--no-cache-dir" in (project / "Dockerfile").read_bytes()


def test_outside_the_root_is_a_usage_error(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    done = hullscan("fix", "--profile", "strict", "--root", str(project), str(elsewhere), cwd=project)
    assert done.returncode == 2 and "outside the project root" in done.stderr


def test_an_edit_that_keeps_its_finding_is_rolled_back(tmp_path: Path) -> None:
    # `apt-get update # comment` : an appended cleanup would be commented out; the fix refuses,
    # and a RUN whose `&&` chain ends in `|| true` keeps the finding: never written.
    (tmp_path / ".git").mkdir()
    text = b"FROM debian:12\nRUN apt-get update # refresh\nUSER 10001\n"
    (tmp_path / "Dockerfile").write_bytes(text)
    done = hullscan("fix", "--profile", "strict", "--select", "DKR011", cwd=tmp_path)
    assert done.returncode == 0
    assert "DKR011: not fixed" in done.stderr
    assert (tmp_path / "Dockerfile").read_bytes() == text


def _finding(rule: str, path: str, line: int, column: int, end_line: int, end_column: int) -> Finding:
    return Finding(rule, "", "low", (), path, line, column, end_line, end_column, "", "r", "fp")


def test_plan_fixes_is_the_editor_api() -> None:
    from scanner.catalog.rules import load_rules
    from scanner.parse.dockerfile import parse

    text = "FROM python:3.12\nRUN pip install x\n"
    parsed = ParsedFile(rel="Dockerfile", type="dockerfile", text=text, tree=parse(text, "Dockerfile"))
    plan = plan_fixes([parsed], [_finding("DKR013", "Dockerfile", 2, 9, 2, 16)], load_rules())
    assert [(e.start, e.end, e.new_text, e.line, e.column, e.applicability) for e in plan.edits] == \
        [(32, 32, " --no-cache-dir", 2, 16, "safe")]


def test_overlapping_edits_are_deferred_and_duplicates_merged() -> None:
    a = Edit("f", 5, 5, "x", "A", "safe")
    kept, deferred = non_overlapping([a, Edit("f", 5, 5, "y", "B", "safe"), Edit("f", 5, 5, "x", "C", "safe")])
    assert kept == [a] and [e.rule for e in deferred] == ["B"]


@pytest.mark.parametrize("fix, message", [
    ({"applicability": "maybe", "description": "d", "edit": "scanner.fix.cloud:scan_on_push"}, "safe or unsafe"),
    ({"applicability": "safe", "description": "d", "edit": "os:system"}, "own fix modules"),
    ({"applicability": "safe", "description": "d", "edit": "scanner.fix.nope:x"}, "own fix modules"),
    ({"applicability": "safe", "description": "two\nlines", "edit": "scanner.fix.cloud:scan_on_push"}, "one line"),
    ({"applicability": "safe", "edit": "scanner.fix.cloud:scan_on_push"}, "exactly"),
])
def test_catalog_validates_fix(fix: dict[str, str], message: str) -> None:
    data = {"id": "X1", "name": "x", "severity": "low", "checklist": ["image.minimal"], "kinds": ["dockerfile"],
            "model": "dockerfile", "message": "m", "check": "scanner.checks.dockerfile.packages:pip_cache",
            "docs": {"what": "a", "why": "b", "example": "c", "use_instead": "d"}, "fix": fix}
    with pytest.raises(CatalogError, match=message):
        parse_rule(data, Path("x.yaml"), frozenset({"image.minimal"}))


def test_same_diff_with_one_job_or_two(project: Path) -> None:
    for index in range(6):
        (project / f"pod{index}.yaml").write_bytes(POD.replace(b"name: p", f"name: p{index}".encode()))
    one = hullscan("fix", "--profile", "strict", "--unsafe", "--diff", "--jobs", "1", cwd=project)
    two = hullscan("fix", "--profile", "strict", "--unsafe", "--diff", "--jobs", "2", cwd=project)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stderr == two.stderr


def test_every_rule_judges_a_selected_fix(tmp_path: Path) -> None:
    # Turning `privileged` off makes the container subject to the seccomp rule (CTR014), which
    # `--select CTR002` does not fix: the edit would add a finding, so it is rolled back. Without
    # `--select` the seccomp fix follows on the next pass.
    (tmp_path / ".git").mkdir()
    pod = POD + b"      securityContext:\n        privileged: true\n"
    (tmp_path / "pod.yaml").write_bytes(pod)
    done = hullscan("fix", "--profile", "strict", "--unsafe", "--select", "CTR002", cwd=tmp_path)
    assert done.returncode == 0
    assert "CTR002 rolled back: the edit added a finding (CTR014)" in done.stderr
    assert (tmp_path / "pod.yaml").read_bytes() == pod
    done = hullscan("fix", "--profile", "strict", "--unsafe", cwd=tmp_path)
    assert b"privileged: false" in (tmp_path / "pod.yaml").read_bytes()
    assert b"type: RuntimeDefault" in (tmp_path / "pod.yaml").read_bytes()
