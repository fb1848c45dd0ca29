"""Image reference rules: digest pinning, mutable tags, registry allow-list.

A Compose service that builds its image names the result with `image:`; that name is not pulled,
so image rules skip such services. Templated references and placeholders are unknown and skipped
(`scanner.model.image_ref`), and so are names a skaffold artifact of the scan lists, which skaffold
replaces with the image it built (`scanner.model.builds`).
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.container import Containers, ContainerSpec
from scanner.model.image_ref import ImageRef, parse
from scanner.nodes import Scalar
from scanner.results.findings import Hit


def _pulled_images(containers: Containers) -> Iterator[tuple[ContainerSpec, Scalar, ImageRef]]:
    for container in containers:
        node = container.image
        if container.builds_image or not isinstance(node, Scalar) or not isinstance(node.value, str):
            continue
        ref = parse(node.value)
        if ref is not None and ref.full_name not in containers.built_images:
            yield container, node, ref


def image_not_pinned(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container, node, ref in _pulled_images(containers):
        if not ref.digest:
            yield container.hit(node, "image", image=str(node.value))


def image_mutable_tag(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container, node, ref in _pulled_images(containers):
        if ref.mutable:
            yield container.hit(node, "image", image=str(node.value))


def image_untrusted_registry(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """Silent unless registries are configured (`trusted_registries`, or the rule's option)."""
    allowed = [entry for entry in (*containers.trusted_registries, *(ctx.option("registries") or ()))
               if entry.strip()]
    if not allowed:
        return
    for container, node, ref in _pulled_images(containers):
        if not ref.trusted(allowed):
            yield container.hit(node, "image", image=str(node.value),
                         registry=ref.registry)
