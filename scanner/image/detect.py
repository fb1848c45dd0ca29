"""The one place image scanning meets secret detection.

Image rules ask only "which secrets are in this text?" and get back where each one is, what kind
it is, a redacted form and a stable content key; they never see the value. Detection itself
belongs to `scanner.secrets`; until its text-scanning function is available this module answers
with a minimal stand-in that knows a few unmistakable shapes, so the image rules can run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SecretMatch:
    """A secret found in a text: 1-based line, columns (end exclusive), kind, redacted form, key."""

    line: int
    column: int
    end_column: int
    kind: str
    redacted: str
    key: str


def redact(value: str) -> str:
    return f"{value[:4]}…({len(value)} chars)"


_STAND_IN = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b")),
)


def find_secrets(text: str, path: str) -> list[SecretMatch]:
    """Secrets in `text`; `path` (the file's name in the image) lets detection use its type."""
    matches = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in _STAND_IN:
            for found in pattern.finditer(line):
                value = found.group(0)
                key = hashlib.sha256(value.encode()).hexdigest()[:16]
                matches.append(SecretMatch(number, found.start() + 1, found.end() + 1, kind,
                                           redact(value), f"{kind}:{key}"))
    return matches
