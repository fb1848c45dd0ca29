"""Read a layer blob as a stream of tar entries: never extracted, never trusted.

A layer is hostile input. Its declared sizes can lie, a few kilobytes of gzip can expand to
terabytes, a tar header can claim gigabytes of pax data, and names can climb out of the root with
`../`. So every decompressed byte is counted against the run's limits as it is read, the bytes
read between two entries are bounded by what the previous entry declared plus a small header
allowance, names are normalised (or the entry skipped), and links are recorded, not followed.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from scanner.settings.config import Limits

HEADER_ALLOWANCE = 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CLIMBS = "entry `{}` climbs out of the image root; skipped"
_ABSOLUTE = "entry `{}` has an absolute path; read relative to the image root"


class ImageError(Exception):
    """An archive or layer that cannot be read; the message is shown to the user as is."""


class LimitError(ImageError):
    """A configurable bound was reached; the message names the limit to raise."""


@dataclass(frozen=True)
class Entry:
    """One tar entry of a layer. `ordinal` is its position in the layer, to find it again."""

    ordinal: int
    path: str
    type: str
    size: int
    mode: int
    linkname: str


class Budget:
    """What one pass over an image may consume: decompressed bytes and entries, across layers."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.bytes = 0
        self.members = 0

    def spend_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > self.limits.archive_total_bytes:
            raise LimitError(f"more than {self.limits.archive_total_bytes} bytes once decompressed "
                             "(limits: archive-total-size); the rest of the image was not read")

    def spend_member(self) -> None:
        self.members += 1
        if self.members > self.limits.archive_members:
            raise LimitError(f"more than {self.limits.archive_members} entries (limits: archive-members); "
                             "the rest of the image was not read")


class _Guarded:
    """A read-only stream that charges every byte to the budget and to a per-entry allowance."""

    def __init__(self, stream: BinaryIO, budget: Budget) -> None:
        self.stream = stream
        self.budget = budget
        self.allowance = HEADER_ALLOWANCE

    def read(self, size: int = -1) -> bytes:
        size = 64 * 1024 if size is None or size < 0 else size
        data = self.stream.read(min(size, self.allowance + 1))
        self.allowance -= len(data)
        if self.allowance < 0:
            raise ImageError("a tar header is larger than its entries allow (malformed or hostile layer)")
        self.budget.spend_bytes(len(data))
        return data


class _Hashing:
    """Passes the raw blob through while hashing it, to compare with the digest that names it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha256.update(data)
        return data


def decompressed(raw: BinaryIO, head: bytes) -> BinaryIO:
    """The layer's tar stream: gzip and zstd by their magic bytes, anything else read as tar."""
    if head.startswith(_GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if head.startswith(_ZSTD_MAGIC):
        try:
            import zstandard
        except ImportError:
            raise ImageError("zstd-compressed layer: install the optional `zstandard` module "
                             "(pip install 'hullscan[zstd]') to read it") from None
        return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return raw


def normalize(name: str) -> str | None:
    """The entry's path inside the image without `./` or a leading `/`; None if it climbs out."""
    parts = []
    for part in name.split("/"):
        if part == "..":
            return None
        if part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _kind(info: tarfile.TarInfo) -> str:
    if info.isreg():
        return "file"
    if info.isdir():
        return "dir"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    if info.ischr() or info.isblk():
        return "device"
    return "fifo" if info.isfifo() else "other"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def visible(name: str) -> str:
    """A name with control characters escaped: a layer's file names end up on terminals."""
    return _CONTROL.sub(lambda found: found.group(0).encode("unicode_escape").decode("ascii"), name)


def printable(name: str, limit: int = 120) -> str:
    """A name safe to print: control characters escaped, long names shortened."""
    text = name.encode("unicode_escape", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[:limit] + "..."


def _streams(raw: BinaryIO, budget: Budget, what: str) -> tuple[_Guarded, _Hashing | None]:
    """The guarded tar stream of a layer blob, and the hash to check: of the stored bytes for
    "blob", of the decompressed tar for "diff"."""
    hashing = _Hashing(raw) if what == "blob" else None
    head = raw.read(4)
    if hashing is not None:
        hashing.sha256.update(head)
    tar_stream: BinaryIO = decompressed(_Prefixed(head, hashing or raw), head)  # type: ignore[arg-type]
    if what == "diff":
        hashing = _Hashing(tar_stream)
        tar_stream = hashing  # type: ignore[assignment]
    return _Guarded(tar_stream, budget), hashing


def _summary(odd: dict[str, list[Any]]) -> Iterator[str]:
    """One line per kind of odd entry: a hostile layer can hold millions of them."""
    for message, (count, example) in odd.items():
        more = f" (and {count - 1} more)" if count > 1 else ""
        yield message.format(printable(example)) + more


def read_entries(raw: BinaryIO, budget: Budget, problems: list[str],
                 wanted: Callable[[int], bool], cap: int,
                 expect: tuple[str, str] = ("", "")) -> Iterator[tuple[Entry, bytes | None]]:
    """Every safe entry of one layer, with its content when `wanted(ordinal)` and size <= cap.

    Unsafe names are skipped and summarised in `problems`. `expect` is (what, sha256 hex) as
    `_streams` takes it; a mismatch is added to `problems` once the layer is read to its end.
    """
    what, digest = expect
    guarded, hashing = _streams(raw, budget, what)
    odd: dict[str, list[Any]] = {}
    try:
        with tarfile.open(fileobj=guarded, mode="r|") as tar:  # type: ignore[call-overload]
            for ordinal, info in enumerate(tar):
                budget.spend_member()
                guarded.allowance = HEADER_ALLOWANCE + info.size + 512
                path = normalize(info.name)
                if path is None or info.name.startswith("/"):
                    message = (_CLIMBS if path is None else _ABSOLUTE)
                    odd.setdefault(message, [0, info.name])[0] += 1
                    if path is None:
                        continue
                entry = Entry(ordinal, visible(path), _kind(info), info.size, info.mode,
                              visible(info.linkname))
                data = None
                if entry.type == "file" and info.size <= cap and wanted(ordinal):
                    member = tar.extractfile(info)
                    data = member.read(info.size) if member is not None else None
                yield entry, data
            if hashing is not None and digest:
                guarded.allowance = 1 << 62
                while guarded.read(1024 * 1024) or (what == "blob" and hashing.read(1024 * 1024)):
                    pass
                if hashing.sha256.hexdigest() != digest:
                    problems.append("content does not match its digest (corrupt or altered archive)")
    except ImageError:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        raise ImageError(f"corrupt layer: {printable(str(exc) or type(exc).__name__)}") from None
    except Exception as exc:  # zstandard.ZstdError has no importable base here
        if type(exc).__name__ == "ZstdError":
            raise ImageError(f"corrupt zstd layer: {printable(str(exc))}") from None
        raise
    finally:
        problems.extend(_summary(odd))


class _Prefixed:
    """Puts back the magic bytes already read, so detection needs no seekable stream."""

    def __init__(self, head: bytes, stream: BinaryIO | _Hashing) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if self.head:
            data, self.head = (self.head, b"") if size < 0 or size >= len(self.head) else \
                (self.head[:size], self.head[size:])
            return data
        return self.stream.read(size)
