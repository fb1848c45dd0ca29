"""Tracing how a rendering reaches its files is bounded: folders that each include the next two
have 2^n ways down, and the trace stops after a fixed number of folders visited."""

from __future__ import annotations

from pathlib import Path

from scanner.render import kustomize
from scanner.render.kustomize import Kustomization


def test_a_lattice_of_kustomizations_is_traced_within_a_bound(tmp_path: Path) -> None:
    folders = [tmp_path / f"k{i}" for i in range(60)]
    for folder in folders:
        folder.mkdir()
    (folders[-1] / "pod.yaml").write_text("kind: Pod\n")
    index = {folder: Kustomization(folder, folders[i + 1:i + 3] or [folder / "pod.yaml"])
             for i, folder in enumerate(folders)}
    ways = kustomize.chains(index[folders[0]], index)
    # each folder visited records its own way and one per file it lists (one here), never 2^60
    assert 0 < sum(len(found) for found in ways.values()) <= 2 * kustomize.MAX_WAYS
