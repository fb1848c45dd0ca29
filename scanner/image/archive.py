"""Find the image inside a saved archive: its name, its config blob and its layers in order.

Two layouts exist. `docker save` writes `manifest.json` (a list of images, each naming its config
and layer files); the OCI image layout writes `index.json`, which points (through digests, maybe
through a nested index for multi-platform images) at a manifest, which points at the config and
layer blobs under `blobs/<algorithm>/<hex>`. Recent Docker versions write both. Digests are
validated before they become names, so a crafted digest cannot point outside the blob store.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from scanner.image.layers import ImageError, printable, visible
from scanner.image.source import DirSource, TarSource

_DIGEST = re.compile(r"^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]{16,128})$")
_BLOB_NAME = re.compile(r"(?:^|/)blobs/sha256/([a-f0-9]{64})$")
_INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
                "application/vnd.docker.distribution.manifest.list.v2+json")
_FOREIGN = ".foreign."
MAX_INDEX_DEPTH = 4


@dataclass(frozen=True)
class LayerRef:
    """Where one layer's blob is and what it should hash to: `expect` is ("blob" or "diff", sha256
    hex) for the stored bytes or the decompressed tar; ("", "") when unknown."""

    index: int
    digest: str
    blob: str
    expect: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class ImageRef:
    name: str
    config: dict[str, Any]
    config_text: str
    layers: tuple[LayerRef, ...]
    notes: tuple[str, ...] = ()


def read_json(source: DirSource | TarSource, name: str, cap: int) -> tuple[Any, str]:
    size = source.size(name)
    if size > cap:
        raise ImageError(f"`{name}` is {size} bytes, over the {cap}-byte limit for image metadata "
                         "(--max-file-size)")
    with source.open(name) as stream:
        raw = stream.read(size)
    try:
        text = raw.decode("utf-8-sig")
        return json.loads(text), text
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ImageError(f"`{name}` is not valid JSON") from None


def blob_name(digest: Any) -> str:
    match = _DIGEST.match(digest) if isinstance(digest, str) else None
    if not match:
        raise ImageError(f"invalid digest `{printable(str(digest))}` in the image metadata")
    return f"blobs/{match.group(1)}/{match.group(2)}"


def _sha256_of(digest: str) -> str:
    return digest.split(":", 1)[1] if digest.startswith("sha256:") else ""


def _config(source: DirSource | TarSource, name: str, cap: int) -> tuple[dict[str, Any], str]:
    config, text = read_json(source, name, cap)
    if not isinstance(config, dict):
        raise ImageError(f"image config `{name}` is not a JSON object")
    return config, text


def _docker(source: DirSource | TarSource, cap: int) -> list[ImageRef]:
    manifest, _ = read_json(source, "manifest.json", cap)
    images = [image for image in manifest if isinstance(image, dict)] if isinstance(manifest, list) else []
    if not images:
        raise ImageError("`manifest.json` lists no image")
    return [_docker_image(source, image, cap) for image in images]


def _docker_image(source: DirSource | TarSource, image: dict[str, Any], cap: int) -> ImageRef:
    tags = image.get("RepoTags") or []
    name = str(tags[0]) if isinstance(tags, list) and tags else ""
    config, text = _config(source, str(image.get("Config") or ""), cap)
    files = image.get("Layers")
    if not isinstance(files, list):
        raise ImageError("`manifest.json` has no layer list")
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    layers = []
    for index, blob in enumerate(files):
        blob = str(blob)
        named = _BLOB_NAME.search(blob)
        diff_id = diff_ids[index] if index < len(diff_ids) and isinstance(diff_ids[index], str) else ""
        # Legacy `<id>/layer.tar` files are named by no digest; their tar hashes to the diff id.
        digest = f"sha256:{named.group(1)}" if named else diff_id
        expect = ("blob", named.group(1)) if named else ("diff", _sha256_of(diff_id))
        layers.append(LayerRef(index, digest, blob, expect))
    image_id = str(image.get("Config") or "").rsplit("/", 1)[-1].removesuffix(".json")
    return ImageRef(visible(name or image_id[:12]), config, text, tuple(layers))


def _platform(entry: dict[str, Any]) -> tuple[str, str]:
    platform = entry.get("platform") or {}
    return str(platform.get("os", "")), str(platform.get("architecture", ""))


def _entries(document: Any) -> list[dict[str, Any]]:
    manifests = document.get("manifests") if isinstance(document, dict) else None
    entries = [m for m in manifests if isinstance(m, dict)] if isinstance(manifests, list) else []
    if not entries:
        raise ImageError("the image index lists no manifest")
    return entries


def _oci(source: DirSource | TarSource, cap: int) -> list[ImageRef]:
    """One image per entry of `index.json`; entries that name platforms are one image's variants."""
    document, _ = read_json(source, "index.json", cap)
    entries = _entries(document)
    if len(entries) > 1 and all(_platform(entry)[0] for entry in entries):
        return [_oci_image(source, document, "", cap)]
    return [_oci_image(source, {"manifests": [entry]}, "", cap) for entry in entries]


def _oci_image(source: DirSource | TarSource, document: Any, name: str, cap: int) -> ImageRef:
    """Follow an index (and nested indexes) down to one manifest: linux/amd64 where there is a
    choice of platforms, else the first."""
    notes: tuple[str, ...] = ()
    for _ in range(MAX_INDEX_DEPTH):
        entries = _entries(document)
        chosen = next((m for m in entries if _platform(m) == ("linux", "amd64")), entries[0])
        if len(entries) > 1:
            notes += (f"the index lists {len(entries)} platforms; scanned {_platform(chosen)[0]}/"
                      f"{_platform(chosen)[1]} ({printable(str(chosen.get('digest', '?')))})",)
        name = name or str((chosen.get("annotations") or {}).get("org.opencontainers.image.ref.name", ""))
        document, _ = read_json(source, blob_name(chosen.get("digest")), cap)
        if not isinstance(document, dict):
            raise ImageError("an image manifest is not a JSON object")
        if document.get("mediaType") not in _INDEX_TYPES and "manifests" not in document:
            break
    else:
        raise ImageError("image indexes are nested too deeply")
    config, text = _config(source, blob_name((document.get("config") or {}).get("digest")), cap)
    layers = []
    for index, layer in enumerate(document.get("layers") or []):
        digest = (layer or {}).get("digest") if isinstance(layer, dict) else None
        blob = blob_name(digest)
        if _FOREIGN in str(layer.get("mediaType", "")) and not source.has(blob):
            notes += (f"layer {index} is a foreign layer not stored in the archive; not scanned",)
            continue
        layers.append(LayerRef(index, str(digest), blob, ("blob", _sha256_of(str(digest)))))
    name = name or _short(str((document.get("config") or {}).get("digest", "")))
    return ImageRef(visible(name), config, text, tuple(layers), notes)


def _short(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


def locate(source: DirSource | TarSource, cap: int) -> list[ImageRef]:
    """The images of a `docker save` archive (manifest.json) or an OCI layout (index.json)."""
    read = _docker if source.has("manifest.json") else _oci if source.has("index.json") else None
    if read is not None:
        try:
            return read(source, cap)
        except (AttributeError, TypeError, KeyError, IndexError, ValueError):
            # JSON of the wrong shape somewhere (a list where an object belongs...): one error.
            raise ImageError("malformed image metadata (manifest, index or config of an "
                             "unexpected shape)") from None
    raise ImageError("not an image archive: neither manifest.json (docker save) nor index.json "
                     "(OCI image layout) found")
