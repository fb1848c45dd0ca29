"""Evasion by what Compose and Docker decide at run time: an interpolation default is what runs
where nobody sets the variable, and a `# syntax=` frontend decides what a build does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attacks import run_hullscan, write_tree


def _findings(cwd: Path, *args: str) -> set[tuple[str, int, int]]:
    done = run_hullscan("scan", ".", *args, "--format", "json", "--fail-on", "never", "--no-cache", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return {(f["rule"], f["line"], f["column"]) for f in json.loads(done.stdout)["findings"]}


COMPOSE = """\
services:
  app:
    image: nginx
    privileged: ${PRIV:-true}
    pid: "${P-host}"
    network_mode: ${NET:-${NET_FALLBACK:-host}}
    volumes:
      - ${SOCK:-/var/run/docker.sock}:/var/run/docker.sock
"""


def test_defaults_are_known_values_reported_at_the_default(tmp_path: Path) -> None:
    write_tree(tmp_path, {"compose.yaml": COMPOSE})
    assert _findings(tmp_path, "--select", "CTR002,CTR004,CTR006,CTR010") == {
        ("CTR002", 4, 25), ("CTR004", 5, 15), ("CTR006", 6, 42), ("CTR010", 8, 17)}


@pytest.mark.parametrize("value", ["${PRIV}", "$PRIV", "${PRIV:?set PRIV}", "${PRIV:+true}", "$${PRIV:-true}"])
def test_values_set_at_run_time_stay_unknown(tmp_path: Path, value: str) -> None:
    write_tree(tmp_path, {"compose.yaml": f"services:\n  app:\n    image: nginx\n    privileged: {value}\n"})
    assert _findings(tmp_path, "--select", "CTR002") == set()


def test_a_variable_the_project_env_file_sets_is_not_defaulted(tmp_path: Path) -> None:
    write_tree(tmp_path, {"compose.yaml": COMPOSE, ".env": "PRIV=false\nexport P=private\n"})
    assert {rule for rule, _, _ in _findings(tmp_path, "--select", "CTR002,CTR004")} == set()


def test_dollar_dollar_is_a_literal_dollar(tmp_path: Path) -> None:
    write_tree(tmp_path, {"compose.yaml": "services:\n  app:\n    image: nginx\n    volumes:\n"
                                          "      - /var/run/docker.sock:/run/$$x\n"})
    assert _findings(tmp_path, "--select", "CTR010") == {("CTR010", 5, 9)}


@pytest.mark.parametrize("directive", [
    "# syntax=ghcr.io/someone/dockerfile:1",
    "# syntax=someone/dockerfile",
    "#syntax = registry.example.com/docker/dockerfile@sha256:" + "a" * 64,
    "# syntax=docker/dockerfile-upstream:master",
])
def test_untrusted_syntax_frontend_is_reported(tmp_path: Path, directive: str) -> None:
    write_tree(tmp_path, {"Dockerfile": directive + "\nFROM alpine:3.20\n"})
    assert {(rule, line) for rule, line, _ in _findings(tmp_path, "--select", "DKR071")} == {("DKR071", 1)}


@pytest.mark.parametrize("directive", [
    "# syntax=docker/dockerfile:1", "# syntax=docker.io/docker/dockerfile:1.7@sha256:" + "b" * 64,
    "# syntax=docker/dockerfile",
])
def test_docker_frontend_is_not_reported(tmp_path: Path, directive: str) -> None:
    write_tree(tmp_path, {"Dockerfile": directive + "\nFROM alpine:3.20\n"})
    assert _findings(tmp_path, "--select", "DKR071") == set()
