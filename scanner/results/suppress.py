"""Inline suppressions: comments, Kubernetes annotations, CloudFormation metadata, checkov skips.

    # hullscan:ignore CTR002 the node agent needs the host's PID namespace until=2026-12-31

A comment at the end of a line covers that line; a comment on a line of its own covers the next
line that holds code. Either way, when that line opens a resource (a YAML document or a mapping
under a key, a Terraform block, a Dockerfile stage), the whole resource is covered, and a
suppression anywhere inside a resource covers what is reported at the resource's first line
(`scanner.results.suppress_scope`). A reason is required; `until=YYYY-MM-DD` ends a suppression after that
day. Suppressions that lack a reason, name an unknown rule, have expired, give a date that is not
one, or suppress nothing are reported by the HUL rules, so that suppressions stay honest; one that
fails any of these checks suppresses nothing, so a typo never turns into a permanent waiver.
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Iterable, Iterator
from collections.abc import Mapping as TypingMapping
from dataclasses import dataclass, replace

from scanner.inputs.parsed import ParsedFile
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, dig, walk
from scanner.results import suppress_scope as scope
from scanner.results.findings import Finding, Suppression

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
    It covers the lines `start`..`end` and the lines in `enclosing` (the first lines of the
    blocks around `start`); `bad_until` is an `until=` value that is no date (it then applies
    nowhere)."""

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
    """Kubernetes `metadata.annotations["hullscan.dev/ignore"]`, CloudFormation `Metadata.hullscan.ignore`,
    ARM `metadata.hullscan.ignore` on a resource (children and inline nested templates included)."""
    if parsed.type not in ("kubernetes", "cloudformation", "arm") or "hullscan" not in parsed.text:
        return
    for document in parsed.tree or ():
        if parsed.type == "kubernetes":
            holders = [(document, dig(document, "metadata", "annotations", ANNOTATION))]
        elif parsed.type == "arm":
            holders = [(node, dig(node, "metadata", "hullscan", "ignore")) for _, node in walk(document)
                       if isinstance(node, Mapping) and "type" in node and "metadata" in node]
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
    """Split findings into (active, suppressed), by the suppressions in force on `today`; of several
    that cover a finding, the first written wins."""
    owners = _owners(findings, [s for s in suppressions if s.in_force(today)])
    active, suppressed = [], []
    for finding in findings:
        match = owners.get((finding.path, finding.rule, finding.line))
        if match is None:
            active.append(finding)
            continue
        match.used = True
        kind = "checkov-skip" if match.foreign else "inline"
        suppressed.append(replace(finding, suppression=Suppression(kind, match.reason, match.loc)))
    return active, suppressed


def _owners(findings: list[Finding], in_force: list[InlineSuppression]
            ) -> dict[tuple[str, str, int], InlineSuppression]:
    """The suppression that covers each (path, rule, line) holding a finding. Indexed by path and
    rule, so that a file of thousands of suppressions and findings costs time in proportion to
    them, never to their product."""
    lines: dict[tuple[str, str], set[int]] = {}
    for finding in findings:
        lines.setdefault((finding.path, finding.rule), set()).add(finding.line)
    groups = {key: _FindingLines(sorted(numbers)) for key, numbers in lines.items()}
    for item in in_force:
        for rule in dict.fromkeys(item.rules):
            group = groups.get((item.loc.path, rule))
            if group is not None:
                group.claim(item)
    return {(path, rule, line): owner for (path, rule), group in groups.items() for line, owner in group.owned()}


class _FindingLines:
    """The lines of one path and rule that hold findings, each owned by the first suppression that
    claims it. `skip` leads from a position to the first one not yet owned (with path halving),
    so that a range is walked once however many ranges overlap it."""

    def __init__(self, lines: list[int]) -> None:
        self.lines = lines
        self.position = {line: index for index, line in enumerate(lines)}
        self.owner: list[InlineSuppression | None] = [None] * len(lines)
        self.skip = list(range(len(lines) + 1))

    def _free(self, index: int) -> int:
        while self.skip[index] != index:
            self.skip[index] = self.skip[self.skip[index]]
            index = self.skip[index]
        return index

    def _take(self, index: int, item: InlineSuppression) -> None:
        self.owner[index] = item
        self.skip[index] = index + 1

    def claim(self, item: InlineSuppression) -> None:
        for line in self.position.keys() & item.enclosing:
            if self.owner[self.position[line]] is None:
                self._take(self.position[line], item)
        index = self._free(bisect.bisect_left(self.lines, item.start))
        while index < len(self.lines) and self.lines[index] <= item.end:
            self._take(index, item)
            index = self._free(index + 1)

    def owned(self) -> Iterator[tuple[int, InlineSuppression]]:
        return ((line, owner) for line, owner in zip(self.lines, self.owner) if owner is not None)
