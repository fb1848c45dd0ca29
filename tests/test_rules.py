"""Every rule's fixtures, in one parametrized test.

`fixtures/rules/<RULE-ID>/` holds insecure and hardened inputs for one rule; each file (or each
`*.case` folder, scanned as one project) is scanned with only that rule selected and must yield
exactly the findings its `expect:` markers name. `fixtures/realistic/<name>/` folders are scanned
with every rule (`strict`) and must yield exactly their full marked list.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from expectations import expected_findings, expected_in_tree

from scanner.inputs.discover import walk
from scanner.run.engine import scan
from scanner.settings.config import Config
from scanner.settings.load import find_config, load_settings

FIXTURES = Path(__file__).parent / "fixtures"


def _rule_cases() -> list[pytest.param]:
    cases = []
    for rule_dir in sorted((FIXTURES / "rules").iterdir()):
        for item in sorted(rule_dir.iterdir()):
            if item.name.endswith(".expect") or item.name.startswith("."):
                continue
            if item.is_dir() and not item.name.endswith(".case"):
                continue
            cases.append(pytest.param(rule_dir.name, item, id=f"{rule_dir.name}/{item.name}"))
    return cases


def _findings(target: Path, root: Path, select: tuple[str, ...] = ()) -> set[tuple[str, str, int]]:
    config = Config(select=select, root=root, profiles=("strict",))
    if target.is_dir():  # a case folder may configure its scan (e.g. trusted registries)
        config = load_settings(find_config(target), config)
    result = scan(walk([str(target)], root), config)
    assert not result.errors, [e.as_dict() for e in result.errors]
    return {(f.path, f.rule, f.line) for f in result.findings}


@pytest.mark.parametrize(("rule", "fixture"), _rule_cases())
def test_rule_fixture(rule: str, fixture: Path) -> None:
    if fixture.is_dir():
        expected = {item for item in expected_in_tree(fixture) if item[1] == rule}
        assert _findings(fixture, fixture, (rule,)) == expected
    else:
        expected_pairs = {(r, line) for r, line in expected_findings(fixture) if r == rule}
        actual = _findings(fixture, fixture.parent, (rule,))
        assert {(r, line) for _, r, line in actual} == expected_pairs


@pytest.mark.parametrize(
    "case", sorted(p for p in (FIXTURES / "realistic").iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_realistic_project(case: Path) -> None:
    assert _findings(case, case) == expected_in_tree(case)
