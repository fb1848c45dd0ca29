"""No secret value ever leaves the scanner: not in a finding, not in any report, not on stderr.

The project is planted at run time (`planted_secrets.py`); each secret must be found (otherwise
the test proves nothing) and none of its spellings may appear anywhere the scanner writes.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from planted_secrets import Planted, plant

from scanner.inputs.discover import walk
from scanner.report.formats import FORMATS
from scanner.run.engine import scan
from scanner.settings.config import Config


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Planted]]:
    folder = tmp_path_factory.mktemp("planted")
    return folder, plant(folder)


def _leaks(text: str, planted: list[Planted]) -> list[str]:
    return [f"{p.rule} in {p.file}" for p in planted if p.leaked_in(text)]


def test_every_planted_secret_is_found_and_no_finding_shows_one(project) -> None:
    folder, planted = project
    result = scan(walk([str(folder)], folder), Config(root=folder, select=("SEC",)))
    assert not result.errors, [e.as_dict() for e in result.errors]
    found = {(f.rule, f.path) for f in result.findings}
    missing = [f"{p.rule} in {p.file}" for p in planted if (p.rule, p.file) not in found]
    assert missing == []
    everything = json.dumps([dataclasses.asdict(f) for f in result.findings], default=str)
    assert _leaks(everything, planted) == []
    assert all("\u2026(" in f.message or "(value hidden)" in f.message for f in result.findings), \
        "every message shows the redacted form"


def test_no_output_format_shows_a_secret(project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every format, to files and to stdout, with every rule on and suppressed findings shown."""
    from scanner.cli import main

    folder, planted = project
    args = ["scan", str(folder), "--root", str(folder), "--no-cache", "--show-suppressed", "--fail-on", "never",
            "--write-baseline", str(tmp_path / "baseline.json")]
    main(args)
    for name in FORMATS:
        args = ["scan", str(folder), "--root", str(folder), "--no-cache", "--show-suppressed", "--fail-on", "never",
                "--format", name, "--output", str(tmp_path / f"report.{name}"), "--format", name]
        main(args)
    out, err = capsys.readouterr()
    written = "".join(path.read_text(errors="replace") for path in sorted(tmp_path.iterdir()))
    assert len(list(tmp_path.iterdir())) == len(FORMATS) + 1
    assert "\u2026(" in written, "the reports do show the redacted secrets"
    assert _leaks(out + err + written, planted) == []
