"""What the parse and render caches save: a warm run (second scan, cache filled) against a cold one
(empty cache, entries written) and one without any cache (`--no-cache`), on the same tree.

    python benchmarks/cache_warm.py                                   # generated Terraform tree
    python benchmarks/cache_warm.py ../shared/corpora/argo-cd-manifests --runs 5

Each tree is copied (or generated) into a temporary folder, scanned as a whole process by the
console script beside this interpreter, with the cache and its key in private temporary folders
outside the tree. Runs alternate between the three modes; medians are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import generate


def scan(tree: Path, cache: Path, config_home: Path, *flags: str) -> float:
    hullscan = Path(sys.executable).with_name("hullscan")
    env = {**os.environ, "HULLSCAN_CACHE_DIR": str(cache), "XDG_CONFIG_HOME": str(config_home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    subprocess.run([str(hullscan), "scan", ".", "--format", "json", "--fail-on", "never", *flags], cwd=tree,
                   env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def measure(tree: Path, runs: int, flags: list[str]) -> dict[str, float]:
    times: dict[str, list[float]] = {"no cache": [], "cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="hullscan-bench-") as private:
        home = Path(private)
        warm = home / "warm"
        scan(tree, warm, home / "config", *flags)  # fills the warm cache (and byte-code caches)
        for run in range(runs):
            times["no cache"].append(scan(tree, home / "unused", home / "config", "--no-cache", *flags))
            cold = home / f"cold-{run}"
            times["cold"].append(scan(tree, cold, home / "config", *flags))
            shutil.rmtree(cold, ignore_errors=True)
            times["warm"].append(scan(tree, warm, home / "config", *flags))
    return {mode: statistics.median(values) for mode, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help="folders to copy and scan (default: generated)")
    parser.add_argument("--terraform", type=int, default=600, help="Terraform modules to generate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scan-args", default="", help="more flags for every scan, e.g. '--no-render'")
    args = parser.parse_args(argv)
    print("| tree | no cache | cold | warm | warm / cold |\n|---|---|---|---|---|")
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
            times = measure(tree, args.runs, args.scan_args.split())
            print(f"| {name} | {times['no cache']:.2f} s | {times['cold']:.2f} s | {times['warm']:.2f} s "
                  f"| {times['warm'] / times['cold']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
