"""Telling whether a pass of edits did what it promised, from the scans before and after it.

A finding is the same finding after an edit when its fingerprint is unchanged, or, for rules
whose fingerprint holds a line, when rule, path, resource and the line the edits moved it to
agree. An edit fails when its finding is still there, when its file no longer parses, or when
its file has a finding that was not there before and that this run cannot fix in turn."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scanner.fix.edits import Edit
from scanner.results.findings import Finding

Identity = tuple[str, str, str, int]


def _shift(line: int, edits: Sequence[Edit], texts: dict[tuple[str, int], str]) -> int:
    """Where an old line of a file is after the edits (each adds or removes whole lines)."""
    moved = line
    for edit in edits:
        old = texts.get((edit.path, edit.start), "")
        delta = edit.new_text.count("\n") - old.count("\n")
        if edit.line < line or (edit.line == line and edit.column == 1 and edit.new_text.endswith("\n")):
            moved += delta
    return moved


@dataclass
class Verdict:
    failed: dict[str, str]  # path -> why its edits are rolled back
    removed: set[str]  # fingerprints of findings that are gone


def judge(before: Sequence[Finding], after: Sequence[Finding], edits: Sequence[Edit],
          replaced: dict[tuple[str, int], str], broken: Iterable[str],
          follow_ups: frozenset[str] = frozenset()) -> Verdict:
    """`follow_ups` are rules this run fixes too: a finding of theirs that an edit uncovers (a
    container no longer privileged is judged for seccomp) is fixed on the next pass, not blamed."""
    by_file: dict[str, list[Edit]] = {}
    for edit in edits:
        by_file.setdefault(edit.path, []).append(edit)
    after_prints = {f.fingerprint for f in after}
    after_ids = {(f.rule, f.path, f.resource, f.line) for f in after}
    before_prints = {f.fingerprint for f in before}
    before_ids: set[Identity] = set()
    removed: set[str] = set()
    for finding in before:
        line = _shift(finding.line, by_file.get(finding.path, []), replaced)
        before_ids.add((finding.rule, finding.path, finding.resource, line))
        if finding.fingerprint not in after_prints and (finding.rule, finding.path, finding.resource, line) not in after_ids:
            removed.add(finding.fingerprint)
    failed: dict[str, str] = {path: "the edited file no longer parses" for path in broken if path in by_file}
    for path in broken:  # a chart or overlay that no longer renders: any edit of the pass may be why
        if path not in by_file:
            for edited in by_file:
                failed.setdefault(edited, f"{path} could not be read after the edit")
    for edit in edits:
        if edit.path not in failed and edit.fingerprint not in removed:
            failed[edit.path] = f"{edit.rule}'s finding was still reported after the edit"
    for finding in after:
        new = finding.fingerprint not in before_prints and \
            (finding.rule, finding.path, finding.resource, finding.line) not in before_ids
        if not new or finding.rule in follow_ups:
            continue
        blamed = [finding.path] if finding.path in by_file else list(by_file)
        for path in blamed:
            failed.setdefault(path, f"the edit added a finding ({finding.rule})")
    return Verdict(failed, removed)
