"""A chart's private copy: what Helm renders instead of the scanned tree.

Helm's loader follows symbolic links and hard links, `.Files.Get` returns whatever a chart file
names, and values are validated against `values.schema.json`, whose `$ref`s Helm fetches over
HTTP or reads from `file://` paths. So a chart is rendered from a copy of its vetted files only
(`Boundary.copy_tree`), with every schema left out, and vendored subchart archives unpacked into
the copy under the same rules (an archive may carry links, a schema, or a decompression bomb).
Leaving a schema out changes nothing that is rendered: Helm only uses it to refuse values.
"""

from __future__ import annotations

import gzip
import re
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from scanner.boundary import Boundary, Refused

SCHEMA = "values.schema.json"
ARCHIVE_LIMIT = 64 * 1024 * 1024  # bytes unpacked from one subchart archive
ARCHIVE_MEMBERS = 10_000
_REF = re.compile(r'"\$ref"\s*:\s*"([^"]*)"')


@dataclass
class ChartCopy:
    folder: Path
    left_out: list[str] = field(default_factory=list)  # relative to the chart, for a note
    schema_refs: list[str] = field(default_factory=list)  # references the left-out schemas make
    unpacked: dict[str, str] = field(default_factory=dict)  # folder in the copy -> its archive

    def name_in_tree(self, inside: str) -> str:
        """A copied file's name for reports: as in the chart, or `charts/x-1.0.tgz!templates/a.yaml`
        for a file that came out of an archive (the convention of image findings)."""
        for folder in sorted(self.unpacked, key=len, reverse=True):
            if inside.startswith(f"{folder}/"):
                return f"{self.unpacked[folder]}!{inside[len(folder) + 1:]}"
        return inside


def copy_chart(boundary: Boundary, chart: Path, destination: Path) -> ChartCopy:
    """Copy `chart` into `destination`; raises Refused when it is too large to render."""
    copy = ChartCopy(destination, boundary.copy_tree(chart, destination, skip=frozenset({SCHEMA})))
    for name in [n for n in copy.left_out if PurePosixPath(n).name == SCHEMA]:
        copy.left_out.remove(name)
        try:
            copy.schema_refs += _refs(boundary.read_text(chart / name))
        except Refused:
            copy.left_out.append(name)
    for _ in range(ARCHIVE_MEMBERS):  # unpacked archives may hold archives of their own
        archives = sorted(p for p in destination.rglob("*.tgz") if p.parent.name == "charts")
        if not archives:
            break
        for archive in archives:
            inside = archive.relative_to(destination).as_posix()
            try:
                folder, refs = _unpack(archive)
                copy.schema_refs += refs
                if folder:
                    copy.unpacked[(archive.parent / folder).relative_to(destination).as_posix()] = \
                        copy.name_in_tree(inside)
            except (Refused, OSError, EOFError, tarfile.TarError, zlib.error) as exc:
                copy.left_out.append(f"{inside} ({exc})" if isinstance(exc, Refused) else inside)
            archive.unlink()
    return copy


def _refs(schema: str) -> list[str]:
    """The references a schema makes outside itself (a `#/...` pointer stays inside)."""
    return [ref for ref in _REF.findall(schema) if not ref.startswith("#")]


class _Bounded:
    """A stream that refuses to yield more than `limit` bytes, whatever a reader asks for."""

    def __init__(self, stream: gzip.GzipFile, limit: int) -> None:
        self.stream, self.left = stream, limit

    def read(self, size: int = -1) -> bytes:
        wanted = self.left + 1 if size < 0 or size > self.left else size
        data = self.stream.read(wanted)
        self.left -= len(data)
        if self.left < 0:
            raise Refused(f"unpacks to more than {ARCHIVE_LIMIT} bytes; not rendered")
        return data


def _unpack(archive: Path) -> tuple[str, list[str]]:
    """Regular files of a chart archive (`NAME/...`) written beside it under `NAME/`, the folder
    Helm would name the subchart by; links, devices, absolute or `..` names and schemas are left
    out. Returns the folder's name and the left-out schemas' references."""
    refs: list[str] = []
    folder = ""
    with gzip.open(archive) as packed, tarfile.open(fileobj=_Bounded(packed, ARCHIVE_LIMIT), mode="r|") as tar:  # type: ignore[call-overload]
        for count, member in enumerate(tar):
            if count >= ARCHIVE_MEMBERS:
                raise Refused(f"holds more than {ARCHIVE_MEMBERS} files; not rendered")
            name = PurePosixPath(member.name)
            if not member.isreg() or len(name.parts) < 2 or ".." in name.parts or name.is_absolute() \
                    or name.parts[0] in ("", ".") or folder not in ("", name.parts[0]):
                continue
            folder = name.parts[0]
            handle = tar.extractfile(member)
            data = handle.read(member.size) if handle is not None else b""
            if name.name == SCHEMA:
                refs += _refs(data.decode("utf-8", "replace"))
                continue
            path = archive.parent.joinpath(*name.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return folder, refs
