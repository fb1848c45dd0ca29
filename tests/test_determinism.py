"""Same input, same output, byte for byte: across runs, hash seeds, cache states and `--jobs`.

Baselines, SARIF uploads and review diffs all compare one run's output with another's; an
ordering that depends on set iteration, a worker finishing first or a warm parse cache shows up as
findings that come and go. Each run is its own process with its own PYTHONHASHSEED, so the order
of sets and dicts of strings really does differ between them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("json", "sarif", "junit", "codeclimate", "gitlab-sast", "markdown", "text")
TARGETS = ("examples", "tests/fixtures")
# The one field that may differ between runs: GitLab's scan start and end times.
_GITLAB_TIMES = re.compile(r'"(start_time|end_time)": "[^"]*"')


def run(target: str, out: Path, cache: Path, seed: int, *flags: str) -> dict[str, bytes]:
    out.mkdir(parents=True)
    args = [sys.executable, "-m", "scanner", "scan", target, "--root", str(ROOT), "--no-color", *flags]
    for fmt in FORMATS:
        args += ["--format", fmt, "--output", str(out / f"report.{fmt}")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": str(seed), "HULLSCAN_CACHE_DIR": str(cache)}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr.decode()
    reports = {fmt: (out / f"report.{fmt}").read_bytes() for fmt in FORMATS}
    reports["gitlab-sast"] = _GITLAB_TIMES.sub(r'"\1": "-"', reports["gitlab-sast"].decode()).encode()
    reports["exit status"] = str(done.returncode).encode()
    return reports


def _differences(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    return [name for name in first if first[name] != second[name]]


@pytest.mark.parametrize("target", TARGETS)
def test_two_runs_give_identical_reports(target: str, tmp_path: Path) -> None:
    """A cold cache then a warm one, under different hash seeds; then no cache at all."""
    cache = tmp_path / "cache"
    first = run(target, tmp_path / "first", cache, 1)
    second = run(target, tmp_path / "second", cache, 2)
    third = run(target, tmp_path / "third", cache, 3, "--no-cache")
    assert b'"findings": []' not in first["json"], "nothing found: the comparison would prove little"
    assert not _differences(first, second), _differences(first, second)
    assert not _differences(first, third), _differences(first, third)


@pytest.mark.parametrize("target", TARGETS)
def test_jobs_do_not_change_the_output(target: str, tmp_path: Path) -> None:
    one = run(target, tmp_path / "one", tmp_path / "cache-one", 4, "--jobs", "1", "--no-cache")
    two = run(target, tmp_path / "two", tmp_path / "cache-two", 5, "--jobs", "2", "--no-cache")
    four = run(target, tmp_path / "four", tmp_path / "cache-four", 6, "--jobs", "4")
    assert not _differences(one, two), _differences(one, two)
    assert not _differences(one, four), _differences(one, four)
