"""The VS Code client in `editors/vscode/` installs from its lock file, type-checks and builds, as
CI runs it (`.ci/run` installs node and npm when the machine has none). The npm registry is the
only network it uses."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parent.parent / "editors" / "vscode"
NPM_TIMEOUT = 600  # seconds: an install on a slow mirror, never a measure of speed


def _run(*command: str, cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=NPM_TIMEOUT)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed (.ci/run installs it)")
def test_the_vscode_client_type_checks_and_builds(tmp_path: Path) -> None:
    copy = tmp_path / "vscode"
    shutil.copytree(EXTENSION, copy, ignore=shutil.ignore_patterns("node_modules", "out"))
    _run("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", cwd=copy)
    _run("npx", "--no-install", "tsc", "--noEmit", "-p", ".", cwd=copy)
    _run("npx", "--no-install", "tsc", "-p", ".", cwd=copy)
    main = json.loads((copy / "package.json").read_text())["main"]
    built = (copy / main).read_text()
    assert '"lsp"' in built and "vscode-languageclient/node" in built
