"""Promises the project makes about itself: set-up commands, packaging, lazy imports, examples."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text())[:2]


def test_readme_opens_with_the_two_set_up_commands() -> None:
    install_and_scan, install_and_test = readme_commands()
    assert "hullscan scan examples/" in install_and_scan
    assert "pytest" in install_and_test


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    assert readme_commands()[1] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_package_is_shipped() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    for init in (ROOT / "scanner").rglob("__init__.py"):
        name = ".".join(init.parent.relative_to(ROOT).parts)
        assert f'"{name}"' in pyproject, f"{name} is missing from pyproject's packages"


def test_a_dockerfile_only_scan_never_imports_other_parsers(tmp_path: Path) -> None:
    """As in every run after the first: the catalog comes from its cache. (Reading it cold takes
    the YAML reader, which counts aliases, whatever the scan holds.)"""
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nUSER 1000\n")
    warm = subprocess.run([sys.executable, "-c", "from scanner.catalog.rules import load_rules; load_rules()"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert warm.returncode == 0, warm.stderr
    code = ("import sys; from scanner.cli import main; main(['scan', '--format', 'json', 'Dockerfile']);"
            "print([m for m in ('scanner.parse.yaml', 'scanner.parse.hcl.syntax', 'hcl2', 'lark', 'helm_python')"
            " if m in sys.modules], file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr


def test_bundled_examples_show_findings_for_every_file_type(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", "examples", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == []
    folders = {f["path"].split("/")[1] for f in report["findings"]}
    assert folders == {"dockerfile", "kubernetes", "compose", "terraform", "cloudformation", "azure"}


def test_the_code_is_mypy_clean() -> None:
    """The settings live in pyproject.toml ([tool.mypy]: untyped bodies checked, stale ignores
    reported); a finding here names file and line."""
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_code_is_ruff_clean() -> None:
    """The rule set lives in pyproject.toml ([tool.ruff]); a finding here names file and line."""
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "scanner", "tests", "benchmarks"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
