"""What a scan returns: findings, the findings suppressed, errors, notes and the rules that ran.

It sits beside `Finding` rather than in the engine, so that reporters, which read results, never
import the code that produced them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.catalog.rules import Rule
from scanner.results.findings import Finding, ScanError
from scanner.secrets.exposure import Exposure


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    files: int = 0
    types: dict[str, int] = field(default_factory=dict)
    unfinished: list[str] = field(default_factory=list)  # files not scanned: the deadline passed
    exposure: Exposure = field(default_factory=Exposure)  # where secrets are, for reporters to hide
