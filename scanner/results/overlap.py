"""One concern, one finding: where two rules report the same value or object, keep the one that
says it best.

Rules of different models can see one mistake twice: a container rule reports a password written
into an environment variable (CTR025) while the secret detectors report the same value as a
hard-coded secret (SEC017); a Kubernetes rule reports that a Secret's data is committed (K8S040)
while a detector reports the key it found in it (SEC016). A rule's catalog entry names the rules
it `supersedes`; after every finding is known, a superseded finding that lies on the same value
(its line, or a span of one of its related places, meets the superseding finding's span or one of
its related locations: a finding at a key names the value it judges as related) or on the same
object (the superseding finding's resource is that object, or a part of it) is dropped, and its
place joins the superseding finding's related locations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from scanner.nodes import Location
from scanner.results.findings import Finding


def _spans(finding: Finding) -> list[tuple[str, int, int]]:
    own = (finding.path, finding.line, max(finding.end_line, finding.line))
    return [own, *((loc.path, loc.line, max(loc.end_line, loc.line)) for loc in finding.related)]


def _covers(winner: Finding, loser: Finding) -> bool:
    places = [(loser.path, loser.line, loser.line), *_spans(loser)[1:]]
    same_value = any(path == at and first <= end and start <= last
                     for path, first, last in _spans(winner) for at, start, end in places)
    same_object = loser.path == winner.path and (
        winner.resource == loser.resource or winner.resource.startswith(loser.resource + " "))
    return same_value or same_object


def supersede(findings: Sequence[Finding], table: Mapping[str, tuple[str, ...]]) -> list[Finding]:
    """`findings` without the ones a superseding rule's finding covers; order kept."""
    if not table:
        return list(findings)
    losers = {rule for rules in table.values() for rule in rules}
    by_path: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        if finding.rule in losers:
            by_path.setdefault(finding.path, []).append(index)
    dropped: set[int] = set()
    kept = list(findings)
    for index, winner in enumerate(findings):
        beaten = table.get(winner.rule)
        if not beaten:
            continue
        places: list[Location] = []
        for other in by_path.get(winner.path, ()):
            loser = findings[other]
            if other not in dropped and loser.rule in beaten and _covers(winner, loser):
                dropped.add(other)
                places.append(Location(loser.path, loser.line, loser.column, loser.end_line, loser.end_column))
        if places:
            related = tuple(dict.fromkeys((*winner.related, *places)))
            kept[index] = replace(winner, related=related)
    return [finding for index, finding in enumerate(kept) if index not in dropped]
