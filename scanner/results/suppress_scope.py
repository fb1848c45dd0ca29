"""Which lines an inline suppression covers, read from the layout of the file it is written in.

A suppression covers its target line and, when that line opens a resource, the whole resource
(`block_end`). It also covers the first line of every block that holds its target (`enclosing`):
a rule that finds a setting missing reports it where the resource starts (a container's `- name:`,
a Compose service's key, a Terraform block, a Dockerfile `FROM`), a line with nothing on it to
annotate, so a suppression written anywhere inside the resource must reach it. It reaches no other
resource: a sibling container or the next stage does not hold the suppression's line.

The layout is read line by line (indentation for YAML, braces for HCL and JSON, `FROM` for
Dockerfiles), not from the parsed tree, because the comments a suppression lives in are not in it.
"""

from __future__ import annotations

import re

# Resources nest a few levels deep (a CronJob's container sits eight blocks down, a capability
# in it twelve); past this many enclosing blocks a suppression reaches no further out, so a
# pathological file costs little.
ENCLOSING_DEPTH = 32
_FROM = re.compile(r"\s*from\s", re.IGNORECASE)
_BRACE = re.compile(r"[{}]")


def code_lines(lines: list[str]) -> list[bool]:
    return [bool(line.strip()) and not line.lstrip().startswith(("#", "//")) for line in lines]


def next_code_line(is_code: list[bool], after: int) -> int:
    for index in range(after, len(is_code)):
        if is_code[index]:
            return index + 1
    return after


def block_end(lines: list[str], is_code: list[bool], start: int, file_type: str) -> int:
    """The last line of the resource opening at `start` (1-based), or `start` when none opens."""
    first = lines[start - 1]
    if file_type == "text":  # read for secrets only: no resources, a comment covers its own line
        return start
    if file_type == "dockerfile":
        if _FROM.match(first):
            for index in range(start, len(lines)):
                if _FROM.match(lines[index]):
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


def parents(lines: list[str], is_code: list[bool], file_type: str, text: str) -> list[int]:
    """For each line (by index), the number of the line opening the innermost block that holds
    it, 0 for none. One pass over the file, however many suppressions it holds."""
    if file_type == "text":
        return [0] * len(lines)
    if file_type == "dockerfile":
        return _stage_parents(lines)
    if file_type == "terraform" or text.lstrip().startswith(("{", "[")):
        return _brace_parents(lines)
    return _indent_parents(lines, is_code)


def enclosing(parent_of: list[int], target: int) -> frozenset[int]:
    """The first lines of the blocks that hold line `target`, innermost first, at most
    `ENCLOSING_DEPTH` of them."""
    found: list[int] = []
    line = parent_of[target - 1] if 0 < target <= len(parent_of) else 0
    while line and len(found) < ENCLOSING_DEPTH:
        found.append(line)
        line = parent_of[line - 1]
    return frozenset(found)


def _stage_parents(lines: list[str]) -> list[int]:
    """Every line of a Dockerfile stage belongs to its `FROM`."""
    result, stage = [], 0
    for number, line in enumerate(lines, start=1):
        opens = bool(_FROM.match(line))
        result.append(0 if opens else stage)
        stage = number if opens else stage
    return result


def _brace_parents(lines: list[str]) -> list[int]:
    """HCL and JSON: a line belongs to the line whose `{` is still open above it."""
    result: list[int] = []
    open_at: list[int] = []
    for number, line in enumerate(lines, start=1):
        result.append(open_at[-1] if open_at else 0)
        for brace in _BRACE.finditer(line):
            if brace.group() == "{":
                open_at.append(number)
            elif open_at:
                open_at.pop()
    return result


def _indent_parents(lines: list[str], is_code: list[bool]) -> list[int]:
    """YAML: a line belongs to the nearest line above it that is indented less, or as much when
    it is a sequence item under a key (`containers:` then `- name: app` at the same indent). The
    first line of a document holds the whole document, as `block_end` has it."""
    result = [0] * len(lines)
    open_at: list[tuple[int, int, bool]] = []  # (indent, line number, is a sequence item)
    for index, line in enumerate(lines):
        if line.startswith(("---", "...")):
            open_at = []
            continue
        if not is_code[index]:
            continue
        indent = len(line) - len(line.lstrip())
        item = line.lstrip() == "-" or line.lstrip().startswith("- ")
        while open_at and (open_at[-1][0] > indent or (open_at[-1][0] == indent and (open_at[-1][2] or not item))):
            open_at.pop()
        result[index] = open_at[-1][1] if open_at else 0
        open_at.append((indent if open_at else -1, index + 1, item))
    return result
