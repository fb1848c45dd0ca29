"""What the project builds itself: the images its skaffold.yaml and Compose files build, and from
which Dockerfile.

Read once before the units, as kustomizations are, because it changes how other files read:
- an image name that a skaffold artifact lists (`image: cartservice`) is a name skaffold replaces
  with the image it built, tag and digest included, when it deploys; in the manifests it is a
  placeholder, so image rules treat it as unknown, not as an untagged image from Docker Hub;
- a Dockerfile that a Compose service with its own `healthcheck:` builds, or that a skaffold
  artifact builds into an image the scan deploys with probes, has its health checked where it
  runs, so a missing HEALTHCHECK (DKR061) is no finding.
Only what the files state is related: a Dockerfile is tied to an image by a `build:` or an
artifact's `context`, never by a folder's name.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.nodes import Mapping, Node, dig, text, truth
from scanner.nodes import Sequence as NodeSequence

SKAFFOLD_NAME = re.compile(r"skaffold[\w.-]*\.ya?ml", re.IGNORECASE)
DKR_HEALTHCHECK_RULE = "DKR061"


@dataclass(frozen=True)
class Build:
    """One image the project builds: the name manifests use, the Dockerfile it comes from, and
    whether the service that builds it checks its health itself (Compose `healthcheck:`)."""

    image: str
    dockerfile: str
    source: str
    checked: bool = False


@dataclass(frozen=True)
class Builds:
    builds: tuple[Build, ...] = ()

    @property
    def artifact_images(self) -> frozenset[str]:
        """Image names (`registry/repository`, as `image_ref` spells them) that a deploy tool
        replaces with the image it built (skaffold artifacts)."""
        return frozenset(_full_name(b.image) for b in self.builds
                         if SKAFFOLD_NAME.fullmatch(posixpath.basename(b.source))) - {""}

    def note(self) -> str:
        """What the scan takes on trust from its own skaffold files, said in every report: the
        images those names stand for are not judged as written ("" without artifacts)."""
        from scanner.boundary import printable

        names = sorted({b.image for b in self.builds if SKAFFOLD_NAME.fullmatch(posixpath.basename(b.source))})
        if not names:
            return ""
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        sources = ", ".join(sorted({b.source for b in self.builds if b.image in names}))
        return printable(f"{sources} builds {shown}: images of these names in the manifests are what "
                         "skaffold builds and deploys, judged as unknown by the image rules")

    def healthchecked(self, probed_images: Iterable[str]) -> frozenset[str]:
        """Dockerfiles whose image has its health checked where it runs (`probed_images`: full
        names of images run with a Kubernetes probe)."""
        probed = set(probed_images)
        return frozenset(b.dockerfile for b in self.builds
                         if b.checked or (b.image and _full_name(b.image) in probed))


def _full_name(image: str) -> str:
    from scanner.model.image_ref import parse

    ref = parse(image)
    return ref.full_name if ref is not None else ""


def _dockerfile(source: str, context: str | None, dockerfile: str | None) -> str:
    folder = posixpath.join(posixpath.dirname(source), context or ".")
    return posixpath.normpath(posixpath.join(folder, dockerfile or "Dockerfile"))


def from_skaffold(documents: Sequence[Node], source: str) -> Iterator[Build]:
    """Artifacts of every configuration and profile in a skaffold.yaml."""
    for document in documents:
        if not (text(dig(document, "apiVersion")) or "").startswith("skaffold/"):
            continue
        builds = [dig(document, "build")]
        profiles = dig(document, "profiles")
        builds += [dig(p, "build") for p in profiles.items] if isinstance(profiles, NodeSequence) else []
        for build in builds:
            artifacts = dig(build, "artifacts")
            for artifact in artifacts.items if isinstance(artifacts, NodeSequence) else ():
                image = text(dig(artifact, "image"))
                if image:
                    yield Build(image, _dockerfile(source, text(dig(artifact, "context")),
                                                   text(dig(artifact, "docker", "dockerfile"))), source)


def from_compose(documents: Sequence[Node], source: str) -> Iterator[Build]:
    """Services that build an image, with the name they give it and whether they check its health."""
    for document in documents:
        services = dig(document, "services")
        for service in services.values.values() if isinstance(services, Mapping) else ():
            build = dig(service, "build")
            if build is None:
                continue
            context = text(build) if not isinstance(build, Mapping) else text(build.get("context"))
            dockerfile = text(build.get("dockerfile")) if isinstance(build, Mapping) else None
            check = dig(service, "healthcheck")
            checked = isinstance(check, Mapping) and truth(check.get("disable")) is not True \
                and (text(dig(check, "test")) or "x").upper() != "NONE"
            yield Build(text(dig(service, "image")) or "", _dockerfile(source, context, dockerfile), source, checked)


COMPOSE_NAME = re.compile(r"(?:docker-)?compose[\w.-]*\.ya?ml", re.IGNORECASE)


def states_builds(name: str) -> bool:
    """Whether a file of this name may state builds (read ahead of the units)."""
    return bool(SKAFFOLD_NAME.fullmatch(name) or COMPOSE_NAME.fullmatch(name))


def build(files: Sequence[Any], config: Any = None) -> Builds:
    """The builds the given parsed files state (skaffold configurations, Compose files); the
    engine reads the scan's own before any unit, and gives every unit that."""
    found: list[Build] = []
    for parsed in files:
        name = posixpath.basename(parsed.rel)
        if parsed.error is not None or not isinstance(parsed.tree, list):
            continue
        if SKAFFOLD_NAME.fullmatch(name):
            found.extend(from_skaffold(parsed.tree, parsed.rel))
        elif parsed.type == "compose":
            found.extend(from_compose(parsed.tree, parsed.rel))
    return Builds(tuple(found))


def without_checked_healthchecks(findings: Sequence[Any], builds: Builds, probed_images: Iterable[str]) -> list[Any]:
    """DKR061 findings of Dockerfiles whose image has its health checked where it runs, left out:
    the probe or the Compose healthcheck is that check."""
    checked = builds.healthchecked(probed_images)
    if not checked:
        return list(findings)
    return [f for f in findings if not (f.rule == DKR_HEALTHCHECK_RULE and f.path in checked)]
