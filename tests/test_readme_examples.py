"""The README's usage examples, run as written: the shell block after the marker
`<!-- examples: run by tests/test_readme_examples.py -->`, line by line, with bash, from a copy of
the repository's `examples/` (offline: nothing in the block needs more). Each command must run to
an answer: exit 0 or 1 (findings), never a usage error, an internal error or a traceback."""

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
MARKER = "<!-- examples: run by tests/test_readme_examples.py -->"


def _examples() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split(MARKER, 1)[1]
    block = re.match(r"\s*```sh\n(.*?)\n```", after, re.DOTALL)
    assert block, "the marker must come right before a ```sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", root / "examples")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def test_the_usage_block_is_there() -> None:
    assert len(_examples()) >= 5


@pytest.mark.parametrize("command", _examples())
def test_a_usage_example_runs(workspace: Path, command: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-o", "pipefail", "-c", command], cwd=workspace,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    said = done.stdout + done.stderr
    assert done.returncode in (0, 1), said
    assert "Traceback" not in said and "internal error" not in said
    assert done.stdout.strip(), said
    if " scan " in f" {command} " and "--format sarif" not in command:
        assert "findings" in done.stdout and "failed:" in done.stdout  # the examples are insecure on purpose
    if "--output hullscan.sarif" in command:
        assert json.loads((workspace / "hullscan.sarif").read_text())["runs"][0]["results"]
