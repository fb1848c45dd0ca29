"""What rules yield (`Hit`) and what reporters read (`Finding`).

A rule knows where and what; the engine adds everything that comes from the catalog (severity,
checklist, message wording) and the fingerprint, so rules stay small and reporters never see rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from scanner.nodes import Location, Node

SEVERITIES = ("critical", "high", "medium", "low", "info")


def severity_rank(severity: str) -> int:
    """0 for critical ... 4 for info; lower is worse."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Hit:
    """One violation as a rule sees it.

    `resource` names the object (`Deployment/api container "web"`); `key` is the logical place inside
    it (`securityContext.privileged`) and, with the rule and path, makes the fingerprint, so the
    fingerprint does not move when lines above it do. `args` fill the catalog's message template.
    `related` are other places worth showing (the role a binding grants, the template that rendered).
    """

    loc: Location
    resource: str
    key: str = ""
    args: dict[str, str] = field(default_factory=dict)
    related: tuple[Location, ...] = ()


def hit_at(node: Node | Location, resource: str, key: str = "", **args: str) -> Hit:
    loc = node if isinstance(node, Location) else node.loc
    return Hit(loc=loc, resource=resource, key=key, args=args)


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not counted: an inline comment, annotation, baseline or config entry."""

    kind: str
    reason: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: str
    checklist: tuple[str, ...]
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    resource: str
    fingerprint: str
    related: tuple[Location, ...] = ()
    suppression: Suppression | None = None

    def as_dict(self) -> dict[str, object]:
        """The public JSON shape: exactly these fields, in this order."""
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "checklist": list(self.checklist),
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
            "resource": self.resource,
            "fingerprint": self.fingerprint,
        }

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.fingerprint)


def fingerprint(rule: str, path: str, resource: str, key: str) -> str:
    """Stable across line shifts and unrelated edits: built from logical position, not lines."""
    digest = hashlib.sha256("\x1f".join((rule, path, resource, key)).encode()).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class ScanError:
    """A file that could not be read or parsed; the scan goes on without it."""

    path: str
    message: str
    line: int = 0

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"path": self.path, "message": self.message}
        if self.line:
            data["line"] = self.line
        return data
