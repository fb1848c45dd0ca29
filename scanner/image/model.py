"""The image model rules read: layers, every file of every layer, and the image config.

Rules never see tar objects. Opening an image reads each layer once to list its entries, then
applies whiteouts (`.wh.<name>` deletes a path of lower layers, `.wh..wh..opq` empties a directory
of lower layers) to learn each file's fate: still present in the final filesystem, deleted by a
later layer, or replaced by a later layer. Deleted and replaced files stay in the image's layers,
which is why secrets in them still count. File content is read again on demand, a layer at a time,
within the configured limits.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.image.archive import ImageRef, LayerRef, locate
from scanner.image.layers import Budget, Entry, ImageError, LimitError, read_entries
from scanner.image.source import DirSource, TarSource, open_source
from scanner.image.whiteouts import ImageFile, Tracker
from scanner.inputs.parsed import ParsedFile
from scanner.nodes import Location, Mapping, Node, Scalar
from scanner.nodes import Sequence as NodeSequence
from scanner.settings.config import Config, Limits


@dataclass(frozen=True)
class Layer:
    index: int
    digest: str

    @property
    def label(self) -> str:
        """The layer's name in finding paths: index first (stable order), then a short digest."""
        short = self.digest.split(":", 1)[-1][:12]
        return f"layer-{self.index}-{short}" if short else f"layer-{self.index}"


@dataclass
class ImageModel:
    """One saved image. `config` is the parsed config JSON; its locations read `ARCHIVE!config`."""

    archive: str
    name: str
    layers: tuple[Layer, ...]
    files: tuple[ImageFile, ...]
    config: Node
    limits: Limits
    source: DirSource | TarSource | None = None
    refs: tuple[LayerRef, ...] = ()
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    allow_paths: tuple[str, ...] = ()
    allow_fingerprints: frozenset[str] = frozenset()

    def file_path(self, file: ImageFile) -> str:
        return f"{self.archive}!{self.layers[file.layer].label}/{file.path}"

    def allows(self, file: ImageFile) -> bool:
        """Whether the secret allow-list names the file (by its path in the image or in reports)."""
        from scanner.secrets.model import allowed_path

        return bool(self.allow_paths) and (allowed_path(file.path, self.allow_paths)
                                           or allowed_path(self.file_path(file), self.allow_paths))

    def layer_resource(self, file: ImageFile) -> str:
        return f'image "{self.name}" layer {file.layer}'

    @property
    def read_cap(self) -> int:
        return min(self.limits.max_file_bytes, self.limits.archive_member_bytes)

    def contents(self, files: Iterable[ImageFile]) -> Iterator[tuple[ImageFile, bytes]]:
        """The bytes of regular files up to the size cap, one pass per layer that holds any."""
        by_layer: dict[int, dict[int, ImageFile]] = {}
        for file in files:
            if file.type == "file" and file.size <= self.read_cap:
                by_layer.setdefault(file.layer, {})[file.ordinal] = file
        if self.source is None:
            return
        budget = Budget(self.limits)
        for index, wanted in sorted(by_layer.items()):
            ref = self.refs[index]
            remaining = set(wanted)
            try:
                with self.source.open(ref.blob) as raw:
                    for entry, data in read_entries(raw, budget, [], wanted.__contains__, self.read_cap):
                        if data is not None:
                            remaining.discard(entry.ordinal)
                            yield wanted[entry.ordinal], data
                        if not remaining:
                            break
            except ImageError as exc:
                self.errors.append(f"{self.layers[index].label}: {exc}")
                if isinstance(exc, LimitError):
                    return


def matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """One compiled test for a list of globs: an image can hold hundreds of thousands of files."""
    if not patterns:
        return lambda path: False
    combined = re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))
    return lambda path: combined.match(path) is not None


