"""The pattern pass: every detector's pattern in one alternation, one left-to-right pass per text.

`scan_text` is the entry point for anything that has text and a path to report: the `text` model
calls it for every scanned file, and the image scanner for files inside layers. The combined
pattern is compiled on first use (never at import), and its matches are expanded and judged by
the detector that matched; the value is read only there, never copied into an error or a log.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from functools import lru_cache

from scanner.nodes import Location
from scanner.secrets import assign
from scanner.secrets.detectors import BY_ID, DETECTORS, Detector
from scanner.secrets.filters import fired
from scanner.secrets.match import SecretMatch

_RANK = {"SEC016": 1, "SEC017": 2}  # lower is more specific
_PRIVATE_KEY_END = re.compile(r"-----END[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----")
_KEY_BODY = re.compile(r"(?:\\[nr]|[\sA-Za-z0-9+/=\"',:-]){1,20000}")
_NOT_BASE64 = re.compile(r"\\[nr]|[^A-Za-z0-9+/=]")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])[A-Za-z0-9/+]{40}"
                         r"(?![A-Za-z0-9/+=])")


class LineIndex:
    """Offsets <-> 1-based (line, column), built once per text and only when something matched."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def offset(self, line: int, column: int) -> int:
        return self.starts[min(max(line, 1), len(self.starts)) - 1] + column - 1

    def location(self, path: str, start: int, end: int) -> Location:
        return Location(path, *self.position(start), *self.position(end))


@lru_cache(maxsize=1)
def combined() -> tuple[re.Pattern[str], tuple[Detector, ...]]:
    """All anchors in one flat alternation, and the detectors that have one."""
    detectors = tuple(d for d in (*DETECTORS, assign.GENERIC) if d.anchor)
    return re.compile("|".join(d.anchor for d in detectors)), detectors


