"""Image reference rules: digest pinning, mutable tags, registry allow-list.

A Compose service that builds its image names the result with `image:`; that name is not pulled,
so image rules skip such services. Templated references are unknown and skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from scanner.catalog import RuleContext
from scanner.findings import Hit
from scanner.model.container import Containers, ContainerSpec
from scanner.nodes import Scalar


class ImageRef(NamedTuple):
    registry: str
    repository: str
    tag: str
    digest: str

    @property
    def full_name(self) -> str:
        """`docker.io/library/nginx` for `nginx`: the form allow-list entries are compared with."""
        if self.registry == "docker.io" and not self.repository.startswith("docker.io/"):
            path = self.repository if "/" in self.repository else f"library/{self.repository}"
            return f"docker.io/{path}"
        return self.repository


def parse_image(reference: str) -> ImageRef:
    name, _, digest = reference.strip().partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    repository = name[: len(name) - len(tag) - 1] if tag else name
    first = repository.split("/", 1)[0]
    explicit = "/" in repository and ("." in first or ":" in first or first == "localhost")
    return ImageRef(first if explicit else "docker.io", repository, tag, digest)


def _pulled_images(containers: Containers) -> Iterator[tuple[ContainerSpec, Scalar, ImageRef]]:
    for container in containers:
        node = container.image
        if container.builds_image or not isinstance(node, Scalar) or not isinstance(node.value, str):
            continue
        if node.value.strip():
            yield container, node, parse_image(node.value)


def image_not_pinned(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container, node, ref in _pulled_images(containers):
        if not ref.digest:
            yield container.hit(node, "image", image=str(node.value))


def image_mutable_tag(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container, node, ref in _pulled_images(containers):
        if not ref.digest and ref.tag.lower() in ("", "latest"):
            yield container.hit(node, "image", image=str(node.value))


def image_untrusted_registry(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """Silent unless registries are configured (`trusted_registries`, or the rule's option)."""
    allowed = [entry.strip().rstrip("/") for entry in
               (*containers.trusted_registries, *(ctx.option("registries") or ())) if entry.strip()]
    if not allowed:
        return
    for container, node, ref in _pulled_images(containers):
        names = (ref.full_name, ref.repository)
        if not any(name == entry or name.startswith(entry + "/") for name in names for entry in allowed):
            yield container.hit(node, "image", image=str(node.value),
                         registry=ref.registry)
