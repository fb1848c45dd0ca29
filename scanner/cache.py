"""A parse cache keyed by content, for repeated local runs over a tree that mostly did not change.

Only files that are slow to parse are cached (every Terraform file, larger YAML ones): for a small
YAML file reading a cache entry costs about what parsing does. Entries are written to a temporary name and renamed into place, so concurrent runs never
see half an entry; any entry that fails to load is treated as absent. The folder is private to
the user (mode 0700) because entries are pickles.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from scanner import __version__

# Below these sizes reading an entry costs about what parsing does; HCL parses ~25x slower than
# YAML, so every Terraform file is worth caching.
MIN_BYTES = {"terraform": 0}
DEFAULT_MIN_BYTES = 16 * 1024


def _worth_caching(kind: str, text: str) -> bool:
    return len(text) >= MIN_BYTES.get(kind, DEFAULT_MIN_BYTES)


def cache_root() -> Path:
    """HULLSCAN_CACHE_DIR, else the user's cache folder (XDG_CACHE_HOME or ~/.cache)/hullscan."""
    explicit = os.environ.get("HULLSCAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hullscan"


def _entry(kind: str, text: str) -> Path:
    digest = hashlib.sha256(f"{__version__}\0{kind}\0".encode() + text.encode("utf-8", "surrogatepass"))
    name = digest.hexdigest()
    return cache_root() / "parse" / name[:2] / name[2:]


def load(kind: str, text: str) -> Any | None:
    if not _worth_caching(kind, text):
        return None
    try:
        with _entry(kind, text).open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - a missing, partial or stale entry is a miss, nothing more
        return None


def store(kind: str, text: str, tree: Any) -> None:
    if not _worth_caching(kind, text):
        return
    target = _entry(kind, text)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            pickle.dump(tree, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, target)
    except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return