class TextScan:
    """One text being scanned: the text, where its lines start, and how to make a match in it."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self._index: LineIndex | None = None

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index

    def make(self, detector: Detector, start: int, end: int, name: str = "", value: str | None = None,
             resource: str = "") -> SecretMatch:
        """A match for text[start:end]; `value` when the secret is not that text verbatim."""
        value = self.text[start:end] if value is None else value
        return SecretMatch(detector=detector.id, rule=detector.rule, description=detector.description,
                           loc=self.index.location(self.path, start, end), value=value, start=start, end=end,
                           name=name, resource=resource, filtered_by=fired(value, name, detector.filters))

    def span(self, loc: Location) -> tuple[int, int]:
        """Offsets of a parsed value, without the quotes around a quoted one."""
        start = self.index.offset(loc.line, loc.column)
        end = max(self.index.offset(loc.end_line, loc.end_column), start)
        if end - start >= 2 and self.text[start] in "\"'" and self.text[end - 1] == self.text[start]:
            return start + 1, end - 1
        return start, end

    def at(self, found: re.Match[str], detectors: tuple[Detector, ...]) -> SecretMatch | None:
        """The match of the first detector whose anchor and full pattern match here."""
        for detector in detectors:
            anchored = detector.anchor_regex.match(self.text, found.start())
            if anchored is None:
                continue
            if detector is assign.GENERIC:
                match = self.assignment(anchored)
            elif detector.id == "private-key":
                match = self.private_key(anchored.start())
            else:
                match = self.provider(detector, anchored.start())
            if match is not None:
                return match
        return None

    def provider(self, detector: Detector, start: int) -> SecretMatch | None:
        full = detector.regex.match(self.text, start)
        if full is None:
            return None
        start, end = full.span("secret") if "secret" in detector.regex.groupindex else full.span()
        value = self.text[start:end]
        if detector.validate is not None and not detector.validate(value):
            return None
        if detector.requires and not re.search(detector.requires, self.text):
            return None
        return self.make(detector, start, end)

    def private_key(self, start: int) -> SecretMatch | None:
        """The key spans header to footer, whether its lines are real, indented (a YAML block) or
        `\\n` escapes (JSON); its value is the base64 body, so every spelling hashes the same."""
        header = BY_ID["private-key"].regex.match(self.text, start)
        if header is None:
            return None
        header_end = header.end()
        footer = _PRIVATE_KEY_END.search(self.text, header_end, header_end + 20000)
        if footer is not None:
            end = footer.end()
        else:
            body = _KEY_BODY.match(self.text, header_end)
            end = body.end() if body else header_end
        value = _NOT_BASE64.sub("", self.text[header_end:footer.start() if footer else end])
        if len(value) < 64:
            return None
        return self.make(BY_ID["private-key"], start, end, value=value)

    def assignment(self, found: re.Match[str]) -> SecretMatch | None:
        word = re.match(r"[\w.-]*", found.group())
        key_start = assign.key_before(self.text, found.start())
        key_end = found.start() + (word.end() if word else 0)
        if key_start > 0 and self.text[key_start - 1] in "${":
            return None
        name = self.text[key_start:key_end]
        span = assign.read_value(self.text, found.end())
        if span is None or not assign.secret_name(name):
            return None
        return self.make(assign.detector_for(name, self.text[span[0]:span[1]]), *span, name=name)

    def legacy_env(self) -> list[SecretMatch]:
        return [self.make(assign.GENERIC, start, end, name=key) for key, start, end in assign.legacy_env(self.text)]

    def run(self, kind: str = "text") -> list[SecretMatch]:
        """The one pass: search for any anchor, judge it, go on after what it matched."""
        regex, detectors = combined()
        matches: list[SecretMatch] = []
        found = regex.search(self.text)
        while found is not None:
            match = self.at(found, detectors)
            if match is not None:
                matches.append(match)
            # A provider's match is skipped whole; a generic one only to its operator, so a token
            # assigned to a secret-named key is still seen by its provider's pattern.
            resume = match.end if match is not None and match.rule not in _RANK else found.end()
            found = regex.search(self.text, max(resume, found.end()))
        if kind == "dockerfile":
            matches.extend(self.legacy_env())
        if any(m.detector == "aws-access-key-id" for m in matches):
            matches = self.paired_aws(matches)
        return dedupe(matches)

    def paired_aws(self, matches: list[SecretMatch]) -> list[SecretMatch]:
        """An access key id is rarely alone: its 40-character secret is usually within a few lines
        (a credentials file, a CSV export, two env entries); report both and link them."""
        taken = {(m.start, m.end) for m in matches}
        result = []
        for match in matches:
            if match.detector != "aws-access-key-id":
                result.append(match)
                continue
            lo = self.index.starts[max(match.loc.line - 4, 0)]
            hi_line = min(match.loc.line + 3, len(self.index.starts) - 1)
            hi = self.index.starts[hi_line] if hi_line < len(self.index.starts) - 1 else len(self.text)
            partners = [s for s in _AWS_SECRET.finditer(self.text, lo, hi) if s.span() not in taken]
            paired = [self.make(BY_ID["aws-secret-access-key"], *s.span(), name=match.name) for s in partners]
            paired = [replace(p, related=(match.loc,)) for p in paired]
            result.append(replace(match, related=tuple(p.loc for p in paired)))
            result.extend(paired)
            taken.update((p.start, p.end) for p in paired)
        return result


def scan_text(text: str, path: str, kind: str = "text") -> list[SecretMatch]:
    """Every secret in `text`, located in `path`. `kind` is the file type: a Dockerfile also has
    the `ENV NAME value` form. Filtered matches are included (see `SecretMatch.filtered_by`)."""
    return TextScan(text, path).run(kind)


def dedupe(matches: list[SecretMatch]) -> list[SecretMatch]:
    """One finding per stretch of text. Where matches overlap, a provider's wins over Kubernetes
    Secret data, which wins over a generic assignment; at equal rank the earlier in `matches`
    wins (callers put what the parsed structure found before what the text pass guessed)."""
    kept: list[SecretMatch] = []
    for match in sorted(matches, key=lambda m: _RANK.get(m.rule, 0)):
        if not any(k.start < match.end and match.start < k.end or (k.start, k.end) == (match.start, match.end)
                   for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: (m.start, m.end, m.rule))
