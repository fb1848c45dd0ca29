"""Image references, read once for every format: `registry/repository:tag@digest`.

Dockerfile `FROM` lines, Kubernetes and Compose `image:` keys, ECS container definitions and
image archives all name images the same way, so every rule about a reference reads this one
parse and gives the same verdict on the same text. The grammar is Docker's (distribution's
`reference` package): a registry host is case-insensitive, a repository is lower-case, a tag is
at most 128 word characters, dots and dashes. Text that is not a reference by that grammar is
not an image Docker could pull: a placeholder (`<image_url>`, `REPLACE_ME`, `${IMAGE}`,
`{{ .image }}`) that a later step fills in, so `parse` returns None and rules say nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
_REFERENCE = re.compile(
    rf"(?:(?P<host>{_HOST})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}))?")
# Words that stand for "fill this in": a reference made of them is a placeholder, not an image.
_PLACEHOLDER_WORDS = frozenset({"replace", "replaceme", "replace_me", "changeme", "change_me", "todo",
                                "placeholder", "your_image", "image_name", "tbd", "xxx"})


@dataclass(frozen=True)
class ImageRef:
    """A parsed reference with Docker Hub's implicit parts filled in (`nginx` is
    `docker.io/library/nginx`); `registry` is lower-case, as hosts compare."""

    registry: str
    repository: str
    tag: str
    digest: str

    @property
    def full_name(self) -> str:
        """`registry/repository`: the form registry allow-list entries are compared with."""
        return f"{self.registry}/{self.repository}"

    @property
    def mutable(self) -> bool:
        """No digest and no tag, or `latest` in any case: what is pulled can change any day."""
        return not self.digest and self.tag.lower() in ("", "latest")

    def trusted(self, entries: Iterable[str]) -> bool:
        """Whether an allow-list entry covers this image: a registry host (any case), or a
        `registry/path` prefix at a path boundary (`docker.io/library` covers `nginx`)."""
        full = self.full_name
        for entry in entries:
            wanted = entry.strip().rstrip("/")
            if not wanted:
                continue
            host, _, path = wanted.partition("/")
            wanted = f"{host.lower()}/{path}" if path else host.lower()
            if wanted in (self.registry, full) or full.startswith(wanted + "/"):
                return True
        return False


def parse(reference: str) -> ImageRef | None:
    """The reference, or None when the text is not one Docker could pull (a placeholder)."""
    written = reference.strip()
    match = _REFERENCE.fullmatch(written)
    if match is None or _placeholder(match.group("path")):
        return None
    host, path = match.group("host"), match.group("path")
    if host is not None and not ("." in host or ":" in host or host == "localhost"):
        path, host = f"{host}/{path}", None  # `team/app`: the first part is a Docker Hub namespace
        if _REFERENCE.fullmatch(path) is None or path != path.lower():
            return None
    if host is None:
        registry, repository = "docker.io", path if "/" in path else f"library/{path}"
    else:
        registry, repository = host.lower(), path
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = "docker.io"
    if registry == "docker.io" and "/" not in repository:
        repository = f"library/{repository}"
    return ImageRef(registry, repository, match.group("tag") or "", match.group("digest") or "")


def _placeholder(path: str) -> bool:
    return path.rsplit("/", 1)[-1].replace("-", "_") in _PLACEHOLDER_WORDS
