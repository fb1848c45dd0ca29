"""`hullscan fix`: configure as `scan` does, fix in a private copy, then write back the files
whose edits survived (or print them as a unified diff with `--diff`, writing nothing), and say
what was fixed, what was rolled back and what could not be fixed, with the reason.

Exit codes: 0 done (with `--diff`: nothing to fix); 1 with `--diff` when there is something to
fix; 2 usage or configuration error."""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.boundary import Boundary, Refused, contains, printable, private_folder
from scanner.fix.run import Outcome, fix_tree
from scanner.inputs.decoding import decode


def run_fix(options: Any, unsafe: bool, diff: bool) -> int:
    from scanner.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, build_config
    from scanner.catalog.rules import load_rules
    from scanner.run.engine import selected_rules

    try:
        chosen = build_config(options)
        # The rules a scan runs judge the edits, and the rules being fixed (a fix must add no
        # finding); `--select` and `--ignore` only choose which rules' findings are fixed.
        judging = build_config(replace(options, select=(), ignore=()))
        paths = _relative_paths(options.paths or (".",), judging.root)
    except UsageError as exc:
        print(f"hullscan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    catalog = load_rules(chosen.rules_dirs)
    rules = selected_rules(catalog, chosen)
    ids = {rule.id for rule in selected_rules(catalog, judging)} | {rule.id for rule in rules}
    config = replace(judging, select=tuple(sorted(ids)))
    with private_folder("hullscan-fix-") as folder:
        try:
            outcome = fix_tree(config, paths, unsafe, rules, not options.no_gitignore, folder / "tree")
        except Refused as exc:
            print(f"hullscan: cannot fix: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if diff:
        sys.stdout.write(unified_diff(outcome))
    else:
        _write_back(config.root, outcome)
    _summary(outcome, diff)
    if diff:
        return EXIT_FINDINGS if outcome.fixed else EXIT_OK
    return EXIT_OK


def _relative_paths(paths: tuple[str, ...], root: Path) -> list[str]:
    """Targets as paths in the copy of the root: fixing writes only inside the project."""
    from scanner.app import UsageError

    found = []
    for path in paths:
        if path == "-":
            raise UsageError("`fix` edits files; it cannot read standard input")
        if not os.path.exists(path):
            raise UsageError(f"no such file or folder: {path}")
        if not contains(root, Path(path)):
            raise UsageError(f"{path} is outside the project root {root}: fix edits only files inside it (set --root)")
        found.append(Path(os.path.abspath(path)).relative_to(root).as_posix() or ".")
    return found


def unified_diff(outcome: Outcome) -> str:
    """The changes as a unified diff; a line where a secret was found is replaced by a marker
    (the edits never touch one, but context lines may show it), other lines are masked."""
    chunks: list[str] = []
    for rel in sorted(outcome.fixed):
        before = decode(outcome.original[rel]).splitlines(keepends=True)
        after = decode(outcome.fixed[rel]).splitlines(keepends=True)
        old = new = 0
        for line in difflib.unified_diff(before, after, f"a/{rel}", f"b/{rel}"):
            if line.startswith("@@"):
                numbers = re.match(r"@@ -(\d+)(?:,\d+)? \+(\d+)", line)
                old, new = (int(numbers.group(1)), int(numbers.group(2))) if numbers else (0, 0)
                chunks.append(line)
                continue
            if line.startswith(("---", "+++")) and not (old or new):
                chunks.append(printable(line.rstrip("\n")) + "\n")
                continue
            number = new if line.startswith("+") else old
            chunks.append(_shown(line, rel, number, outcome))
            old += not line.startswith("+")
            new += not line.startswith("-")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)


def _shown(line: str, rel: str, number: int, outcome: Outcome) -> str:
    exposure = outcome.exposure
    if exposure is None:
        return line
    if exposure.on_line(rel, number):
        return line[0] + "‹a line holding a secret, not shown›\n"
    return exposure.mask(line)


def _write_back(root: Path, outcome: Outcome) -> None:
    """Each fixed file replaces its original, unless the original changed meanwhile or is not a
    regular file inside the root any more (then it is left as it is, and said)."""
    boundary = Boundary(root)
    for rel in sorted(outcome.fixed):
        path = root / rel
        try:
            if boundary.read_bytes(path, max(len(outcome.original[rel]), 1)) != outcome.original[rel]:
                raise Refused("it changed while hullscan was fixing it")
            real = boundary.vet(path)
            descriptor = os.open(real, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(outcome.fixed[rel])
        except (Refused, OSError) as exc:
            outcome.errors.append(f"{rel}: not written: {exc}")
            outcome.fixed.pop(rel, None)


def _summary(outcome: Outcome, diff: bool) -> None:
    """On standard error: what changed per file, rollbacks and the fixes that could not be
    made (once per rule and reason), and one line of totals."""
    out = sys.stderr
    applied = [e for e in outcome.applied if e.path in outcome.fixed]
    for edit in sorted(applied, key=lambda e: (e.path, e.line, e.rule)):
        verb = "would fix" if diff else "fixed"
        print(f"{printable(edit.path)}:{edit.line}: {verb} {edit.rule} ({edit.description})", file=out)
    for edit, why in outcome.rolled_back:
        print(f"{printable(edit.path)}:{edit.line}: {edit.rule} rolled back: {why}", file=out)
    reasons = Counter((s.finding.rule, s.reason) for s in outcome.skipped)
    for (rule, reason), count in sorted(reasons.items()):
        print(f"hullscan: {rule}: not fixed ({count}x): {printable(reason)}", file=out)
    for error in outcome.errors:
        print(f"hullscan: {printable(error)}", file=out)
    fixes = len({(e.rule, e.fingerprint) for e in applied})
    files = len(outcome.fixed)
    line = f"hullscan: {'would fix' if diff else 'fixed'} {fixes} finding(s) in {files} file(s)"
    if outcome.unsafe_left:
        line += f"; {len(outcome.unsafe_left)} more with --unsafe"
    print(line, file=out)
