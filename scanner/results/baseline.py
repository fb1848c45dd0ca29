"""Baselines: record today's findings so that only new ones block a change.

Entries are matched by fingerprint, which is built from the rule, path, resource and logical key,
never the line, so a baseline survives edits elsewhere in a file. The file records the version and
the configuration that produced it, so a reader can tell why it holds what it holds.

A secret's fingerprint is built from its digest (`scanner.secrets.match`), which depends on the
digest scheme and on the team key (`HULLSCAN_FINGERPRINT_KEY`), never on the machine: the file
records the scheme, whether a key was used and an 8-digit check of that key (slow to derive, so it
gives no fast test of a guessed key either). When a baseline was written under another scheme (a
version 1 file: the old fast hash) or another key, its other entries still match, and its secret
entries can't: the scan says so in a note, naming how many, and the secrets are reported again
until the baseline is rewritten with `--write-baseline`. Nothing is dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.results.findings import Finding, Suppression

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
# Rules whose fingerprint is made from a secret's digest (SEC*, and image secrets by `detector:digest`).
DIGEST_RULES = ("IMG001", "IMG003")


class BaselineError(Exception):
    """An unreadable or malformed baseline file."""


@dataclass(frozen=True)
class Baseline:
    """The fingerprints a baseline holds, and what the scan should say about it."""

    fingerprints: frozenset[str]
    notes: tuple[str, ...] = ()


def digest_based(rule: str) -> bool:
    return rule.startswith("SEC") or rule in DIGEST_RULES


def secret_digests() -> dict[str, object]:
    """How this run derives secret digests: what a baseline must share for its secrets to match."""
    from scanner.secrets.match import DIGEST_SCHEME, digest, fingerprint_key

    keyed = bool(fingerprint_key())
    return {"scheme": DIGEST_SCHEME, "keyed": keyed,
            "key-check": digest("hullscan fingerprint key check")[:8] if keyed else ""}


def write(path: Path, findings: Iterable[Finding], configuration: dict[str, Any]) -> None:
    entries = sorted(({"fingerprint": f.fingerprint, "rule": f.rule, "path": f.path, "resource": f.resource}
                      for f in findings), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    document = {"version": FORMAT_VERSION, "tool": f"hullscan {__version__}",
                "secret-digests": secret_digests(), "configuration": configuration, "findings": entries}
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def load(path: Path) -> Baseline:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    if not isinstance(document, dict) or document.get("version") not in READABLE_VERSIONS \
            or not isinstance(document.get("findings"), list):
        raise BaselineError(f"{path}: not a hullscan baseline (version {FORMAT_VERSION} expected)")
    entries = [entry for entry in document["findings"] if isinstance(entry, dict)]
    fingerprints = frozenset(str(entry.get("fingerprint")) for entry in entries)
    secrets = sum(1 for entry in entries if digest_based(str(entry.get("rule", ""))))
    why = _mismatch(document)
    if not secrets or not why:
        return Baseline(fingerprints)
    entries_word = "entry" if secrets == 1 else "entries"
    note = (f"baseline {path.name}: its {secrets} secret {entries_word} can't be matched ({why}), "
            "so those secrets are reported again; rewrite it with --write-baseline")
    return Baseline(fingerprints, (note,))


def _mismatch(document: dict[str, Any]) -> str:
    """Why the baseline's secret fingerprints differ from this run's, or "" when they don't."""
    recorded = document.get("secret-digests")
    if document.get("version") == 1 or not isinstance(recorded, dict):
        return "it was written with an older, fast secret hash"
    current = secret_digests()
    if recorded.get("scheme") != current["scheme"]:
        return f"it was written with secret digest scheme {recorded.get('scheme')!r}"
    if bool(recorded.get("keyed")) != current["keyed"]:
        return ("it was written with HULLSCAN_FINGERPRINT_KEY set, and this run has none" if recorded.get("keyed")
                else "it was written without HULLSCAN_FINGERPRINT_KEY, and this run sets one")
    if recorded.get("key-check") != current["key-check"]:
        return "it was written with a different HULLSCAN_FINGERPRINT_KEY"
    return ""


def split(findings: list[Finding], known: Baseline, name: str) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings already in the baseline, marked as suppressed by it)."""
    new = [f for f in findings if f.fingerprint not in known.fingerprints]
    old = [replace(f, suppression=Suppression("baseline", f"recorded in {name}"))
           for f in findings if f.fingerprint in known.fingerprints]
    return new, old
