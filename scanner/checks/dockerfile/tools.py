"""Tools that should not ship: compilers and build chains, sudo, an SSH server; and single-stage
builds that compile, leaving their toolchain in the image.

Packages removed again are not reported: `apk add --virtual .build-deps ... && apk del .build-deps`,
`apt-get purge gcc`, and the official images' `apt-mark auto '.*' ... apt-get purge --auto-remove`
idiom that drops everything a RUN installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import every, shipped, word_hit
from scanner.checks.dockerfile.packages import INSTALL, PackageCommand, package_commands
from scanner.model.dockerfile import DockerfileModel, Stage
from scanner.model.dockerfile_vars import parse_assignments
from scanner.parse.dockerfile import Instruction
from scanner.parse.shell import Word, commands
from scanner.results.findings import Hit

BUILD_TOOLS = re.compile(
    r"^(?:gcc|g\+\+|cpp|clang|clang\+\+|llvm|make|cmake|ninja-build|build-essential|build-base|"
    r"autoconf|automake|libtool|git|gcc-c\+\+|musl-dev|libc6?-dev|golang|rustc|cargo|maven|gradle|"
    r"gfortran|bison|flex|[\w.+-]+-dev|[\w.+-]+-devel)(?:[=:<>].*)?$")
SSH_SERVERS = re.compile(r"^(?:openssh-server|openssh|dropbear|openssh-server-pam)(?:[=:<>].*)?$")
REMOVE = frozenset({"remove", "purge", "autoremove", "del", "erase", "rm"})
COMPILE = (
    re.compile(r"^go (?:build|install)\b"), re.compile(r"^cargo (?:build|install)\b"),
    re.compile(r"^(?:mvn|\./mvnw|mvnw)\b.*\b(?:package|install|verify|compile)\b"),
    re.compile(r"^(?:gradle|\./gradlew|gradlew)\b.*\b(?:build|assemble|bootJar|jar|installDist)\b"),
    re.compile(r"^(?:npm|yarn|pnpm) (?:run )?build\b"), re.compile(r"^dotnet (?:build|publish)\b"),
    re.compile(r"^(?:make|gcc|g\+\+|cc|clang|javac|rustc|tsc)\b(?! (?:install|clean|uninstall)\b)"),
)


def installed(instruction: Instruction, names: re.Pattern[str]) -> Iterator[tuple[PackageCommand, Word]]:
    """Packages matching `names` installed by this RUN and not removed again in the same RUN."""
    found = list(package_commands(instruction))
    removed = {w.value for p in found if p.verb.value in REMOVE for w in p.packages}
    purge_all = re.search(r"apt-mark\s+auto\b", instruction.text) is not None and any(
        p.verb.value == "autoremove" or (p.verb.value in ("purge", "remove") and p.has_option("--auto-remove"))
        for p in found)
    for pkg in found:
        if pkg.verb.value not in INSTALL or pkg.manager == "pip" or purge_all:
            continue
        virtual = _option_value(pkg, "--virtual", "-t")
        if virtual and virtual in removed:
            continue
        for word in pkg.packages:
            if names.match(word.value) and word.value not in removed:
                yield pkg, word


def _option_value(pkg: PackageCommand, *names: str) -> str:
    argv = pkg.command.argv
    for index, word in enumerate(argv[:-1]):
        if word.value in names:
            return argv[index + 1].value
        for name in names:
            if word.value.startswith(name + "="):
                return word.value.split("=", 1)[1]
    return ""


def _shipped_packages(model: DockerfileModel, names: re.Pattern[str]
                      ) -> Iterator[tuple[Stage, Instruction, list[Word]]]:
    """Matching packages each shipped RUN installs and no later shipped RUN removes."""
    runs = list(shipped(model, "RUN"))
    removed_later: list[set[str]] = [set() for _ in runs]
    later: dict[int, set[str]] = {}
    for index in range(len(runs) - 1, -1, -1):
        stage, instruction = runs[index]
        file_set = later.setdefault(id(stage.file), set())
        removed_later[index] = set(file_set)
        file_set.update(w.value for p in package_commands(instruction) if p.verb.value in REMOVE for w in p.packages)
    for (stage, instruction), gone in zip(runs, removed_later):
        words = [w for _, w in installed(instruction, names) if w.value not in gone]
        if words:
            yield stage, instruction, words


# A language toolchain image (docker-library's golang, python, node...) ships its compiler on
# purpose: it pins the toolchain's version itself, and its command is the toolchain, not an app.
_TOOLCHAIN_VERSION = re.compile(
    r"^(?:(?:GOLANG|GO|PYTHON|NODE|RUST|RUSTUP|JAVA|JDK|OPENJDK|RUBY|PHP|GCC|DOTNET_SDK|MAVEN|GRADLE|"
    r"ERLANG|ELIXIR|GHC|SWIFT|JULIA|PERL|ZIG)_(?:VERSION|COMMIT)|GOPATH|GOTOOLCHAIN|CARGO_HOME|RUSTUP_HOME)$")
_TOOLCHAIN_COMMAND = re.compile(
    r"^(?:.*/)?(?:python\d*(?:\.\d+)?|go|node|irb|php|jshell|ghci|swift|julia|perl|erl|iex|zig|bash|sh)$")


def toolchain_image(stage: Stage) -> bool:
    """Whether the image's purpose is the compiler: it sets a toolchain's own variables
    (`GOLANG_VERSION`, `GOPATH`, `CARGO_HOME`...) and runs nothing but that toolchain or a shell
    (`CMD ["python3"]`, or no command at all)."""
    ancestry = stage.ancestry
    if not any(_TOOLCHAIN_VERSION.match(assignment.name) for s in ancestry for instruction in s.of("ENV")
               for assignment in parse_assignments(instruction.args, legacy=True)):
        return False
    for keyword in ("CMD", "ENTRYPOINT"):
        found = next((i for s in ancestry for i in reversed(list(s.of(keyword)))), None)
        if found is not None:
            argv = found.exec_form if found.exec_form is not None else found.args.split()
            return len(argv) == 1 and _TOOLCHAIN_COMMAND.match(argv[0]) is not None
    return True


def build_tools(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction, words in _shipped_packages(model, BUILD_TOOLS):
        if toolchain_image(stage):
            continue
        listed = ", ".join(dict.fromkeys(w.value for w in words))
        yield word_hit(stage, instruction, words[0], "build-tools", packages=listed)


def ssh_server(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction, words in _shipped_packages(model, SSH_SERVERS):
        yield word_hit(stage, instruction, words[0], "ssh-server", package=words[0].value)


def sudo(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction, words in _shipped_packages(model, re.compile(r"^sudo(?:[=:<>].*)?$")):
        yield word_hit(stage, instruction, words[0], "sudo-installed", how="installs sudo")
    for stage, instruction in every(model, "RUN"):
        for command in commands(instruction):
            if command.words and command.words[0].value.rsplit("/", 1)[-1] == "sudo":
                yield word_hit(stage, instruction, command.words[0], "sudo-used", how="runs a command with sudo")
                break


def single_stage_compile(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for info in model.files:
        if len(info.stages) != 1:
            continue
        stage = info.stages[0]
        for instruction in stage.of("RUN"):
            if _cleans_up(instruction):
                continue
            found = _compile_command(instruction)
            if found is not None:
                yield word_hit(stage, instruction, found[0], "compile", command=found[1])
                break


def _compile_command(instruction: Instruction) -> tuple[Word, str] | None:
    for command in commands(instruction):
        argv = command.argv
        line = " ".join(w.value for w in argv[:4])
        if argv and any(p.match(line) for p in COMPILE):
            shown = [w.value for w in argv[:2] if not w.value.startswith("-")]
            return argv[0], " ".join(shown)
    return None


def _cleans_up(instruction: Instruction) -> bool:
    """The official-image idiom: build dependencies installed and removed in one layer."""
    return any(p.verb.value in REMOVE and p.manager in ("apt", "apk", "yum", "dnf")
               for p in package_commands(instruction))
