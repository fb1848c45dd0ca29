"""Fixes as suggestions in a report (SARIF `fixes`): planned for each finding from the files as
scanned, not applied and not re-scanned — `hullscan fix` is what verifies them."""

from __future__ import annotations

from typing import Any

from scanner.fix.edits import Edit
from scanner.fix.plan import plan_fixes
from scanner.inputs.parsed import ParsedFile
from scanner.settings.config import Config


def suggestions(result: Any, config: Config) -> dict[str, list[Edit]]:
    """Planned edits by finding fingerprint; a file that can't be read again gets none."""
    from scanner.boundary import Boundary, Refused
    from scanner.inputs.discover import SourceFile
    from scanner.inputs.reading import read_source

    boundary = Boundary(config.root, config.limits.max_file_bytes)
    fixable = {rule.id for rule in result.rules if rule.fix is not None}
    paths = sorted({f.path for f in result.findings if f.rule in fixable})
    parsed: dict[str, ParsedFile] = {}
    for rel in paths:
        try:  # a finding's path is read again only where the scan could read it
            path = boundary.vet(config.root / rel)
        except Refused:
            continue
        outcome = read_source(SourceFile(path, rel), config)
        if isinstance(outcome, ParsedFile):
            parsed[rel] = outcome
    if not parsed:
        return {}
    plan = plan_fixes(parsed, [f for f in result.findings if f.path in parsed], result.rules,
                      config.rule_options, unsafe=True)
    by_finding: dict[str, list[Edit]] = {}
    for edit in plan.edits:
        by_finding.setdefault(edit.fingerprint, []).append(edit)
    return by_finding
