"""The text report as a terminal user meets it, through the installed command: wrapping at the
width, the verdict, progress on a terminal, Ctrl-C, and listings that fit 80 columns."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HULLSCAN = str(Path(sys.executable).with_name("hullscan"))
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{n}\nspec:\n  containers:\n    - name: a\n      image: nginx\n"


def _run(*args: str, cwd: Path, columns: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    strict = ("--profile", "strict") if args[:1] == ("scan",) else ()  # the pod's hygiene findings too
    return subprocess.run([HULLSCAN, *args, *strict], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


@pytest.fixture
def pods(tmp_path: Path) -> Path:
    (tmp_path / "pod.yaml").write_text(POD.format(n=0))
    return tmp_path


def test_a_report_to_a_pipe_keeps_one_line_per_finding_unless_columns_is_set(pods: Path) -> None:
    lines = _run("scan", "pod.yaml", cwd=pods).stdout.splitlines()
    findings = [line for line in lines if line.startswith("pod.yaml:")]
    assert findings and any(len(line) > 100 for line in findings)
    wrapped = _run("scan", "pod.yaml", cwd=pods, columns="60").stdout.splitlines()
    assert all(len(line) <= 60 for line in wrapped if " | " not in line)
    assert len([line for line in wrapped if line.startswith("pod.yaml:")]) == len(findings)


@pytest.mark.parametrize(("fail_on", "code", "verdict"), [
    ("medium", 1, r"failed: \d+ findings at or above medium"),
    ("critical", 0, r"passed: no finding at or above critical \(\d+ below it\)"),
    ("never", 0, r"passed: --fail-on never"),
])
def test_the_report_ends_with_the_verdict_the_exit_code_gives(pods: Path, fail_on: str, code: int,
                                                              verdict: str) -> None:
    done = _run("scan", "pod.yaml", "--fail-on", fail_on, cwd=pods)
    assert done.returncode == code
    assert re.fullmatch(verdict, done.stdout.splitlines()[-1])


@pytest.mark.parametrize("command", [["rules"], ["checklist"]])
def test_listings_fit_80_columns(pods: Path, command: list[str]) -> None:
    lines = _run(*command, cwd=pods).stdout.splitlines()
    assert len(lines) > 50 and max(len(line) for line in lines) <= 80


def _read_until(master: int, wanted: bytes, seen: bytes = b"") -> bytes:
    """What the terminal showed, up to `wanted` (or until it stays silent for a minute)."""
    while wanted not in seen:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            seen += os.read(master, 4096)
        except OSError:  # the other end closed
            break
    return seen


def test_progress_on_a_terminal_then_ctrl_c_is_one_line_and_exit_130(tmp_path: Path) -> None:
    for n in range(4000):  # long enough that progress shows (after a second) before it ends
        (tmp_path / f"pod{n}.yaml").write_text(POD.format(n=n))
    master, slave = pty.openpty()
    scan = subprocess.Popen([HULLSCAN, "scan", "--no-cache", "--jobs", "2", "."], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=slave, start_new_session=True)
    os.close(slave)
    seen = _read_until(master, b" scanned (")
    assert re.search(rb"hullscan: \d+/4000 scanned \(\d+%\)", seen), seen
    os.killpg(scan.pid, signal.SIGINT)
    stdout, _ = scan.communicate(timeout=120)
    seen = _read_until(master, b"no report written\r\n", seen)
    os.close(master)
    assert scan.returncode == 130
    assert stdout == b""
    shown = [line for line in re.split(rb"[\r\n]+", seen.replace(b"\x1b[K", b"")) if line.strip()]
    assert shown[-1] == b"hullscan: interrupted, no report written"
    assert b"Traceback" not in seen and b"Aborted" not in seen


def test_no_progress_when_standard_error_is_not_a_terminal(pods: Path) -> None:
    assert "scanned (" not in _run("scan", "pod.yaml", cwd=pods).stderr
