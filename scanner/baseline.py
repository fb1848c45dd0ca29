"""Baselines: record today's findings so that only new ones block a change.

Entries are matched by fingerprint, which is built from the rule, path, resource and logical key,
never the line, so a baseline survives edits elsewhere in a file. The file records the version and
the configuration that produced it, so a reader can tell why it holds what it holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.findings import Finding, Suppression

FORMAT_VERSION = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline file."""


def write(path: Path, findings: Iterable[Finding], configuration: dict[str, Any]) -> None:
    entries = sorted(({"fingerprint": f.fingerprint, "rule": f.rule, "path": f.path, "resource": f.resource}
                      for f in findings), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    document = {"version": FORMAT_VERSION, "tool": f"hullscan {__version__}",
                "configuration": configuration, "findings": entries}
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def load(path: Path) -> frozenset[str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION \
            or not isinstance(document.get("findings"), list):
        raise BaselineError(f"{path}: not a hullscan baseline (version {FORMAT_VERSION} expected)")
    return frozenset(str(entry.get("fingerprint")) for entry in document["findings"] if isinstance(entry, dict))


def split(findings: list[Finding], known: frozenset[str], name: str) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings already in the baseline, marked as suppressed by it)."""
    new = [f for f in findings if f.fingerprint not in known]
    old = [replace(f, suppression=Suppression("baseline", f"recorded in {name}"))
           for f in findings if f.fingerprint in known]
    return new, old
