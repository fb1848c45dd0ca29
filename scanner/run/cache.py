"""The caches of repeated local runs — parse trees, the rule catalog, Kustomize output — in one
authenticated store that a scanned repository cannot poison.

- Entries are data, never code: parse trees go through `scanner.run.tree_codec` (JSON of the parser's
  own classes, no pickle), the catalog is JSON, renders are text.
- Every entry carries an HMAC-SHA256 under a per-user key kept outside the cache
  (`scanner.run.cache_guard.key_path`); one that does not verify is a miss, and is removed. The HMAC
  covers what the entry is for (its key: hullscan's version, the project it belongs to, and what
  was read) as well as its content, so an entry can't be moved to stand for another file.
- The folder (`$HULLSCAN_CACHE_DIR`, else `$XDG_CACHE_HOME/hullscan` or `~/.cache/hullscan`) is
  used only when nobody else can write it (`scanner.run.cache_guard`), and never when it or the key
  lies inside the scanned project: on GitLab, where only workspace paths can be cached, the merge
  request under scan could otherwise ship entries. A refused folder turns the cache off for the
  run, with one note saying why (`refusal`).

Only files that are slow to parse are cached (every Terraform file, larger YAML ones): for a small
YAML file reading an entry costs about what parsing does. Entries are written to a temporary name
and renamed into place, so concurrent runs never see half an entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import __version__

if TYPE_CHECKING:
    from scanner.inputs.discover import SourceFile

# Below these sizes reading an entry costs about what parsing does; HCL parses ~25x slower than
# YAML, so every Terraform file is worth caching.
MIN_BYTES = {"terraform": 0}
DEFAULT_MIN_BYTES = 16 * 1024
MAX_ENTRY_BYTES = 512 * 1024 * 1024
_MAGIC = b"hullscan-cache-1\n"
_MAC_BYTES = 32


def cache_root() -> Path:
    """HULLSCAN_CACHE_DIR, else the user's cache folder (XDG_CACHE_HOME or ~/.cache)/hullscan."""
    explicit = os.environ.get("HULLSCAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hullscan"


@dataclass(frozen=True)
class Store:
    """A vetted cache folder (its real path) and the key that signs its entries."""

    root: Path
    key: bytes

    def _where(self, kind: str, material: list[str]) -> tuple[bytes, Path]:
        ident = hashlib.sha256(json.dumps([__version__, kind, *material]).encode("utf-8", "surrogatepass")).digest()
        name = hmac.digest(self.key, b"name\0" + ident, "sha256").hex()
        return ident, self.root / kind / name[:2] / name[2:]

    def _mac(self, ident: bytes, payload: bytes) -> bytes:
        return hmac.digest(self.key, b"entry\0" + ident + payload, "sha256")

    def get(self, kind: str, material: list[str]) -> bytes | None:
        """The payload stored for (kind, material), or None; an entry that fails its check is
        removed, so a planted file costs one miss."""
        ident, path = self._where(kind, material)
        data = _read_regular(path, MAX_ENTRY_BYTES)
        if data is None:
            return None
        mac, payload = data[len(_MAGIC):len(_MAGIC) + _MAC_BYTES], data[len(_MAGIC) + _MAC_BYTES:]
        if data.startswith(_MAGIC) and hmac.compare_digest(mac, self._mac(ident, payload)):
            return payload
        try:
            path.unlink()
        except OSError:
            pass
        return None

    def put(self, kind: str, material: list[str], payload: bytes) -> None:
        ident, path = self._where(kind, material)
        try:
            for folder in (path.parent.parent, path.parent):
                folder.mkdir(mode=0o700, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", delete=False) as handle:
                handle.write(_MAGIC + self._mac(ident, payload) + payload)
            os.replace(handle.name, path)
        except OSError:
            return


def _read_regular(path: Path, limit: int, owned: bool = True) -> bytes | None:
    """A regular file's bytes (not a link when `owned`: an entry of this user's), at most `limit`;
    None for anything else, so that a device or a pipe never blocks a run."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags | (getattr(os, "O_NOFOLLOW", 0) if owned else 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit or (owned and info.st_uid != os.geteuid()):
            return None
        data = handle.read(info.st_size + 1)  # not `limit`: a buffer that large costs time to allocate
    return data if len(data) <= limit else None


@lru_cache(maxsize=8)
def _opened(root: str, key: str) -> Store | str:
    """The store for these paths, or why it is refused; once per process."""
    from scanner.run.cache_guard import Untrusted, load_key, private_folder

    try:
        return Store(private_folder(Path(root)), load_key(Path(key)))
    except Untrusted as exc:
        return str(exc)


_LOCATING = ("HULLSCAN_CACHE_DIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "HOME")


def _store_or_reason(*trees: Path | str) -> Store | str:
    """The store, unless it is refused or it or its key lies inside one of `trees` (the scanned
    project, or a folder read from it). Asked for every cached file, so decided once for the
    variables that locate the cache and its key."""
    return _decided(tuple(map(str, trees)), tuple(os.environ.get(name) for name in _LOCATING))


@lru_cache(maxsize=64)
def _decided(trees: tuple[str, ...], _located_by: tuple[str | None, ...]) -> Store | str:
    from scanner.boundary import contains
    from scanner.run.cache_guard import key_path

    root, key = str(cache_root()), str(key_path())
    for tree in trees:
        for path, what in ((root, "the cache folder"), (key, "the cache key")):
            if contains(Path(tree), Path(path)):
                return f"{what} {path} is inside the scanned project, where the code under review could write it"
    return _opened(root, key)


def open_store(*trees: Path | str) -> Store | None:
    store = _store_or_reason(*trees)
    return store if isinstance(store, Store) else None


def refusal(project: Path) -> str | None:
    """The note for a run whose cache is refused (None when it may be used): said once, by the
    main process, before any worker looks at the cache."""
    from scanner.boundary import printable

    store = _store_or_reason(project)
    if isinstance(store, Store):
        return None
    return (f"cache off for this run: {printable(store)}; point HULLSCAN_CACHE_DIR (the entries) and "
            "XDG_CONFIG_HOME (their key) at folders only you can write, outside the project, or pass --no-cache")


def _worth_caching(kind: str, text: str) -> bool:
    return len(text) >= MIN_BYTES.get(kind, DEFAULT_MIN_BYTES)


@lru_cache(maxsize=64)
def _real(path: str) -> str:
    return os.path.realpath(path)


def project_of(source: SourceFile) -> str | None:
    """The project root a scanned file's report name is relative to (its path without `rel`), or
    None for a file outside it, which is then not cached. Plain strings: this runs for every file."""
    rel = source.rel
    if not rel or rel.startswith("/") or ".." in rel.split("/"):
        return None
    suffix = os.sep + rel.replace("/", os.sep)
    for candidate in (os.path.abspath(source.path), os.path.realpath(source.path)):
        if candidate.endswith(suffix) and len(candidate) > len(suffix):
            return _real(candidate[:-len(suffix)])
    return None


def _tree_entry(source: SourceFile, kind: str, text: str) -> tuple[Store, list[str]] | None:
    if not _worth_caching(kind, text):
        return None
    project = project_of(source)
    store = open_store(project) if project is not None else None
    if store is None:
        return None
    from scanner.run.tree_codec import schema

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return store, [str(project), source.rel, schema(kind), digest]


def load_tree(source: SourceFile, kind: str, text: str) -> Any | None:
    """The cached parse tree of `text`, read as `source` of its project, or None."""
    entry = _tree_entry(source, kind, text)
    payload = entry[0].get("trees-" + kind, entry[1]) if entry is not None else None
    if payload is None:
        return None
    from scanner.run.tree_codec import decode

    try:
        return decode(payload, kind)
    except (ValueError, RecursionError):
        return None


def store_tree(source: SourceFile, kind: str, text: str, tree: Any) -> None:
    entry = _tree_entry(source, kind, text)
    if entry is None:
        return
    from scanner.run.tree_codec import Unencodable, encode

    try:
        payload = encode(tree, kind)
    except (Unencodable, RecursionError):
        return
    entry[0].put("trees-" + kind, entry[1], payload)


def folder_digest(paths: list[Path], limit: int = 10 * 1024 * 1024) -> str | None:
    """A digest of the files' names and contents: what a catalog entry stands for (file stamps
    would let an entry outlive an edit that kept size and time). None when one is not a regular
    file of at most `limit` bytes; nothing is cached for them then."""
    digest = hashlib.sha256()
    for path in paths:
        data = _read_regular(path, limit, owned=False)
        if data is None:
            return None
        digest.update(f"{path.name}\0{len(data)}\0".encode("utf-8", "surrogateescape") + data)
    return digest.hexdigest()


def load_catalog(directory: Path, digest: str) -> dict[str, Any] | None:
    """A rules folder's entries as read before, when its files are byte for byte the same."""
    store = open_store(Path.cwd(), directory)
    payload = store.get("catalog", [_real(str(directory)), digest]) if store is not None else None
    try:
        entries = json.loads(payload) if payload is not None else None
    except ValueError:
        return None
    return entries if isinstance(entries, dict) else None


def store_catalog(directory: Path, digest: str, entries: dict[str, Any]) -> None:
    """Kept only when JSON gives back exactly what YAML read (no dates, sets or integer keys)."""
    store = open_store(Path.cwd(), directory)
    try:
        payload = json.dumps(entries, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return
    if store is not None and json.loads(payload) == entries:
        store.put("catalog", [_real(str(directory)), digest], payload.encode())


def load_render(directory: Path, digest: str) -> str | None:
    """A Kustomize overlay's output, when nothing it reads (`digest`) has changed."""
    store = open_store(directory)
    payload = store.get("renders", [_real(str(directory)), digest]) if store is not None else None
    try:
        return payload.decode("utf-8") if payload is not None else None
    except UnicodeDecodeError:
        return None


def store_render(directory: Path, digest: str, text: str) -> None:
    store = open_store(directory)
    if store is not None:
        store.put("renders", [_real(str(directory)), digest], text.encode("utf-8", "surrogatepass"))
