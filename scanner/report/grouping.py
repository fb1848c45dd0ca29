"""Entries of a report a person reads: findings a user fixes together shown as one.

Findings stay one per rule and place everywhere they are data (JSON, SARIF, baselines,
suppressions, `checkov:skip` equivalents): each keeps its own rule id, location and fingerprint,
so a suppression or a code-scanning dismissal still names exactly one concern. Only the reports
read top to bottom (text) group them, in two ways:

- **A container's hygiene**: the findings of `container` rules outside the `default` profile
  (limits, probes, digests, capabilities not dropped, ...) that one container gets in one file are
  one entry listing the settings, each with its own line: they are fixed in one edit of one
  `securityContext` and `resources` block. Findings of `default` rules (a privileged container, a
  host path) stay entries of their own.
- **Copies**: the same entry (rule, Kubernetes object and message; or the same hygiene list of
  the same object) in several files, as in the install bundles a project generates from one
  source, is shown once, naming the other files. Only objects named `Kind/name` are matched: a
  Dockerfile or a Compose service of one name in two folders is two images, two services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.results.findings import Finding, severity_rank

if TYPE_CHECKING:
    from scanner.catalog.rules import Rule

DEFAULT_PROFILE = "default"
_OBJECT = re.compile(r"[A-Z][A-Za-z0-9]*/[^\s/]")  # `Deployment/web ...`: an object with an identity


@dataclass(frozen=True)
class Entry:
    """One or more findings shown together: `findings` in one file (the first leads),
    `elsewhere` the leads of the same entry in other files."""

    findings: tuple[Finding, ...]
    elsewhere: tuple[Finding, ...] = ()

    @property
    def lead(self) -> Finding:
        return self.findings[0]

    @property
    def severity(self) -> str:
        return min((f.severity for f in self.findings), key=severity_rank)

    @property
    def hygiene(self) -> bool:
        return len(self.findings) > 1

    def signature(self) -> tuple[str, ...]:
        """What makes two entries in different files the same entry; unique for an entry whose
        resource has no identity across files."""
        if not _OBJECT.match(self.lead.resource):
            return (self.lead.path, self.lead.fingerprint)
        if self.hygiene:
            return ("hygiene", self.lead.resource, *sorted(f.rule for f in self.findings))
        return (self.lead.rule, self.lead.resource, self.lead.message)


def _hygiene(finding: Finding, rules: Mapping[str, Rule]) -> bool:
    rule = rules.get(finding.rule)
    return rule is not None and rule.model == "container" and DEFAULT_PROFILE not in rule.profiles


def group(findings: Iterable[Finding], rules: Mapping[str, Rule]) -> list[Entry]:
    """The entries for `findings`, in path and line order of their leads."""
    ordered = sorted(findings, key=lambda f: f.sort_key)
    containers: dict[tuple[str, str], list[Finding]] = {}
    alone: list[Entry] = []
    for finding in ordered:
        if _hygiene(finding, rules):
            containers.setdefault((finding.path, finding.resource), []).append(finding)
        else:
            alone.append(Entry((finding,)))
    entries = alone + [Entry(tuple(members)) for members in containers.values()]
    entries.sort(key=lambda entry: entry.lead.sort_key)
    return _merge_copies(entries)


def _merge_copies(entries: list[Entry]) -> list[Entry]:
    """Entries with one signature in several files become the first, naming the others."""
    by_signature: dict[tuple[str, ...], list[Entry]] = {}
    for entry in entries:
        by_signature.setdefault(entry.signature(), []).append(entry)
    merged = []
    for entry in entries:
        same = by_signature[entry.signature()]
        if same[0] is not entry:
            continue
        others = tuple(other.lead for other in same[1:] if other.lead.path != entry.lead.path)
        if len(others) + 1 < len(same):  # the same signature twice in one file: two objects, keep both
            merged.extend(same)
            continue
        merged.append(Entry(entry.findings, others))
    merged.sort(key=lambda entry: entry.lead.sort_key)
    return merged
