"""The one place image scanning meets secret detection.

Image rules ask only "which secrets are in this text?" and get back where each one is, what kind
it is, a redacted form and a stable content key; they never see the value. Detection itself
belongs to `scanner.secrets` (`scan_text`); where that is not available this module answers with a
minimal stand-in that knows a few unmistakable shapes, so the image rules still run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SecretMatch:
    """A secret found in a text: 1-based line, columns (end exclusive), kind, redacted form, key.
    `generic`: found by the name of the key it is assigned to rather than by its own shape."""

    line: int
    column: int
    end_column: int
    kind: str
    redacted: str
    key: str
    generic: bool = False


def redact(value: str) -> str:
    return f"{value[:4]}…({len(value)} chars)"


_GENERIC = frozenset({"secret-assignment"})
_STAND_IN = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[ \t]*\r?\n[A-Za-z0-9+/=]{40,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b")),
)


def find_secrets(text: str, path: str) -> list[SecretMatch]:
    """Secrets in `text`; `path` (the file's name in the image) lets detection use its type.

    Matches that a false-positive filter flags (placeholders, digests, low entropy) are dropped:
    an image has no inline suppressions, so precision has to come from here."""
    try:
        from scanner.secrets.scan import scan_text
    except ImportError:
        return _stand_in(text)
    found = []
    for match in scan_text(text, path):
        if match.filtered_by:
            continue
        loc = match.loc
        end = loc.end_column if loc.end_line == loc.line and loc.end_column > loc.column else 0
        found.append(SecretMatch(loc.line, loc.column, end, match.description, match.redacted,
                                 f"{match.detector}:{match.digest}", match.detector in _GENERIC))
    return found


def _stand_in(text: str) -> list[SecretMatch]:
    matches = []
    for kind, pattern in _STAND_IN:
        for found in pattern.finditer(text):
            value = found.group(0).split("\n", 1)[0].rstrip()
            line = text.count("\n", 0, found.start()) + 1
            column = found.start() - text.rfind("\n", 0, found.start())
            key = hashlib.sha256(found.group(0).encode()).hexdigest()[:16]
            matches.append(SecretMatch(line, column, column + len(value), kind, redact(value),
                                       f"{kind}:{key}"))
    return sorted(matches, key=lambda match: (match.line, match.column))
