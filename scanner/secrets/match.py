"""One found secret, and the only two forms of it that may ever leave memory.

A match keeps the secret value so filters and pairing can look at it, but the value is excluded
from `repr`, comparison and every string the rest of the scanner builds: reports get `redacted`
(a few leading characters and the length) and `digest` (a hash, stable across runs, so a baseline
or an allow-list can name one secret without writing it down).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from scanner.nodes import Location

ELLIPSIS = "\u2026"


def redact(value: str) -> str:
    """`AKIA…(20 chars)`: at most 4 leading characters, and never more than a quarter of a short
    value, so a redacted 8-character password shows 2 characters, not half of it."""
    shown = value[: min(4, len(value) // 4)]
    shown = "".join(ch if ch.isprintable() and not ch.isspace() else "?" for ch in shown)
    return f"{shown}{ELLIPSIS}({len(value)} chars)"


def digest(value: str) -> str:
    """A hash of the secret: what fingerprints and allow-lists use instead of the value."""
    return hashlib.sha256(b"hullscan-secret\x1f" + value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class SecretMatch:
    """A secret found at `loc`. `start`/`end` are offsets in the scanned text (for overlap checks);
    `name` is the key it was assigned to, when there is one; `resource` names the object holding
    it when the file's structure says (`Secret/db key "password"`); `filtered_by` names the filters
    that think it is not a real secret (the rule decides which filters are on)."""

    detector: str
    rule: str
    description: str
    loc: Location
    value: str = field(repr=False, compare=False)
    start: int = 0
    end: int = 0
    name: str = ""
    resource: str = ""
    filtered_by: tuple[str, ...] = ()
    related: tuple[Location, ...] = ()

    @property
    def redacted(self) -> str:
        return redact(self.value)

    @property
    def digest(self) -> str:
        return digest(self.value)

    def __str__(self) -> str:
        return f"{self.detector} {self.redacted} at {self.loc.path}:{self.loc.line}"
