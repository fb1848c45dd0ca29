"""Fixing a project: plan, apply to a private copy, re-scan, roll back, repeat to a fixed point.

The work happens in a copy of the project made through the trust boundary, so the tree is only
written at the end, and only the files whose edits survived: a fix that leaves its finding, breaks
the parse or adds a finding is rolled back (its file restored and its edits planned one at a time
on the next pass, then dropped) and reported. Each pass re-plans on the edited text, so fixes that
insert into the same place (two keys into one missing `securityContext`) land one after the
other, and a second run finds nothing to do."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.boundary import Boundary
from scanner.fix.edits import Edit, apply, non_overlapping
from scanner.fix.plan import Skipped, plan_fixes
from scanner.fix.verify import judge
from scanner.inputs.decoding import decode, encode_like
from scanner.results.findings import Finding
from scanner.settings.config import Config

MAX_PASSES = 16
SKIP_FOLDERS = frozenset({".git", "node_modules", ".terraform"})


@dataclass
class Outcome:
    """What a run changed (`fixed` text by path, beside the `original` text), what it applied,
    what it could not fix and why, and what it rolled back."""

    original: dict[str, bytes] = field(default_factory=dict)
    fixed: dict[str, bytes] = field(default_factory=dict)
    applied: list[Edit] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rolled_back: list[tuple[Edit, str]] = field(default_factory=list)
    unsafe_left: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    before: list[Finding] = field(default_factory=list)
    after: list[Finding] = field(default_factory=list)
    unreadable_before: list[str] = field(default_factory=list)  # files the scans could not parse
    unreadable_after: list[str] = field(default_factory=list)
    exposure: Any = None  # where the scans found secrets: a diff never shows those lines


class Workspace:
    """The private copy: scan it, read and write its files (by reported path)."""

    def __init__(self, config: Config, copy: Path, paths: Sequence[str], gitignore: bool) -> None:
        self.config = config
        self.copy = copy
        self.paths = tuple(paths)
        self.gitignore = gitignore

    def scan(self) -> tuple[Any, list[Any]]:
        from scanner.inputs.discover import Skipped as Walked
        from scanner.inputs.discover import walk
        from scanner.run.engine import scan

        targets = [str(self.copy / rel) for rel in self.paths]
        sources = list(walk(targets, self.copy, self.config.exclude, self.gitignore, Walked()))
        return scan(sources, self.config), sources

    def read(self, rel: str) -> bytes:
        return (self.copy / rel).read_bytes()

    def write(self, rel: str, data: bytes) -> None:
        (self.copy / rel).write_bytes(data)


def _parsed(workspace: Workspace, sources: Sequence[object], paths: set[str]) -> dict[str, object]:
    from scanner.inputs.reading import read_source

    parsed: dict[str, object] = {}
    for source in sources:
        rel = getattr(source, "rel", "")
        if rel in paths:
            outcome = read_source(source, workspace.config)  # type: ignore[arg-type]
            if outcome is not None and not isinstance(outcome, str) and hasattr(outcome, "text"):
                parsed[rel] = outcome
    return parsed


def fix_tree(config: Config, paths: Sequence[str], unsafe: bool, rules: Sequence[object],
             gitignore: bool, copy: Path) -> Outcome:
    """Fix what `paths` (relative to the root) hold, in `copy` (an empty private folder)."""
    outcome = Outcome()
    left_out = Boundary(config.root, config.limits.max_file_bytes).copy_tree(config.root, copy, SKIP_FOLDERS)
    outcome.errors.extend(f"{rel}: not copied, so not fixed" for rel in left_out if rel not in SKIP_FOLDERS)
    work_config = replace(config, root=copy, use_cache=False,
                          var_files=tuple(_inside(p, config.root, copy) for p in config.var_files),
                          helm_values=tuple(_inside(p, config.root, copy) for p in config.helm_values))
    workspace = Workspace(work_config, copy, paths, gitignore)
    rejected: set[tuple[str, str]] = set()
    solo: set[str] = set()
    follow_ups = frozenset(rule.id for rule in rules  # type: ignore[attr-defined]
                           if rule.fix is not None and (unsafe or rule.fix.applicability == "safe"))  # type: ignore[attr-defined]
    result, sources = workspace.scan()
    outcome.before = list(result.findings)
    outcome.unreadable_before = sorted({e.path for e in result.errors})
    outcome.exposure = result.exposure
    for _ in range(MAX_PASSES):
        fixable = {f.path for f in result.findings}
        plan = plan_fixes(_parsed(workspace, sources, fixable), result.findings, rules,  # type: ignore[arg-type]
                          config.rule_options, unsafe)
        outcome.skipped, outcome.unsafe_left = plan.skipped, plan.unsafe_left
        candidates = [e for e in plan.edits if (e.rule, e.fingerprint) not in rejected]
        kept, _ = non_overlapping(candidates)
        kept = _one_per_solo_file(kept, solo)
        if not kept:
            break
        texts, replaced = _apply(workspace, kept, outcome)
        after, sources = workspace.scan()
        broken = {e.path for e in after.errors} - {e.path for e in result.errors}
        verdict = judge(result.findings, after.findings, kept, replaced, broken, follow_ups)
        if verdict.failed:
            for path, why in sorted(verdict.failed.items()):
                workspace.write(path, texts[path])
                mine = [e for e in kept if e.path == path]
                if len(mine) == 1 or path in solo:
                    for edit in mine:
                        rejected.add((edit.rule, edit.fingerprint))
                        outcome.rolled_back.append((edit, why))
                solo.add(path)
            outcome.applied.extend(e for e in kept if e.path not in verdict.failed)
            after, sources = workspace.scan()
        else:
            outcome.applied.extend(kept)
        result = after
    outcome.after = list(result.findings)
    outcome.unreadable_after = sorted({e.path for e in result.errors})
    outcome.exposure.merge(result.exposure)
    for rel, data in outcome.original.items():
        now = workspace.read(rel)
        if now != data:
            outcome.fixed[rel] = now
    return outcome


def _one_per_solo_file(edits: list[Edit], solo: set[str]) -> list[Edit]:
    """Files whose edits failed together get one edit a pass, to tell the good from the bad."""
    kept: list[Edit] = []
    taken: set[str] = set()
    for edit in edits:
        if edit.path in solo:
            if edit.path in taken:
                continue
            taken.add(edit.path)
        kept.append(edit)
    return kept


def _apply(workspace: Workspace, edits: list[Edit], outcome: Outcome
           ) -> tuple[dict[str, bytes], dict[tuple[str, int], str]]:
    """Write each file's edits; the bytes before (for rollback) and the text each edit replaced."""
    before: dict[str, bytes] = {}
    replaced: dict[tuple[str, int], str] = {}
    for path in sorted({e.path for e in edits}):
        data = workspace.read(path)
        before[path] = data
        outcome.original.setdefault(path, data)
        text = decode(data)
        mine = [e for e in edits if e.path == path]
        for edit in mine:
            replaced[(path, edit.start)] = text[edit.start:edit.end]
        workspace.write(path, encode_like(data, apply(text, mine)))
    return before, replaced


def _inside(path: Path, root: Path, copy: Path) -> Path:
    try:
        return copy / Path(os.path.abspath(path)).relative_to(root)
    except ValueError:
        return path
