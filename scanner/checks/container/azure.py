"""Secrets an Azure container service shows to anyone who can read the resource.

Container Instances keeps `secureValue` (Terraform: `secure_environment_variables`) out of the
API's responses and the portal, and Container Apps reads `secretRef` from its secret store; a
secret-looking variable set through the plain `value` is shown in both, whatever the value is
(a literal is also `secret-in-environment-literal`, which reports it instead)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.container.access import secret_like_name
from scanner.model.container import Containers
from scanner.results.findings import Hit


def secret_in_plain_environment(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        exposed = [var for var in container.env
                   if var.exposed and var.source != "literal" and secret_like_name(var.name)]
        if exposed:
            yield container.hit(exposed[0].loc, "env.exposed", names=", ".join(var.name for var in exposed))
