"""Check that a change leaves findings as they were: snapshot the JSON reports of some trees, make
the change, snapshot again, compare.

    python benchmarks/same_findings.py snapshot before/ examples tests/fixtures ../shared/corpora/*
    (change the code)
    python benchmarks/same_findings.py snapshot after/ examples tests/fixtures ../shared/corpora/*
    python benchmarks/same_findings.py compare before/ after/

Each tree is scanned from inside it (`--root` is the tree), every rule on (`--profile strict`), no
cache, gate off;
`compare` prints, per tree, the findings that went and came (every field of a finding counts) and
exits 1 when anything differs, so a refactoring can prove it changed nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def snapshot(out: Path, trees: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for tree in map(Path, trees):
        report = out / f"{tree.resolve().name}.json"
        subprocess.run([sys.executable, "-m", "scanner", "scan", ".", "--root", ".", "--format", "json",
                        "--output", str(report.resolve()), "--fail-on", "never", "--no-cache",
                        "--profile", "strict"],
                       cwd=tree, check=False, stdout=subprocess.DEVNULL)
        print(f"{tree}: {len(json.loads(report.read_text())['findings'])} findings")


def _findings(path: Path) -> tuple[set[str], list[str]]:
    report = json.loads(path.read_text())
    return {json.dumps(f, sort_keys=True) for f in report["findings"]}, report.get("errors", [])


def compare(before: Path, after: Path) -> int:
    differ = 0
    for old in sorted(before.glob("*.json")):
        new = after / old.name
        if not new.exists():
            print(f"{old.stem}: no report after")
            differ = 1
            continue
        (was, old_errors), (now, new_errors) = _findings(old), _findings(new)
        same = was == now and old_errors == new_errors
        print(f"{old.stem}: {len(was)} -> {len(now)} findings, {'identical' if same else 'DIFFERENT'}")
        for line in sorted(was - now)[:10]:
            print(f"  - {line[:240]}")
        for line in sorted(now - was)[:10]:
            print(f"  + {line[:240]}")
        differ |= not same
    return differ


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "snapshot":
        snapshot(Path(argv[1]), argv[2:])
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
