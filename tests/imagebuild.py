"""Build small image archives in memory for tests: layers, configs, `docker save` and OCI layouts.

No container engine is needed; every archive is written with `tarfile` exactly as the formats
describe, so each test shows the layout it exercises.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GZIP = b"\x1f\x8b"


@dataclass(frozen=True)
class E:
    """One layer entry: a regular file by default; `kind` is a tarfile type byte."""

    name: str
    data: bytes = b""
    kind: bytes = tarfile.REGTYPE
    linkname: str = ""
    mode: int = 0o644
    size: int | None = None


def layer(*entries: E, compress: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type = entry.kind
            info.mode = entry.mode
            info.linkname = entry.linkname
            if entry.kind == tarfile.REGTYPE:
                info.size = len(entry.data) if entry.size is None else entry.size
                tar.addfile(info, io.BytesIO(entry.data))
            else:
                tar.addfile(info)
    raw = buffer.getvalue()
    if compress == "gzip":
        return gzip.compress(raw)
    if compress == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(raw)
    return raw


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config(user: str | None = "1000", env: tuple[str, ...] = (), labels: dict[str, str] | None = None,
           healthcheck: bool = True, history: tuple[str, ...] = ()) -> dict[str, Any]:
    settings: dict[str, Any] = {"Env": list(env), "Labels": labels or {}}
    if user is not None:
        settings["User"] = user
    if healthcheck:
        settings["Healthcheck"] = {"Test": ["CMD", "true"]}
    return {"architecture": "amd64", "os": "linux", "config": settings,
            "history": [{"created_by": step} for step in history]}


def _uncompressed(data: bytes) -> bytes:
    try:
        return gzip.decompress(data) if data[:2] == GZIP else data
    except EOFError:  # a deliberately truncated layer
        return data


def _diff_ids(cfg: dict[str, Any], layers: list[bytes]) -> dict[str, Any]:
    ids = ["sha256:" + sha(_uncompressed(data)) for data in layers]
    return {**cfg, "rootfs": {"type": "layers", "diff_ids": ids}}


def _tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def docker_save(path: Path, layers: list[bytes], cfg: dict[str, Any] | None = None,
                tag: str = "app:1") -> Path:
    """A legacy `docker save` tar: `<id>/layer.tar`, `<config>.json`, `manifest.json`."""
    return docker_save_many(path, [(tag, layers, cfg or config())])


def docker_save_many(path: Path, images: list[tuple[str, list[bytes], dict[str, Any]]]) -> Path:
    """`docker save a b`: one manifest entry per image; a layer shared by both is stored once."""
    files: dict[str, bytes] = {}
    manifest = []
    for tag, layers, cfg in images:
        config_bytes = json.dumps(_diff_ids(cfg, layers), separators=(",", ":")).encode()
        files.update({f"{sha(data)}/layer.tar": data for data in layers})
        files[f"{sha(config_bytes)}.json"] = config_bytes
        manifest.append({"Config": f"{sha(config_bytes)}.json", "RepoTags": [tag],
                         "Layers": [f"{sha(data)}/layer.tar" for data in layers]})
    files["manifest.json"] = json.dumps(manifest).encode()
    path.write_bytes(_tar_of(files))
    return path


def oci_files(layers: list[bytes], cfg: dict[str, Any] | None = None, tag: str = "app:1",
              media_type: str = "application/vnd.oci.image.layer.v1.tar+gzip") -> dict[str, bytes]:
    config_bytes = json.dumps(_diff_ids(cfg or config(), layers), separators=(",", ":")).encode()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": f"sha256:{sha(config_bytes)}", "size": len(config_bytes)},
                "layers": [{"mediaType": media_type, "digest": f"sha256:{sha(data)}", "size": len(data)}
                           for data in layers]}
    manifest_bytes = json.dumps(manifest).encode()
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{sha(manifest_bytes)}",
        "size": len(manifest_bytes), "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    files = {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": json.dumps(index).encode()}
    for blob in (config_bytes, manifest_bytes, *layers):
        files[f"blobs/sha256/{sha(blob)}"] = blob
    return files


def oci_dir(root: Path, layers: list[bytes], cfg: dict[str, Any] | None = None, **kwargs: Any) -> Path:
    for name, data in oci_files(layers, cfg, **kwargs).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def oci_tar(path: Path, layers: list[bytes], cfg: dict[str, Any] | None = None, **kwargs: Any) -> Path:
    path.write_bytes(_tar_of(oci_files(layers, cfg, **kwargs)))
    return path


def github_token(seed: str = "hullscan") -> str:
    """A well-formed GitHub token (30 random base62 characters and their CRC32 in base62)."""
    import random
    import zlib

    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    rng = random.Random(seed)
    body = "".join(rng.choice(alphabet) for _ in range(30))
    crc, digits = zlib.crc32(body.encode()), ""
    while crc:
        crc, digit = divmod(crc, 62)
        digits = alphabet[digit] + digits
    return f"ghp_{body}{digits.rjust(6, '0')}"


def private_key(seed: str = "hullscan") -> str:
    """A PEM block shaped like an RSA private key, its body random base64 (no key inside)."""
    import base64
    import random

    body = base64.b64encode(random.Random(seed).randbytes(600)).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----\n"
