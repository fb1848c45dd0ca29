"""The one place image scanning meets secret detection (`scanner.secrets.scan.scan_text`).

Image rules ask only "which secrets are in this text?" and get back where each one is, what kind
it is, a redacted form and a hash; they never hold the value. Matches that a false-positive filter
flags (placeholders, digests, low entropy, ...) are dropped here: an image has no inline
suppressions, so precision has to come from detection.
"""

from __future__ import annotations

from dataclasses import dataclass

# Detectors that judge a value by the name of the key it is assigned to, not by its own shape.
_GENERIC = frozenset({"secret-assignment"})


@dataclass(frozen=True)
class SecretMatch:
    """A secret found in a text: 1-based line, columns (end exclusive), which detector found it,
    what it is, its redacted form and a hash of it (`digest`, what allow-lists name).
    `generic`: found by the name of the key it is assigned to rather than by its own shape."""

    line: int
    column: int
    end_column: int
    detector: str
    kind: str
    redacted: str
    digest: str
    generic: bool = False

    @property
    def key(self) -> str:
        """The logical place of a finding: the same secret in one place is one finding."""
        return f"{self.detector}:{self.digest}"


def find_secrets(text: str, path: str) -> list[SecretMatch]:
    """Secrets in `text`; `path` (the file's name in the image) locates them."""
    from scanner.secrets.scan import scan_text

    found = []
    for match in scan_text(text, path):
        if match.filtered_by:
            continue
        loc = match.loc
        end = loc.end_column if loc.end_line == loc.line and loc.end_column > loc.column else 0
        found.append(SecretMatch(loc.line, loc.column, end, match.detector, match.description,
                                 match.redacted, match.digest, match.detector in _GENERIC))
    return found
