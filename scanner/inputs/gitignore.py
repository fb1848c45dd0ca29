""".gitignore patterns, matched with git's semantics, without running git.

Running git on the scanned tree would run a program on hostile input (its `.git/config` can name
commands git runs), so the files are parsed here: comments and escaped `#`, `!` negation, a
trailing `/` for folders, a leading or middle `/` anchoring a pattern to its file's folder, and
`**` for any number of folders. The last matching pattern wins, and a deeper file's patterns come
after its parents'. Git also never re-includes a file whose folder is ignored; the walk gets that
for free by not entering ignored folders.

Matching is bounded: a path is split into its names, each name is matched against one pattern
segment (`fnmatch`'s translation, which does not backtrack catastrophically), and `**` is matched
over segments by the greedy two-pointer method, so a pattern costs at most names × segments.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache

GITIGNORE = ".gitignore"
MAX_PATTERNS = 1000  # per file: more is not a hand-written .gitignore but a way to slow the walk
MAX_IN_EFFECT = 3000  # in one folder, over all the files above it: each path is matched against each
MAX_PATTERN_LENGTH = 1024
MAX_BYTES = 256 * 1024
_TRAILING_SPACES = re.compile(r"(?<!\\) +$")  # git drops trailing blanks unless escaped (`\ `)


@dataclass(frozen=True)
class Pattern:
    """One line of a .gitignore: its segments (split at `/`), and how it applies."""

    segments: tuple[str, ...]
    anchored: bool
    negated: bool
    folders_only: bool


def parse(text: str) -> tuple[Pattern, ...]:
    """The patterns of a .gitignore file, in order; blank lines and comments dropped."""
    patterns = []
    for line in text.splitlines():
        pattern = parse_line(line)
        if pattern is not None:
            patterns.append(pattern)
            if len(patterns) >= MAX_PATTERNS:
                break
    return tuple(patterns)


def parse_line(line: str) -> Pattern | None:
    """One pattern, or None for a blank line, a comment or a pattern too long to be real."""
    line = _TRAILING_SPACES.sub("", line.rstrip("\r"))
    if not line or line.startswith("#") or len(line) > MAX_PATTERN_LENGTH:
        return None
    negated = line.startswith("!")
    if negated or line.startswith(("\\#", "\\!")):  # `\#` and `\!` start a literal name
        line = line[1:]
    folders_only = line.endswith("/") and not line.endswith("\\/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    segments = tuple(_segment(part) for part in line.lstrip("/").split("/") if part)
    if not anchored and segments == ("**",):  # alone, `**` is any name (git treats it as `*`)
        segments = ("*",)
    if not segments:
        return None
    return Pattern(segments, anchored, negated, folders_only)


def _segment(part: str) -> str:
    """A segment in fnmatch's dialect: git's `\\x` escapes become `[x]` classes, `[^` becomes
    `[!`, and any run of stars other than a whole `**` segment is one star (same meaning)."""
    if part == "**":
        return part
    out, i = [], 0
    while i < len(part):
        char = part[i]
        if char == "\\" and i + 1 < len(part):
            i += 1
            out.append(f"[{part[i]}]" if part[i] in "*?[]!" else part[i])
        elif char == "[" and part.startswith("[^", i):
            out.append("[!")
            i += 1
        elif char == "*" and out and out[-1] == "*":
            pass
        else:
            out.append(char)
        i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def _name_regex(segment: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(segment), re.DOTALL)


def _name_matches(segment: str, name: str) -> bool:
    return segment != "**" and _name_regex(segment).match(name) is not None


def _segments_match(segments: tuple[str, ...], names: tuple[str, ...]) -> bool:
    """Whether `names` matches `segments`, where a `**` segment stands for any number of names
    (greedy two-pointer wildcard matching: linear in names for each `**` tried)."""
    s = n = 0
    star, star_n = -1, 0
    while n < len(names):
        if s < len(segments) and segments[s] == "**":
            star, star_n = s, n
            s += 1
        elif s < len(segments) and _name_matches(segments[s], names[n]):
            s += 1
            n += 1
        elif star >= 0:
            s, star_n = star + 1, star_n + 1
            n = star_n
        else:
            return False
    while s < len(segments) and segments[s] == "**":
        s += 1
    return s == len(segments)


def matches(pattern: Pattern, names: tuple[str, ...], folder: bool) -> bool:
    """Whether the path `names` (relative to the pattern's .gitignore folder) matches."""
    if pattern.folders_only and not folder:
        return False
    if not names:
        return False
    if not pattern.anchored:
        return _name_matches(pattern.segments[0], names[-1])
    if pattern.segments[-1] == "**":  # `dir/**` matches what is inside, not `dir` itself
        return len(names) > len(pattern.segments) - 1 and _segments_match(pattern.segments, names)
    return _segments_match(pattern.segments, names)


@dataclass(frozen=True)
class Ignores:
    """The .gitignore files in effect in one folder: (their folder's names, their patterns),
    outermost first."""

    layers: tuple[tuple[tuple[str, ...], tuple[Pattern, ...]], ...] = ()

    def add(self, folder: tuple[str, ...], text: str) -> Ignores:
        """These patterns added for `folder`; past MAX_IN_EFFECT, the rest are left out (a tree of
        nested .gitignore files must not make every path cost thousands of matches)."""
        room = MAX_IN_EFFECT - sum(len(patterns) for _, patterns in self.layers)
        patterns = parse(text)[:max(room, 0)]
        return Ignores((*self.layers, (folder, patterns))) if patterns else self

    def ignored(self, names: tuple[str, ...], folder: bool) -> bool:
        """Whether git would ignore the path `names` (relative to the walk's base)."""
        verdict = False
        for base, patterns in self.layers:
            if names[:len(base)] != base:
                continue
            inside = names[len(base):]
            for pattern in patterns:
                if pattern.negated == verdict and matches(pattern, inside, folder):
                    verdict = not pattern.negated
        return verdict
