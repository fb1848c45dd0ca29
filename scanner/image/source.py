"""The outer container of a saved image: a directory (OCI layout) or a tar file, gzip or not.

Both are read by name (`manifest.json`, `blobs/sha256/<hex>`) and nothing is written to disk.
Names are resolved inside the archive only: a symlink or hard link between archive members (which
`docker save` writes for layers shared by several images) is followed within the archive's own
namespace, a directory layout never leaves its directory, and only regular files are opened.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import tarfile
from pathlib import Path
from typing import BinaryIO

from scanner.image.layers import ImageError, LimitError, normalize
from scanner.settings.config import Limits

MAX_LINK_HOPS = 8


class DirSource:
    """An OCI image layout (or an unpacked `docker save`) in a directory."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, name: str) -> Path | None:
        clean = normalize(name)
        if not clean:
            return None
        path = Path(os.path.realpath(self.root / clean))
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def has(self, name: str) -> bool:
        return self._path(name) is not None

    def size(self, name: str) -> int:
        path = self._path(name)
        return path.stat().st_size if path else 0

    def open(self, name: str) -> BinaryIO:
        path = self._path(name)
        if path is None:
            raise ImageError(f"`{name}` is missing from the image layout")
        return path.open("rb")

    def close(self) -> None:
        """Nothing held open between reads."""


class _ReadCap:
    """Refuses single reads larger than the cap: a tar header claiming gigabytes is not read."""

    def __init__(self, stream: BinaryIO, cap: int) -> None:
        self.stream = stream
        self.cap = cap

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > self.cap:
            raise ImageError("an archive header or entry is larger than can be read safely")
        return self.stream.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()


def _inside(target: str) -> str | None:
    """A link target as an archive name, or None when it points outside the archive."""
    if target.startswith("/"):
        return None
    return normalize(posixpath.normpath(target))


class TarSource:
    """A `docker save` tar or an OCI layout tar; a gzip-compressed one is read the same way."""

    def __init__(self, path: Path, limits: Limits, read_cap: int) -> None:
        self.file = path.open("rb")
        compressed = self.file.read(2) == b"\x1f\x8b"
        self.file.seek(0)
        stream: BinaryIO = gzip.GzipFile(fileobj=self.file, mode="rb") if compressed else self.file  # type: ignore[assignment]
        self.members: dict[str, tarfile.TarInfo] = {}
        try:
            # Kept open for the archive's lifetime; `close()` ends it.
            self.tar = tarfile.open(fileobj=_ReadCap(stream, read_cap), mode="r:")  # type: ignore[call-overload]  # noqa: SIM115
            self._index(limits, compressed)
        except ImageError:
            self.close()
            raise
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            self.close()
            raise ImageError(f"not a readable tar archive ({exc or type(exc).__name__})") from None

    def _index(self, limits: Limits, compressed: bool) -> None:
        count = 0
        while (info := self.tar.next()) is not None:
            count += 1
            if count > limits.archive_members:
                raise LimitError(f"more than {limits.archive_members} entries (limits: archive-members)")
            if compressed and info.offset_data + info.size > limits.archive_total_bytes:
                raise LimitError(f"more than {limits.archive_total_bytes} bytes once decompressed "
                                 "(limits: archive-total-size)")
            name = normalize(info.name)
            if name:
                self.members[name] = info

    def _resolve(self, name: str) -> tarfile.TarInfo | None:
        clean = normalize(name)
        for _ in range(MAX_LINK_HOPS):
            info = self.members.get(clean or "")
            if info is None or info.isreg():
                return info
            if info.issym():
                clean = _inside(posixpath.join(posixpath.dirname(clean or ""), info.linkname))
            elif info.islnk():
                clean = _inside(info.linkname)
            else:
                return None
        return None

    def has(self, name: str) -> bool:
        return self._resolve(name) is not None

    def size(self, name: str) -> int:
        info = self._resolve(name)
        return info.size if info else 0

    def open(self, name: str) -> BinaryIO:
        info = self._resolve(name)
        if info is None:
            raise ImageError(f"`{name}` is missing from the archive")
        stream = self.tar.extractfile(info)
        if stream is None:
            raise ImageError(f"`{name}` is not a regular file in the archive")
        return stream

    def close(self) -> None:
        self.file.close()


def open_source(path: Path, limits: Limits, read_cap: int) -> DirSource | TarSource:
    if path.is_dir():
        return DirSource(path)
    if not path.exists():
        raise ImageError("no such file or directory")
    if not path.is_file():
        raise ImageError("not a regular file or a directory")
    return TarSource(path, limits, read_cap)
