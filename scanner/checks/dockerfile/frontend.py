"""The BuildKit frontend a Dockerfile chooses with its `# syntax=` parser directive.

The frontend is an image that BuildKit pulls and runs to read the rest of the file: it decides
what every instruction does, whatever the file says. Only the frontends in the rule's
`frontends` option (Docker's own, `docker.io/docker/dockerfile`, by default) are trusted; a tag or
digest on the reference does not change whose image it is.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.dockerfile import DockerfileModel
from scanner.model.image_ref import parse
from scanner.nodes import Location
from scanner.results.findings import Hit

_HUB_ALIASES = ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com")


def _repository(reference: str) -> str:
    """`registry/repository` of an image reference, Docker Hub spelt one way; text that is no
    reference stays as written, so it matches no trusted frontend."""
    ref = parse(reference)
    if ref is None:
        return reference
    registry = "docker.io" if ref.registry in _HUB_ALIASES else ref.registry
    return f"{registry}/{ref.repository}"


def untrusted_frontend(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    trusted = {_repository(str(name)) for name in ctx.option("frontends") or ()}
    for info in model.files:
        directives = info.tree.directives
        frontend = directives.get("syntax", "").strip()
        if not frontend or _repository(frontend) in trusted:
            continue
        # Parser directives are the file's first lines, one each, in the order they are kept.
        line = list(directives).index("syntax") + 1
        loc = Location(info.path, line, 1, line, len(f"# syntax={frontend}") + 1)
        yield Hit(loc, f"Dockerfile {info.path}", "syntax", {"frontend": frontend})