def texts(model: ImageModel, files: Iterable[ImageFile], skip: Sequence[str] = ()
          ) -> Iterator[tuple[ImageFile, str]]:
    """Text files among `files` (binary ones skipped, as in a directory scan), decoded once."""
    chosen, too_big = [], 0
    skipped = matcher(skip)
    for file in files:
        if file.type != "file" or file.size == 0 or skipped(file.path):
            continue
        if file.size > model.read_cap:
            too_big += 1
            continue
        chosen.append(file)
    if too_big:
        model.notes.append(f"{too_big} file(s) over {model.read_cap} bytes in the image were not "
                           "read (--max-file-size, limits: archive-member-size)")
    for file, data in model.contents(chosen):
        if b"\x00" not in data[:8192]:
            yield file, data.decode("utf-8", "replace")


def _parse_config(text: str, data: Any, path: str) -> Node:
    """The config as nodes with exact spans; if the YAML reader balks at some JSON corner, the
    decoded value with every location on line 1 (configs are written on one line anyway)."""
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents(text, path)
    except ParseError:
        documents = []
    return documents[0] if documents else _nodes(data, Location(path, 1))


def _nodes(value: Any, loc: Location) -> Node:
    if isinstance(value, dict):
        mapping = Mapping(loc)
        for key, item in value.items():
            mapping.set(str(key), loc, _nodes(item, loc))
        return mapping
    if isinstance(value, list):
        return NodeSequence(loc, [_nodes(item, loc) for item in value])
    return Scalar(value if isinstance(value, (str, int, float, bool)) or value is None else str(value), loc)


@dataclass
class _Listing:
    """One layer blob read once, whichever images of the archive share it."""

    entries: list[Entry]
    problems: list[str]
    error: ImageError | None


def _list(source: DirSource | TarSource, layer: LayerRef, budget: Budget) -> _Listing:
    listing = _Listing([], [], None)
    try:
        with source.open(layer.blob) as raw:
            for entry, _ in read_entries(raw, budget, listing.problems, lambda _: False, 0, layer.expect):
                listing.entries.append(entry)
    except ImageError as exc:
        listing.error = exc
    return listing


def _image(ref: ImageRef, display: str, limits: Limits, source: DirSource | TarSource,
           listings: dict[str, _Listing], budget: Budget) -> ImageModel:
    layers = tuple(Layer(i, layer.digest) for i, layer in enumerate(ref.layers))
    refs = tuple(LayerRef(i, layer.digest, layer.blob, layer.expect) for i, layer in enumerate(ref.layers))
    config = _parse_config(ref.config_text, ref.config, f"{display}!config")
    model = ImageModel(display, ref.name, layers, (), config, limits, source, refs, list(ref.notes))
    tracker = Tracker()
    for layer in refs:
        if layer.blob not in listings:
            listings[layer.blob] = _list(source, layer, budget)
        listing, label = listings[layer.blob], layers[layer.index].label
        model.notes.extend(f"{label}: {problem}" for problem in listing.problems)
        tracker.add(layer.index, listing.entries)
        if listing.error is not None:
            model.errors.append(f"{label}: {listing.error}")
            if isinstance(listing.error, LimitError):
                break
    model.files = tuple(tracker.files())
    return model


@contextmanager
def opened(path: Path, display: str, limits: Limits) -> Iterator[list[ImageModel]]:
    """Every image of an archive, metadata read and layers listed (each shared layer once); the
    archive stays open for content reads until the block ends. Raises ImageError if it holds none."""
    cap = min(limits.max_file_bytes, limits.archive_member_bytes)
    source = open_source(path, limits, max(cap, 1024 * 1024))
    try:
        listings: dict[str, _Listing] = {}
        budget = Budget(limits)
        yield [_image(ref, display, limits, source, listings, budget) for ref in locate(source, cap)]
    finally:
        source.close()


def build(files: Sequence[ParsedFile], config: Config) -> list[ImageModel]:
    """Every image of the scan: `scan_archive` opens each archive and hands its images over as the
    ParsedFile's tree, so an unreadable archive is reported once, before any rule runs."""
    return [model for file in files if file.type == "image" and isinstance(file.tree, list)
            for model in file.tree if isinstance(model, ImageModel)]
