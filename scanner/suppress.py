"""Inline suppressions: comments, Kubernetes annotations, CloudFormation metadata, checkov skips.

    # hullscan:ignore CTR002 the node agent needs the host's PID namespace until=2026-12-31

A comment at the end of a line covers that line; a comment on a line of its own covers the next
line that holds code. Either way, when that line opens a resource (a YAML document or a mapping
under a key, a Terraform block, a Dockerfile stage), the whole resource is covered, and a
suppression anywhere inside a resource covers what is reported at the resource's first line
(`scanner.suppress_scope`). A reason is required; `until=YYYY-MM-DD` ends a suppression after that
day. Suppressions that lack a reason, name an unknown rule, have expired, give a date that is not
one, or suppress nothing are reported by the HUL rules, so that suppressions stay honest; one that
fails any of these checks suppresses nothing, so a typo never turns into a permanent waiver.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from collections.abc import Mapping as TypingMapping
from dataclasses import dataclass, replace

from scanner import suppress_scope as scope
from scanner.findings import Finding, Suppression
from scanner.inputs import ParsedFile
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, dig

_COMMENT = re.compile(r"(?:#|//)\s*hullscan:ignore\b[ \t]*(?P<body>[^\n]*)")
_CHECKOV = re.compile(r"(?:#|//)\s*checkov:skip=(?P<id>[A-Z0-9_]+)(?::(?P<reason>[^\n]*))?")
_RULE_ID = re.compile(r"^[A-Z]+[0-9]+$")
# Any `until=` token is an expiry: one that is not a real ISO date is reported, never read as reason.
_UNTIL = re.compile(r"\buntil=(\S*)", re.IGNORECASE)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: `\d` takes any script's
_SHOWN_DATE = 40  # characters of a bad `until=` value repeated in a report
ANNOTATION = "hullscan.dev/ignore"


@dataclass
class InlineSuppression:
    """One suppression as written. `rules` are hullscan ids; `foreign` keeps a checkov id.
    `start`..`end` are the lines it covers, `enclosing` the first lines of the blocks around
    them; `bad_until` is an `until=` value that is no date (the suppression then applies nowhere)."""

    loc: Location
    rules: tuple[str, ...]
    reason: str
    start: int
    end: int
    until: datetime.date | None = None
    foreign: str = ""
    used: bool = False
    enclosing: frozenset[int] = frozenset()
    bad_until: str = ""

    def expired(self, today: datetime.date) -> bool:
        return self.until is not None and today > self.until

    def in_force(self, today: datetime.date) -> bool:
        """A suppression with no reason, a bad date or a date past suppresses nothing."""
        return bool(self.reason) and not self.bad_until and not self.expired(today)

    def covers(self, finding: Finding) -> bool:
        return (finding.path == self.loc.path and finding.rule in self.rules
                and (self.start <= finding.line <= self.end or finding.line in self.enclosing))


@dataclass
class Suppressions:
    """The `suppressions` model: every inline suppression of a scan, with what was used, and the
    day it was judged on (so that expiry and `apply` agree)."""

    items: list[InlineSuppression]
    known_rules: frozenset[str]
    ran_rules: frozenset[str]
    today: datetime.date


def _take_until(text: str) -> tuple[str, datetime.date | None, str]:
    """`text` without its `until=` token, the date, and the token's value when it is no date
    (more than one `until=` is no date either: which would hold?)."""
    found = list(_UNTIL.finditer(text))
    if not found:
        return text, None, ""
    for match in reversed(found):
        text = text[: match.start()] + text[match.end():]
    values = [match.group(1) for match in found]
    try:
        if len(values) > 1 or not _ISO_DATE.fullmatch(values[0]):
            raise ValueError(values)
        return text.strip(), datetime.date.fromisoformat(values[0]), ""
    except ValueError:
        shown = " ".join(values) or "(empty)"
        return text.strip(), None, shown if len(shown) <= _SHOWN_DATE else shown[:_SHOWN_DATE] + "..."


def _parse_body(body: str) -> tuple[tuple[str, ...], str, datetime.date | None, str]:
    """`CTR001,CTR002 reason until=2026-12-31` -> ids, reason, expiry, bad expiry."""
    body, until, bad_until = _take_until(body)
    tokens = body.replace(",", " ").split()
    ids: list[str] = []
    while tokens and _RULE_ID.match(tokens[0]):
        ids.append(tokens.pop(0))
    return tuple(ids), " ".join(tokens).strip(), until, bad_until


def from_comments(parsed: ParsedFile, equivalents: TypingMapping[str, tuple[str, ...]],
                  checkov: bool) -> Iterator[InlineSuppression]:
    if "hullscan:ignore" not in parsed.text and "checkov:skip" not in parsed.text:
        return
    lines = parsed.text.splitlines()
    is_code = scope.code_lines(lines)
    parent_of = scope.parents(lines, is_code, parsed.type, parsed.text)
    for number, line in enumerate(lines, start=1):
        found = _COMMENT.search(line)
        foreign = _CHECKOV.search(line) if checkov and not found else None
        if not found and not foreign:
            continue
        target = number if is_code[number - 1] else scope.next_code_line(is_code, number)
        end = scope.block_end(lines, is_code, target, parsed.type) if target <= len(lines) else target
        around = scope.enclosing(parent_of, target)
        column = (found or foreign).start() + 1  # type: ignore[union-attr]
        loc = Location(parsed.rel, number, column, number, len(line) + 1)
        if found:
            ids, reason, until, bad_until = _parse_body(found.group("body"))
            yield InlineSuppression(loc, ids, reason, target, end, until, enclosing=around, bad_until=bad_until)
        else:
            checkov_id = foreign.group("id")  # type: ignore[union-attr]
            ids = equivalents.get(checkov_id, ())
            reason = (foreign.group("reason") or "").strip()  # type: ignore[union-attr]
            yield InlineSuppression(loc, ids, reason, target, end, None, foreign=checkov_id, enclosing=around)


def _annotation_entries(value: Node | None) -> Iterator[tuple[Node, str]]:
    """`"CTR001: reason; K8S003: other reason"` or a list of such strings."""
    items = value.items if isinstance(value, Sequence) else [value] if value is not None else []
    for item in items:
        if isinstance(item, Scalar) and isinstance(item.value, str):
            for part in re.split(r"[;\n]", item.value):
                if part.strip():
                    yield item, part.strip()


def from_metadata(parsed: ParsedFile) -> Iterator[InlineSuppression]:
    """Kubernetes `metadata.annotations["hullscan.dev/ignore"]`, CloudFormation `Metadata.hullscan.ignore`."""
    if parsed.type not in ("kubernetes", "cloudformation") or "hullscan" not in parsed.text:
        return
    for document in parsed.tree or ():
        if parsed.type == "kubernetes":
            holders = [(document, dig(document, "metadata", "annotations", ANNOTATION))]
        else:
            resources = dig(document, "Resources")
            holders = [(res, dig(res, "Metadata", "hullscan", "ignore"))
                       for _, res in (resources.items() if isinstance(resources, Mapping) else ())]
        for owner, value in holders:
            for node, entry in _annotation_entries(value):
                entry, until, bad_until = _take_until(entry)
                ids_text, _, reason = entry.partition(":")
                ids, extra, _, _ = _parse_body(ids_text)
                yield InlineSuppression(node.loc, ids, (extra + " " + reason).strip(), owner.loc.line,
                                        owner.loc.end_line, until, bad_until=bad_until)


def collect(files: Iterable[ParsedFile], equivalents: TypingMapping[str, tuple[str, ...]],
            checkov: bool) -> list[InlineSuppression]:
    found: list[InlineSuppression] = []
    for parsed in files:
        found.extend(from_comments(parsed, equivalents, checkov))
        found.extend(from_metadata(parsed))
    return found


def apply(findings: list[Finding], suppressions: list[InlineSuppression],
          today: datetime.date) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (active, suppressed), by the suppressions in force on `today`."""
    in_force = [s for s in suppressions if s.in_force(today)]
    active, suppressed = [], []
    for finding in findings:
        match = next((s for s in in_force if s.covers(finding)), None)
        if match is None:
            active.append(finding)
            continue
        match.used = True
        kind = "checkov-skip" if match.foreign else "inline"
        suppressed.append(replace(finding, suppression=Suppression(kind, match.reason, match.loc)))
    return active, suppressed
