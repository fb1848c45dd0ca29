"""Where the scanned files hold secrets, so that no report prints one, whatever rule it reports.

A secret rule's finding never echoes its source line, but any other finding can sit on the same
line: a `RUN` with a bearer token reported for piping a script into a shell, a flow-style `env`
reported for a missing limit, one-line JSON. So every unit records, for each of its files, the
lines any secret detector matched (the same detectors and structured pass as the secret rules,
on every file whether or not a secret rule is selected) and the values themselves, kept in memory
only. Reporters then hide the source line where a secret is and replace any secret value that a
message, name or error happens to quote (a rendered image reference, a parse error's excerpt).

A match that a false-positive filter rejects is still hidden, unless a filter that fired says the
value is not a value at all (a `${VAR}` reference, a file path, `true`): a real password that a
heuristic judged low in entropy must not be printed just because no rule reports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.inputs.parsed import ParsedFile
    from scanner.secrets.match import SecretMatch

MASK = "\u2039redacted\u203a"
# Filters that say "this is not a value" rather than "this value looks weak".
NOT_A_VALUE = frozenset({"template", "reference", "env-var-name", "file-path", "boolean-or-number",
                         "placeholder", "public-certificate", "url"})
BY_NAME_ONLY = frozenset({"SEC016", "SEC017"})  # rules that know a secret by the key it is assigned to
MIN_VALUE = 4  # characters: a shorter "secret" quoted in a message is not worth hiding words for
MIN_DOUBTED = 8  # the same for a value a false-positive filter doubts
MAX_VALUE = 2048


def _mixed(value: str) -> bool:
    """Whether a value known only by the key it is assigned to looks like a secret of its own:
    eight characters or more, of at least two kinds (letters, digits, other)."""
    kinds = (any(c.isalpha() for c in value), any(c.isdigit() for c in value),
             any(not c.isalnum() for c in value))
    return len(value) >= MIN_DOUBTED and sum(kinds) >= 2


def exposed(match: SecretMatch) -> bool:
    """Whether a match may be a real secret value (see the module docstring)."""
    return NOT_A_VALUE.isdisjoint(match.filtered_by)


@dataclass
class Exposure:
    """Lines holding a secret, by report path, and the secret values seen (never in `repr`)."""

    lines: dict[str, set[int]] = field(default_factory=dict)
    values: set[str] = field(default_factory=set, repr=False)

    def add(self, path: str, matches: Iterable[SecretMatch], text: str = "") -> None:
        for match in matches:
            if not exposed(match):
                continue
            if path:
                last = max(match.loc.end_line, match.loc.line)
                self.lines.setdefault(path, set()).update(range(match.loc.line, last + 1))
            # A short value a filter doubts (`admin`) hides its line, but is not cut out of every
            # message that says `cluster-admin`; nor is a password that is one plain word
            # (`nextcloud`), which is also the name of the service, the image and the folder.
            shortest = MIN_VALUE if not match.filtered_by else MIN_DOUBTED
            for value in (match.value, text[match.start:match.end] if text else ""):
                if shortest <= len(value) <= MAX_VALUE and (match.rule not in BY_NAME_ONLY or _mixed(value)):
                    self.values.add(value)

    def add_file(self, parsed: ParsedFile) -> None:
        """Every secret of a parsed file. Rendered output has no lines of its own to hide (its
        findings point at sources), but its values may reach a message."""
        from scanner.secrets.model import scan_file

        self.add(parsed.rel if parsed.origin is None else "", scan_file(parsed), parsed.text)

    def merge(self, other: Exposure) -> None:
        for path, lines in other.lines.items():
            self.lines.setdefault(path, set()).update(lines)
        self.values |= other.values

    def on_line(self, path: str, line: int) -> bool:
        return line in self.lines.get(path, ())

    def mask(self, text: str) -> str:
        """`text` with every secret value seen in the scan, and every token the detectors find in
        `text` itself (from a source the scan did not hold: standard input, a rendered value),
        replaced by a marker."""
        if not text:
            return text
        known = self._known()
        if known is not None:
            text = known.sub(MASK, text)
        from scanner.secrets.scan import scan_text

        # Only formats that are secrets by their shape: a message's own words (`key "x": hard-coded`)
        # are not assignments, and every assigned value of the scanned files is in `values` already.
        found = [m for m in scan_text(text, "") if not m.filtered_by and m.rule not in BY_NAME_ONLY]
        for match in sorted(found, key=lambda m: m.start, reverse=True):
            text = text[:match.start] + MASK + text[match.end:]
        return text

    def _known(self) -> re.Pattern[str] | None:
        """One alternation of the values, longest first, built when first needed and kept only
        as long as the value set it was built from."""
        cached = self.__dict__.get("_pattern")
        if cached is None or cached[0] != len(self.values):
            ordered = sorted(self.values, key=len, reverse=True)
            pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
            cached = (len(self.values), pattern)
            self.__dict__["_pattern"] = cached
        return cached[1]

    def __getstate__(self) -> dict[str, object]:  # units cross process boundaries; patterns need not
        return {"lines": self.lines, "values": self.values}


def of_files(files: Iterable[ParsedFile]) -> Exposure:
    exposure = Exposure()
    for parsed in files:
        exposure.add_file(parsed)
    return exposure
