"""Edits as values: a span of a file's decoded text and what replaces it.

Offsets are indices into the decoded text (Python string indices), the unit every planner works
in; `line`/`column` give the same start for editors that count in lines. Edits of one file never
overlap: `non_overlapping` keeps the first of two that touch the same text (or insert at the same
place), and the loop in `scanner.fix.run` plans the rest again on the edited file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

APPLICABILITIES = ("safe", "unsafe")
# What a fix writes: a boolean, a number, a string, a list of strings or a small map of strings.
Value = bool | int | str | list[str] | dict[str, str]


@dataclass(frozen=True, order=True)
class Change:
    """What a fix function returns: replace `text[start:end]` with `new`."""

    start: int
    end: int
    new: str


@dataclass(frozen=True, order=True)
class Edit:
    """One planned change to one file, with the finding it removes."""

    path: str
    start: int
    end: int
    new_text: str
    rule: str
    applicability: str
    description: str = ""
    fingerprint: str = ""
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0


def conflicts(a: Edit, b: Edit) -> bool:
    """Two edits of one file that cannot both apply in one pass: overlapping spans, or two
    insertions at the same place (their order would be a guess)."""
    if a.path != b.path:
        return False
    if a.start == b.start and (a.start == a.end or b.start == b.end):
        return (a.start, a.end, a.new_text) != (b.start, b.end, b.new_text)
    return a.start < b.end and b.start < a.end and (a.start, a.end, a.new_text) != (b.start, b.end, b.new_text)


def non_overlapping(edits: Iterable[Edit]) -> tuple[list[Edit], list[Edit]]:
    """Edits that apply together (identical duplicates merged), and those deferred to a later
    pass; decided in a fixed order so that every run picks the same ones."""
    kept: list[Edit] = []
    deferred: list[Edit] = []
    seen: set[tuple[str, int, int, str]] = set()
    for edit in sorted(edits, key=lambda e: (e.path, e.start, e.end, e.rule, e.new_text, e.fingerprint)):
        span = (edit.path, edit.start, edit.end, edit.new_text)
        if span in seen:
            continue
        if any(conflicts(edit, other) for other in kept if other.path == edit.path):
            deferred.append(edit)
            continue
        seen.add(span)
        kept.append(edit)
    return kept, deferred


def apply(text: str, edits: Iterable[Edit | Change]) -> str:
    """`text` with non-overlapping edits applied, last first so offsets stay valid."""
    pieces = sorted(((e.start, e.end, e.new_text if isinstance(e, Edit) else e.new) for e in edits),
                    reverse=True)
    for start, end, new in pieces:
        text = text[:start] + new + text[end:]
    return text
