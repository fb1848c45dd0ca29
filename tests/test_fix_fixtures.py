"""Every fix's before -> after pair, byte for byte: `tests/fixtures/fix/<RULE>-<case>/before.*`
is fixed with that rule alone (unsafe fixes included) and must become `after.*`; fixing the
result again changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.app import ScanOptions, build_config
from scanner.boundary import private_folder
from scanner.catalog.rules import load_rules
from scanner.fix.run import Outcome, fix_tree
from scanner.run.engine import selected_rules

FIXTURES = Path(__file__).parent / "fixtures" / "fix"
CASES = sorted(path for path in FIXTURES.iterdir() if path.is_dir())


def fix_folder(folder: Path, select: tuple[str, ...] = (), unsafe: bool = True) -> Outcome:
    """Run the fixer over `folder` (its own project root) and return what it would change."""
    config = build_config(ScanOptions(paths=(str(folder),), root=folder, select=select, no_cache=True))
    rules = selected_rules(load_rules(), config)
    with private_folder() as work:
        return fix_tree(config, ["."], unsafe, rules, True, work / "copy")


def _fixed(case: Path, tmp_path: Path) -> tuple[bytes, bytes, Path]:
    before = next(case.glob("before.*"))
    name = "Dockerfile" if before.suffix == ".dockerfile" else "input" + before.suffix
    project = tmp_path / "project"
    project.mkdir()
    shutil.copyfile(before, project / name)
    outcome = fix_folder(project, (case.name.split("-")[0],))
    return before.read_bytes(), outcome.fixed.get(name, before.read_bytes()), project / name


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fix_turns_before_into_after(case: Path, tmp_path: Path) -> None:
    _, fixed, _ = _fixed(case, tmp_path)
    expected = next(case.glob("after.*")).read_bytes()
    assert fixed == expected


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fixing_twice_changes_nothing(case: Path, tmp_path: Path) -> None:
    _, fixed, written = _fixed(case, tmp_path)
    written.write_bytes(fixed)
    again = fix_folder(written.parent, (case.name.split("-")[0],))
    assert again.fixed == {}
