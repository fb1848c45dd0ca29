"""The user the shipped image runs as."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import key
from scanner.model.dockerfile import DockerfileModel
from scanner.results.findings import Hit, hit_at


def root_user(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    """The final stage's effective USER (inherited through `FROM <stage>`) is root or never set.

    A `USER` in an earlier, separate stage does not carry over; a distroless `:nonroot` base does.
    An unknown user (`USER $UID` with no default) is not reported.
    """
    for info in model.files:
        final = info.final
        if final is None:
            continue
        user = final.user
        if user.is_root is not True:
            continue
        if user.instruction is not None:
            instruction = user.instruction
            loc = instruction.locate(instruction.args_start, instruction.args_end)
            yield Hit(loc, final.label, key(instruction, "user"),
                      {"reason": f"sets USER {instruction.args.strip()}"})
        else:
            root = user.stage
            reason = ("is built FROM scratch and never sets USER, so it runs as UID 0" if root.is_scratch
                      else "never sets USER, so it runs as the base image's root user")
            yield hit_at(final.from_.loc, final.label, "no-user", reason=reason)
