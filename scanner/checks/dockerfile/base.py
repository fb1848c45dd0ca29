"""Base images: tags, digests, variables that hide the image, and the registry it comes from.

`FROM builder` names a stage, not an image, and `FROM scratch` is empty: neither is judged. Build
stages are judged like the final one, because what a builder image contains is compiled into
what ships. `COPY --from=<image>` pulls from an image too, so it is held to the same tag rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import key
from scanner.model.dockerfile import DockerfileModel, Stage
from scanner.model.image_ref import ImageRef, parse
from scanner.nodes import Location
from scanner.parse.dockerfile import Instruction
from scanner.results.findings import Hit


@dataclass(frozen=True)
class BaseUse:
    """One place an image is pulled: a FROM line or a `COPY --from=<image>`."""

    stage: Stage
    instruction: Instruction
    written: str
    image: str | None
    loc: Location


def image_uses(model: DockerfileModel) -> Iterator[BaseUse]:
    for stage in model.stages():
        if stage.base_kind in ("image", "unknown"):
            words = list(re.finditer(r"\S+", stage.from_.args))
            if words:
                start = stage.from_.args_start + words[0].start()
                loc = stage.from_.locate(start, start + len(stage.base))
                yield BaseUse(stage, stage.from_, stage.base, stage.image, loc)
        for instruction in stage.of("COPY", "ADD"):
            flag = instruction.flag("from")
            image = stage.expand(instruction, flag.value) if flag and flag.value else None
            if flag and image and not image.isdigit() and stage.file.stage_named(image) is None:
                loc = instruction.locate(flag.start + len("--from="), flag.end)
                yield BaseUse(stage, instruction, flag.value or "", image, loc)


def _known_images(model: DockerfileModel) -> Iterator[tuple[BaseUse, ImageRef]]:
    for use in image_uses(model):
        ref = parse(use.image) if use.image and use.image.lower() != "scratch" else None
        if ref is not None:
            yield use, ref


def latest_tag(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for use, ref in _known_images(model):
        if ref.mutable:
            yield Hit(use.loc, use.stage.label, key(use.instruction, "image"),
                      {"image": use.image or "", "problem": "has no tag" if not ref.tag else "uses the latest tag"})


def no_digest(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for use, ref in _known_images(model):
        if not ref.digest and not ref.mutable and use.instruction.keyword == "FROM":
            yield Hit(use.loc, use.stage.label, key(use.instruction, "digest"), {"image": use.image or ""})


def unknown_base(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for use in image_uses(model):
        if use.image is None and use.instruction.keyword == "FROM":
            yield Hit(use.loc, use.stage.label, key(use.instruction, "variable"), {"image": use.written})


def untrusted_registry(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    trusted = [t for t in (*(ctx.option("registries") or ()), *model.trusted_registries) if t.strip()]
    if not trusted:
        return
    for use, ref in _known_images(model):
        if not ref.trusted(trusted):
            yield Hit(use.loc, use.stage.label, key(use.instruction, "registry"),
                      {"image": use.image or "", "registry": ref.registry})
