"""Inline suppressions: comments, Kubernetes annotations, CloudFormation metadata, checkov skips.

    # hullscan:ignore CTR002 the node agent needs the host's PID namespace until=2026-12-31

A comment at the end of a line covers that line; a comment on a line of its own covers the next
line that holds code. Either way, when that line opens a resource (a YAML document or a mapping
under a key, a Terraform block, a Dockerfile stage), the whole resource is covered. A reason is
required; suppressions that lack one, name an unknown rule, or suppress nothing are reported by the
HUL rules, so that suppressions stay honest.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator, Mapping as TypingMapping
from dataclasses import dataclass, replace

from scanner.findings import Finding, Suppression
from scanner.inputs import ParsedFile
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, dig

_COMMENT = re.compile(r"(?:#|//)\s*hullscan:ignore\b[ \t]*(?P<body>[^\n]*)")
_CHECKOV = re.compile(r"(?:#|//)\s*checkov:skip=(?P<id>[A-Z0-9_]+)(?::(?P<reason>[^\n]*))?")
_RULE_ID = re.compile(r"^[A-Z]+[0-9]+$")
_UNTIL = re.compile(r"\buntil=(\d{4}-\d{2}-\d{2})\b")
ANNOTATION = "hullscan.dev/ignore"


@dataclass
class InlineSuppression:
    """One suppression as written. `rules` are hullscan ids; `foreign` keeps a checkov id."""

    loc: Location
    rules: tuple[str, ...]
    reason: str
    start: int
    end: int
    until: datetime.date | None = None
    foreign: str = ""
    used: bool = False

    def covers(self, finding: Finding, today: datetime.date) -> bool:
        return (finding.path == self.loc.path and self.start <= finding.line <= self.end
                and finding.rule in self.rules and (self.until is None or today <= self.until))


@dataclass
class Suppressions:
    """The `suppressions` model: every inline suppression of a scan, with what was used."""

    items: list[InlineSuppression]
    known_rules: frozenset[str]
    ran_rules: frozenset[str]


def _parse_body(body: str) -> tuple[tuple[str, ...], str, datetime.date | None]:
    """`CTR001,CTR002 reason until=2026-12-31` -> ids, reason, expiry."""
    until = None
    match = _UNTIL.search(body)
    if match:
        try:
            until = datetime.date.fromisoformat(match.group(1))
        except ValueError:
            until = None
        body = (body[: match.start()] + body[match.end():]).strip()
    tokens = body.replace(",", " ").split()
    ids: list[str] = []
    while tokens and _RULE_ID.match(tokens[0]):
        ids.append(tokens.pop(0))
    return tuple(ids), " ".join(tokens).strip(), until


def _code_lines(lines: list[str]) -> list[bool]:
    return [bool(line.strip()) and not line.lstrip().startswith(("#", "//")) for line in lines]


def _next_code_line(is_code: list[bool], after: int) -> int:
    for index in range(after, len(is_code)):
        if is_code[index]:
            return index + 1
    return after


def _block_end(lines: list[str], is_code: list[bool], start: int, file_type: str) -> int:
    """The last line of the resource opening at `start` (1-based), or `start` when none opens."""
    first = lines[start - 1]
    if file_type == "text":  # read for secrets only: no resources, a comment covers its own line
        return start
    if file_type == "dockerfile":
        if re.match(r"\s*from\s", first, re.IGNORECASE):
            for index in range(start, len(lines)):
                if re.match(r"\s*from\s", lines[index], re.IGNORECASE):
                    return index
            return len(lines)
        return start
    if first.rstrip().endswith("{"):
        depth = 0
        for index in range(start - 1, len(lines)):
            depth += lines[index].count("{") - lines[index].count("}")
            if depth <= 0:
                return index + 1
        return len(lines)
    indent = len(first) - len(first.lstrip())
    previous = next((i for i in range(start - 2, -1, -1) if is_code[i]), None)
    document_start = previous is None or lines[previous].startswith("---")
    end = start
    for index in range(start, len(lines)):
        line = lines[index]
        if line.startswith(("---", "...")):
            break
        if not is_code[index]:
            continue
        current = len(line) - len(line.lstrip())
        if current > indent or (document_start and indent == 0) or (
                current == indent and line.lstrip().startswith("- ") and not first.lstrip().startswith("- ")):
            end = index + 1
        else:
            break
    return end


def from_comments(parsed: ParsedFile, equivalents: TypingMapping[str, tuple[str, ...]],
                  checkov: bool) -> Iterator[InlineSuppression]:
    if "hullscan:ignore" not in parsed.text and "checkov:skip" not in parsed.text:
        return
    lines = parsed.text.splitlines()
    is_code = _code_lines(lines)
    for number, line in enumerate(lines, start=1):
        found = _COMMENT.search(line)
        foreign = _CHECKOV.search(line) if checkov and not found else None
        if not found and not foreign:
            continue
        target = number if is_code[number - 1] and not line.lstrip().startswith(("#", "//")) \
            else _next_code_line(is_code, number)
        end = _block_end(lines, is_code, target, parsed.type) if target <= len(lines) else target
        column = (found or foreign).start() + 1  # type: ignore[union-attr]
        loc = Location(parsed.rel, number, column, number, len(line) + 1)
        if found:
            ids, reason, until = _parse_body(found.group("body"))
            yield InlineSuppression(loc, ids, reason, target, end, until)
        else:
            checkov_id = foreign.group("id")  # type: ignore[union-attr]
            ids = equivalents.get(checkov_id, ())
            reason = (foreign.group("reason") or "").strip()  # type: ignore[union-attr]
            yield InlineSuppression(loc, ids, reason, target, end, None, foreign=checkov_id)


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
                ids_text, _, reason = entry.partition(":")
                ids, extra, until = _parse_body(ids_text)
                yield InlineSuppression(node.loc, ids, (extra + " " + reason).strip(), owner.loc.line,
                                        owner.loc.end_line, until)


def collect(files: Iterable[ParsedFile], equivalents: TypingMapping[str, tuple[str, ...]],
            checkov: bool) -> list[InlineSuppression]:
    found: list[InlineSuppression] = []
    for parsed in files:
        found.extend(from_comments(parsed, equivalents, checkov))
        found.extend(from_metadata(parsed))
    return found


def apply(findings: list[Finding], suppressions: list[InlineSuppression],
          today: datetime.date | None = None) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (active, suppressed); a suppression without a reason suppresses nothing."""
    today = today or datetime.date.today()
    active, suppressed = [], []
    for finding in findings:
        match = next((s for s in suppressions if s.reason and s.covers(finding, today)), None)
        if match is None:
            active.append(finding)
            continue
        match.used = True
        kind = "checkov-skip" if match.foreign else "inline"
        suppressed.append(replace(finding, suppression=Suppression(kind, match.reason, match.loc)))
    return active, suppressed
