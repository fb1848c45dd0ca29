"""What the parse and render caches save: a warm run (second scan, cache filled) against a cold one
(empty cache, entries written) and one without any cache (`--no-cache`), on the same tree.

    python benchmarks/cache_warm.py                                   # generated Terraform tree
    python benchmarks/cache_warm.py ../shared/corpora/argo-cd-manifests --runs 5
    python benchmarks/cache_warm.py --build "old=env PYTHONPATH=/tmp/old python -m scanner"

Each tree is copied (or generated) into a temporary folder and scanned as a whole process, with
the cache and its key in private temporary folders outside the tree. `--build NAME=COMMAND` adds
another build to compare (an older checkout, say); runs alternate between builds and modes, so
that machine noise spreads evenly, and medians are printed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import generate

MODES = ("no cache", "cold", "warm")


def scan(command: list[str], tree: Path, cache: Path, config_home: Path, *flags: str) -> float:
    env = {**os.environ, "HULLSCAN_CACHE_DIR": str(cache), "XDG_CONFIG_HOME": str(config_home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    subprocess.run([*command, "scan", ".", "--format", "json", "--fail-on", "never", *flags], cwd=tree,
                   env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def measure(builds: dict[str, list[str]], tree: Path, runs: int, flags: list[str]) -> dict[str, dict[str, float]]:
    times = {name: {mode: [] for mode in MODES} for name in builds}  # type: dict[str, dict[str, list[float]]]
    with tempfile.TemporaryDirectory(prefix="hullscan-bench-") as private:
        home = Path(private)
        for name, command in builds.items():  # fills each warm cache (and byte-code caches)
            scan(command, tree, home / name / "warm", home / name / "config", *flags)
        for run in range(runs):
            for name, command in builds.items():
                config, cold = home / name / "config", home / name / f"cold-{run}"
                times[name]["no cache"].append(scan(command, tree, home / "unused", config, "--no-cache", *flags))
                times[name]["cold"].append(scan(command, tree, cold, config, *flags))
                shutil.rmtree(cold, ignore_errors=True)
                times[name]["warm"].append(scan(command, tree, home / name / "warm", config, *flags))
    return {name: {mode: statistics.median(values) for mode, values in modes.items()}
            for name, modes in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help="folders to copy and scan (default: generated)")
    parser.add_argument("--terraform", type=int, default=600, help="Terraform modules to generate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build", action="append", default=[], metavar="NAME=COMMAND",
                        help="another hullscan to compare (default: only the console script beside python)")
    parser.add_argument("--scan-args", default="", help="more flags for every scan, e.g. '--no-render'")
    args = parser.parse_args(argv)
    builds = {"this": [str(Path(sys.executable).with_name("hullscan"))]}
    builds.update((name, shlex.split(command)) for name, _, command in (b.partition("=") for b in args.build))
    print("| tree | build | no cache | cold | warm | warm / no cache |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="hullscan-bench-tree-") as folder:
        trees: list[tuple[str, Path]] = []
        if not args.trees:
            generated = Path(folder) / "terraform"
            generate(generated, args.terraform, ("terraform",))
            trees.append((f"{args.terraform} generated Terraform modules", generated))
        for source in args.trees:
            copy = Path(folder) / source.name
            shutil.copytree(source, copy, symlinks=True)
            trees.append((source.name, copy))
        for name, tree in trees:
            for build, times in measure(builds, tree, args.runs, args.scan_args.split()).items():
                print(f"| {name} | {build} | {times['no cache']:.2f} s | {times['cold']:.2f} s "
                      f"| {times['warm']:.2f} s | {times['warm'] / times['no cache']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
