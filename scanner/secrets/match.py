"""One found secret, and the only two forms of it that may ever leave memory.

A match keeps the secret value so filters and pairing can look at it, but the value is excluded
from `repr`, comparison and every string the rest of the scanner builds: reports get `redacted`
and `digest`, never the value.

`redacted` shows a prefix only where the prefix is public: the marker a token format puts in
front of every token (`ghp_`, `AKIA`, `xoxb-`), followed by the length every such token has. A
password, a Secret's data, a URL's password or a key body shows neither prefix nor length: two
characters and a length of `Summer2024!` are most of a guess.

`digest` names one secret so that a baseline, an allow-list or a fingerprint can refer to it
without writing it down; SARIF, JSON, GitLab and Code Climate reports and baselines carry it
(hashed once more into each finding's fingerprint). A report may be uploaded or leaked, so the
digest must give no fast offline guess: it is scrypt (N=2^14, r=8, p=1: about 40 ms and 16 MiB
per guess, on purpose) of the value, salted with a fixed application string and, when the
environment sets `HULLSCAN_FINGERPRINT_KEY`, with that team key too. The derivation has no
per-machine input, so every machine computes the same digest for the same secret and baselines
stay stable across machines, CI runners and releases; a team that sets the key gets digests that
no one without the key can test a guess against, and must set the same key wherever it scans
(a baseline records whether a key was used). The rule id is not part of the digest, so that an
allow-list names a secret once whichever rule finds it; it is part of every finding fingerprint
made from the digest. Each distinct value is derived once per run (memoised), so a file that
repeats one password a thousand times costs one derivation.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from scanner.nodes import Location

ELLIPSIS = "\u2026"
HIDDEN = "value hidden"
KEY_VARIABLE = "HULLSCAN_FINGERPRINT_KEY"
# Changing any of these changes every secret digest: baselines record DIGEST_SCHEME to notice.
DIGEST_SCHEME = "scrypt-v2"
APPLICATION_SALT = b"hullscan secret fingerprint v2\x1f"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1


def redact(value: str, marker: str = "") -> str:
    """`ghp_…(40 chars)` when `marker` (a regex of the format's public prefix) matches the start
    of `value`; `value hidden` otherwise."""
    found = re.match(marker, value) if marker else None
    if found is None or not found.group() or len(found.group()) >= len(value) // 2:
        return HIDDEN
    shown = "".join(ch if ch.isprintable() and not ch.isspace() else "?" for ch in found.group())
    return f"{shown}{ELLIPSIS}({len(value)} chars)"


def fingerprint_key() -> str:
    """The team key from the environment, or "" (the digests are then the same for everyone)."""
    return os.environ.get(KEY_VARIABLE, "")


def digest(value: str) -> str:
    """A slow keyed hash of the secret: what fingerprints and allow-lists use instead of the value."""
    return _derive(value, fingerprint_key())


@lru_cache(maxsize=65536)  # once per distinct secret (and key) per run
def _derive(value: str, key: str) -> str:
    salt = APPLICATION_SALT + key.encode("utf-8", "surrogatepass")
    derived = hashlib.scrypt(value.encode("utf-8", "surrogatepass"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                             p=SCRYPT_P, maxmem=64 * 1024 * 1024, dklen=16)
    return derived.hex()


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
        from scanner.secrets.detectors import BY_ID

        detector = BY_ID.get(self.detector)
        return redact(self.value, detector.marker if detector is not None else "")

    @property
    def digest(self) -> str:
        return digest(self.value)

    def __str__(self) -> str:
        return f"{self.detector} {self.redacted} at {self.loc.path}:{self.loc.line}"
