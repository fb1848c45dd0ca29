"""Package-manager hygiene in the image that ships: recommends, caches, lists and upgrades.

Only stages that end up in the final image are judged (the last stage and the stages it is built
`FROM`): a builder stage's cache never reaches users. A cache kept out of the layer by a BuildKit
cache mount (`RUN --mount=type=cache,target=/var/cache/apk`) counts as cleaned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import inherited, shipped, word_hit
from scanner.model.dockerfile import DockerfileModel
from scanner.parse.dockerfile import Instruction
from scanner.parse.shell import Command, Word, commands, options_and_operands
from scanner.results.findings import Hit

MANAGERS = {
    "apt-get": "apt", "apt": "apt", "aptitude": "apt", "apk": "apk", "yum": "yum", "dnf": "dnf",
    "microdnf": "dnf", "tdnf": "dnf", "zypper": "zypper", "pip": "pip", "pip3": "pip",
}
VALUE_OPTIONS = frozenset({
    "-o", "-t", "-c", "--option", "--target-release", "--virtual", "-X", "--repository", "--root",
    "-p", "--arch", "-r", "--requirement", "-i", "--index-url", "--extra-index-url", "-f",
    "--find-links", "--target", "--prefix", "--constraint", "--setopt", "--installroot",
})
_RECOMMENDS_OFF = re.compile(r"Install-Recommends\W+(?:0|false)", re.IGNORECASE)
INSTALL = frozenset({"install", "add", "in"})


@dataclass(frozen=True)
class PackageCommand:
    """`apt-get install -y gcc`: manager `apt`, verb `install`, options and package words."""

    manager: str
    verb: Word
    options: list[Word]
    packages: list[Word]
    command: Command

    def has_option(self, *names: str) -> bool:
        return any(o.value == n or o.value.startswith(n + "=") for o in self.options for n in names)


def package_command(command: Command) -> PackageCommand | None:
    argv = command.argv
    name = command.name
    if re.fullmatch(r"pip[\d.]*", name):
        name = "pip"
    elif re.fullmatch(r"python[\d.]*", name) and len(argv) > 2 and argv[1].value == "-m" \
            and argv[2].value in ("pip", "pip3"):
        name, argv = "pip", argv[2:]
    manager = MANAGERS.get(name)
    if manager is None:
        return None
    options, operands = options_and_operands(argv[1:], VALUE_OPTIONS)
    if not operands:
        return None
    verb, packages = operands[0], operands[1:]
    options.extend(o for o in argv[1:] if o.value.startswith("-") and o not in options)
    return PackageCommand(manager, verb, options, packages, command)


def _first(pkg: PackageCommand) -> str:
    """The first package named: tells two installs in one RUN apart in the fingerprint."""
    return pkg.packages[0].value if pkg.packages else ""


def package_commands(instruction: Instruction) -> Iterator[PackageCommand]:
    for command in commands(instruction):
        found = package_command(command)
        if found is not None:
            yield found


def cache_mounted(instruction: Instruction, path_fragment: str) -> bool:
    return any("type=cache" in m and path_fragment in m for m in instruction.flag_values("mount"))


def removes(instruction: Instruction, path_fragment: str) -> bool:
    """Whether a `rm` in the same RUN deletes something under `path_fragment`."""
    return any(c.name == "rm" and any(path_fragment in w.value for w in c.argv[1:])
               for c in commands(instruction))


def apt_recommends(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    quiet = inherited(model, lambda s: any(_RECOMMENDS_OFF.search(i.text) for i in s.of("RUN")))
    for stage, instruction in shipped(model, "RUN"):
        if id(stage) in quiet:
            continue  # turned off for every install by an apt.conf.d file
        for pkg in package_commands(instruction):
            if pkg.manager == "apt" and pkg.verb.value == "install" and pkg.packages \
                    and not pkg.has_option("--no-install-recommends") \
                    and not any("Install-Recommends=" in o.value for o in pkg.command.argv):
                yield word_hit(stage, instruction, pkg.verb, f"apt-install:{pkg.packages[0].value}")


def apt_lists(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in shipped(model, "RUN"):
        if removes(instruction, "/var/lib/apt/lists") or cache_mounted(instruction, "/var/lib/apt"):
            continue
        found = list(package_commands(instruction))
        if any(p.manager == "apt" and p.verb.value == "dist-clean" for p in found):
            continue
        for pkg in found:
            if pkg.manager == "apt" and pkg.verb.value == "update":
                word = pkg.command.argv[0]
                yield word_hit(stage, instruction, word, "apt-update")
                break


def apk_no_cache(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in shipped(model, "RUN"):
        if removes(instruction, "/var/cache/apk") or cache_mounted(instruction, "/var/cache/apk") \
                or cache_mounted(instruction, "/etc/apk/cache"):
            continue
        for pkg in package_commands(instruction):
            if pkg.manager == "apk" and pkg.verb.value == "add" and not pkg.has_option("--no-cache"):
                yield word_hit(stage, instruction, pkg.verb, f"apk-add:{_first(pkg)}")


def pip_cache(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in shipped(model, "RUN"):
        if stage.expand(instruction, "${PIP_NO_CACHE_DIR}") not in (None, "", "0", "false", "no") \
                or cache_mounted(instruction, "pip") or cache_mounted(instruction, "/root/.cache") \
                or removes(instruction, ".cache/pip") or removes(instruction, "/root/.cache"):
            continue
        for pkg in package_commands(instruction):
            if pkg.manager == "pip" and pkg.verb.value == "install" \
                    and not pkg.has_option("--no-cache-dir") and not _pip_cache_off(pkg):
                yield word_hit(stage, instruction, pkg.verb, f"pip-install:{_first(pkg)}")


def _pip_cache_off(pkg: PackageCommand) -> bool:
    return any(re.match(r"PIP_NO_CACHE_DIR=(?!0|false|no)", w.value, re.IGNORECASE)
               for w in pkg.command.words)


_CLEAN = {"yum": ("/var/cache/yum",), "dnf": ("/var/cache/dnf", "/var/cache/yum"),
          "zypper": ("/var/cache/zypp",)}


def rpm_cache(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in shipped(model, "RUN"):
        found = list(package_commands(instruction))
        cleaned = {p.manager for p in found if p.verb.value in ("clean", "cc")}
        for pkg in found:
            if pkg.manager not in _CLEAN or pkg.verb.value not in INSTALL | {"update", "upgrade"}:
                continue
            if pkg.manager in cleaned or any(removes(instruction, path) or cache_mounted(instruction, path)
                                             for path in _CLEAN[pkg.manager]):
                continue
            yield word_hit(stage, instruction, pkg.verb, f"{pkg.manager}:{_first(pkg)}", manager=pkg.command.name)


def apt_upgrade(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in shipped(model, "RUN"):
        for pkg in package_commands(instruction):
            if pkg.manager == "apt" and pkg.verb.value in ("upgrade", "dist-upgrade", "full-upgrade"):
                yield word_hit(stage, instruction, pkg.verb, pkg.verb.value, verb=pkg.verb.value)
