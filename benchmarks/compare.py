"""Time hullscan side by side with the tools users would otherwise run, on the same inputs.

    python benchmarks/compare.py ../shared/corpora/k8s-examples [--peer checkov=checkov] \
        [--peer hadolint=hadolint] [--peer detect-secrets=detect-secrets] [--runs 3]

Each tool runs as a whole process (start-up included, as a user pays it), runs alternate between
tools so that machine noise spreads evenly, and peak memory is read from the OS for each run
(`ru_maxrss` of a small wrapper's children). Prints medians, ratios to hullscan and findings.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

WRAPPER = ("import resource, subprocess, sys, time;"
           "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE,"
           " stderr=subprocess.DEVNULL); t = time.perf_counter() - t;"
           "sys.stderr.write('%f %d\\n' % (t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss));"
           "sys.stdout.buffer.write(p.stdout)")


@dataclass
class Tool:
    name: str
    command: list[str]
    times: list[float] = field(default_factory=list)
    peaks_kib: list[int] = field(default_factory=list)
    findings: int | None = None


def commands(name: str, executable: str, corpus: Path, all_files: list[Path]) -> list[str] | None:
    """The invocation each tool needs to scan a corpus fully; None when it has nothing to read."""
    dockerfiles = [str(p) for p in all_files if p.name.lower().startswith("dockerfile")
                   or p.name.lower().endswith(".dockerfile")]
    if name == "hullscan":
        return [executable, "scan", str(corpus), "--format", "json", "--fail-on", "never"]
    if name == "hullscan-cold":  # no parse or render cache: a first run, or a CI machine
        return [executable, "scan", str(corpus), "--format", "json", "--fail-on", "never", "--no-cache"]
    if name == "hullscan-secrets":
        return [executable, "scan", str(corpus), "--format", "json", "--fail-on", "never", "--secrets-only"]
    if name == "checkov":
        flag = ["-f", str(corpus)] if corpus.is_file() else ["-d", str(corpus)]
        return [executable, *flag, "--quiet", "--compact", "-o", "json"]
    if name == "hadolint":
        return [executable, "--no-fail", "-f", "json", *dockerfiles] if dockerfiles else None
    if name == "detect-secrets":  # it only walks the current folder's tree
        folder = corpus if corpus.is_dir() else corpus.parent
        return ["env", f"--chdir={folder}", executable, "scan", "--all-files", "."]
    return [executable, str(corpus)]


def count_findings(name: str, output: bytes) -> int | None:
    try:
        data = json.loads(output or b"null")
    except ValueError:
        return None
    if name.startswith("hullscan"):
        return len(data["findings"])
    if name == "checkov":
        reports = data if isinstance(data, list) else [data]
        return sum(len(r.get("results", {}).get("failed_checks", [])) for r in reports if isinstance(r, dict))
    if name == "hadolint":
        return len(data)
    if name == "detect-secrets":
        return sum(len(v) for v in data.get("results", {}).values())
    return None


def tool_env() -> dict[str, str]:
    """The environment every tool runs in: as installed, so Python tools may write byte-code
    caches (some shells and containers set PYTHONDONTWRITEBYTECODE, which makes every run compile
    its modules again)."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def run_once(tool: Tool) -> None:
    done = subprocess.run([sys.executable, "-c", WRAPPER, *tool.command], capture_output=True, env=tool_env())
    seconds, peak = done.stderr.decode().split()[-2:]
    tool.times.append(float(seconds))
    tool.peaks_kib.append(int(peak))
    tool.findings = count_findings(tool.name, done.stdout)


def measure(corpus: Path, peers: dict[str, str], runs: int, hullscan: str) -> list[Tool]:
    files = [p for p in corpus.rglob("*") if p.is_file()] if corpus.is_dir() else [corpus]
    tools = []
    for name, executable in {"hullscan": hullscan, **peers}.items():
        command = commands(name, executable, corpus, files)
        if command is not None and shutil.which(executable):
            tools.append(Tool(name, command))
    for tool in tools:  # one warm-up run each: file cache and Python byte-code, not measured
        subprocess.run(tool.command, capture_output=True, env=tool_env())
    for _ in range(runs):
        for tool in tools:
            run_once(tool)
    return tools


def report(corpus: Path, tools: list[Tool]) -> str:
    base = statistics.median(tools[0].times)
    lines = [f"## {corpus.name}", "", "| tool | median s | ratio to hullscan | peak MiB | findings |",
             "|---|---|---|---|---|"]
    for tool in tools:
        median = statistics.median(tool.times)
        lines.append(f"| {tool.name} | {median:.3f} | {median / base:.1f}x | "
                     f"{max(tool.peaks_kib) / 1024:.0f} | {tool.findings if tool.findings is not None else '-'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--peer", action="append", default=[], metavar="NAME=COMMAND",
                        help="checkov, hadolint, detect-secrets, hullscan-cold or hullscan-secrets, "
                             "with the command to run")
    parser.add_argument("--runs", type=int, default=3)
    # The console script beside this interpreter, not a version manager's shim (pyenv's adds 0.05 s).
    beside = Path(sys.executable).with_name("hullscan")
    parser.add_argument("--hullscan", default=str(beside) if beside.is_file() else "hullscan",
                        help="the hullscan command [the one installed beside this Python]")
    args = parser.parse_args(argv)
    peers = dict(peer.split("=", 1) for peer in args.peer)
    for name, command in peers.items():
        peers[name] = shlex.split(command)[0]
    for corpus in args.corpora:
        print(report(corpus, measure(corpus, peers, args.runs, args.hullscan)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
