"""Expected findings written next to the input they are about.

A fixture marks each line that must produce a finding with an `expect:` comment:
- at the end of the line: `privileged: true  # expect: CTR002`
- or on a line of its own, for the next line that is not blank or a comment
  (Dockerfiles, where a trailing `#` would be part of the instruction):
      # expect: DKR001
      USER root
Formats without comments (JSON) put `RULE LINE` pairs in a sidecar file `<name>.expect`.
"""

from __future__ import annotations

import re
from pathlib import Path

RULE_ID = r"[A-Z][A-Z0-9]*[0-9]"  # DKR001, and K8S001 with a digit inside the prefix
MARKER = re.compile(rf"(?:#|//)\s*expect:\s*({RULE_ID}(?:[\s,]+{RULE_ID})*)")
COMMENT_LINE = re.compile(r"^\s*(?:#|//)")


def expected_findings(path: Path) -> set[tuple[str, int]]:
    """(rule, line) pairs expected from one fixture file."""
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        pairs = (line.split() for line in sidecar.read_text().splitlines() if line.strip())
        return {(rule, int(number)) for rule, number in pairs}
    expected: set[tuple[str, int]] = set()
    pending: list[str] = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        match = MARKER.search(line)
        rules = re.findall(RULE_ID, match.group(1)) if match else []
        if match and COMMENT_LINE.match(line):
            pending.extend(rules)
            continue
        if not line.strip() or COMMENT_LINE.match(line):
            continue
        expected.update((rule, number) for rule in pending + rules)
        pending = []
    return expected


def expected_in_tree(root: Path) -> set[tuple[str, str, int]]:
    """(path relative to root, rule, line) for every fixture file below a directory case."""
    found: set[tuple[str, str, int]] = set()
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.endswith(".expect"):
            rel = path.relative_to(root).as_posix()
            found.update((rel, rule, line) for rule, line in expected_findings(path))
    return found
