"""Dockerfile model: stages, what each is built from, its variables and its effective user.

Rules judge a build stage leniently and the image that ships strictly, so they need to know which
stages end up in the final image (the last stage and the stages it is built `FROM`), which base
names are stage aliases rather than registry images, and what `ARG`/`ENV` variables hold where
that can be known. A value that depends on a `--build-arg` without a default, or on the base
image's environment, is unknown (None), and rules stay silent about it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.boundary import Boundary, Refused
from scanner.inputs.discover import relative_name
from scanner.inputs.parsed import ParsedFile
from scanner.model.dockerfile_vars import Scope, expand, parse_assignments
from scanner.parse.dockerfile import Dockerfile, Instruction
from scanner.results.findings import ScanError
from scanner.settings.config import Config

NONROOT_IMAGES = (
    re.compile(r"^gcr\.io/distroless/[^@]*:(?:[\w.-]*-)?nonroot(?:@.*)?$"),
    re.compile(r"^cgr\.dev/chainguard/static(?::[\w.-]+)?(?:@.*)?$"),
    re.compile(r"^mcr\.microsoft\.com/windows/nanoserver(?::[\w.-]+)?(?:@.*)?$"),
)
ROOT_USERS = frozenset({"root", "0", "containeradministrator"})


@dataclass(frozen=True)
class User:
    """The user a stage runs as: `name` None when unknown; `instruction` None for the base default."""

    name: str | None
    instruction: Instruction | None
    stage: Stage

    @property
    def is_root(self) -> bool | None:
        if self.name is None:
            return None
        return self.name.strip().lower() in ROOT_USERS


@dataclass(eq=False)
class Stage:
    index: int
    file: DockerfileInfo
    from_: Instruction
    base: str
    image: str | None
    name: str = ""
    platform: str | None = None
    parent: Stage | None = None
    instructions: list[Instruction] = field(default_factory=list)
    scope: Scope = field(default_factory=Scope)
    is_final: bool = False
    in_final_image: bool = False
    referenced: bool = False

    @property
    def label(self) -> str:
        """How findings name the stage: `Dockerfile` alone, else `stage "name"` or `stage 1`."""
        if len(self.file.stages) == 1:
            return "Dockerfile"
        return f'stage "{self.name}"' if self.name else f"stage {self.index}"

    @property
    def is_scratch(self) -> bool:
        return self.parent is None and (self.image or "").lower() == "scratch"

    @property
    def base_kind(self) -> str:
        """What `FROM` names: "stage" (an earlier stage), "scratch", "image", or "unknown"."""
        if self.parent is not None:
            return "stage"
        if self.image is None:
            return "unknown"
        return "scratch" if self.is_scratch else "image"

    @property
    def nonroot_base(self) -> bool:
        """A base image known to run as a non-root user (distroless `:nonroot` and the like)."""
        return self.base_kind == "image" and any(p.match(self.image or "") for p in NONROOT_IMAGES)

    def of(self, *keywords: str) -> Iterator[Instruction]:
        return (i for i in self.instructions if i.keyword in keywords)

    def expand(self, instruction: Instruction, value: str) -> str | None:
        """`value` with variables substituted as they stand at `instruction`; None if unknown."""
        return expand(value, self.scope.lookup_at(instruction), self.file.escape)

    @property
    def user(self) -> User:
        """The effective USER at the end of the stage, inherited through `FROM <stage>`."""
        for stage in self.ancestry:
            for instruction in reversed(stage.instructions):
                if instruction.keyword == "USER":
                    value = instruction.args.strip().split(":", 1)[0]
                    return User(stage.expand(instruction, value) if value else None, instruction, stage)
        root = self.ancestry[-1]
        if root.nonroot_base:
            return User("nonroot", None, root)
        return User("root" if root.image is not None and root.parent is None else None, None, root)

    @property
    def ancestry(self) -> list[Stage]:
        """This stage and the stages it is built from, nearest first."""
        chain: list[Stage] = []
        current: Stage | None = self
        while current is not None:  # parents always come earlier in the file, so this ends
            chain.append(current)
            current = current.parent
        return chain


@dataclass(eq=False)
class DockerfileInfo:
    path: str
    tree: Dockerfile
    fs_path: Path | None
    stages: list[Stage] = field(default_factory=list)
    global_scope: Scope = field(default_factory=Scope)
    dockerignore: list[str] | None = None
    dockerignore_refused: ScanError | None = None  # an ignore file exists but was not read: unknown

    @property
    def escape(self) -> str:
        return self.tree.escape

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage_named(self, name: str) -> Stage | None:
        if name.isdigit():
            index = int(name)
            return self.stages[index] if index < len(self.stages) else None
        return next((s for s in self.stages if s.name and s.name == name.lower()), None)


@dataclass
class DockerfileModel:
    files: list[DockerfileInfo]
    trusted_registries: tuple[str, ...] = ()
    read_errors: list[ScanError] = field(default_factory=list)  # auxiliary files not read

    def stages(self) -> Iterator[Stage]:
        for info in self.files:
            yield from info.stages


def build(files: Sequence[ParsedFile], config: Config) -> DockerfileModel:
    boundary = Boundary(config.root, config.limits.max_file_bytes)
    infos = [analyse(f.rel, f.tree, f.path, boundary) for f in files
             if f.type == "dockerfile" and isinstance(f.tree, Dockerfile)]
    errors = [info.dockerignore_refused for info in infos if info.dockerignore_refused is not None]
    return DockerfileModel(infos, tuple(config.trusted_registries), errors)


def analyse(path: str, tree: Dockerfile, fs_path: Path | None = None,
            boundary: Boundary | None = None) -> DockerfileInfo:
    info = DockerfileInfo(path, tree, fs_path)
    if fs_path is not None:
        boundary = boundary or Boundary(fs_path.parent)
        info.dockerignore, info.dockerignore_refused = ignore_patterns(fs_path, boundary)
    stage: Stage | None = None
    for instruction in tree.instructions:
        if instruction.keyword == "FROM":
            stage = _new_stage(info, instruction)
            info.stages.append(stage)
            continue
        scope = stage.scope if stage else info.global_scope
        if stage:
            stage.instructions.append(instruction)
        if instruction.keyword in ("ARG", "ENV"):
            _assign(scope, info.global_scope if stage else None, instruction, tree.escape)
    if info.stages:
        info.stages[-1].is_final = True
        for ancestor in info.stages[-1].ancestry:
            ancestor.in_final_image = True
    _mark_referenced(info)
    return info


def ignore_patterns(dockerfile: Path, boundary: Boundary) -> tuple[list[str] | None, ScanError | None]:
    """The `.dockerignore` patterns for a build run in the Dockerfile's folder (BuildKit's
    `<name>.dockerignore` first); None when there is no ignore file. An ignore file that exists but
    is not read (a link out of the root, a device such as `/dev/zero`, a file over the size limit)
    gives None and the error naming it: what it excludes is unknown, not absent."""
    for candidate in (dockerfile.with_name(dockerfile.name + ".dockerignore"),
                      dockerfile.with_name(".dockerignore")):
        if not os.path.lexists(candidate):
            continue
        try:
            text = boundary.read_text(candidate)
        except Refused as refused:
            return None, ScanError(relative_name(candidate, boundary.root.resolve()),
                                   f"{refused}; the build context it decides is unknown")
        return [line.strip() for line in text.splitlines()
                if line.strip() and not line.strip().startswith("#")], None
    return None, None


def _new_stage(info: DockerfileInfo, instruction: Instruction) -> Stage:
    words = instruction.args.split()
    base = words[0] if words else ""
    name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else ""
    lookup = info.global_scope.lookup_final()
    image = expand(base, lookup, info.escape)
    platform_flag = instruction.flag("platform")
    platform = expand(platform_flag.value or "", lookup, info.escape) if platform_flag else None
    parent = info.stage_named(image) if image and not image.isdigit() else None
    stage = Stage(len(info.stages), info, instruction, base, image, name, platform, parent)
    stage.scope = Scope(parent=parent.scope if parent else None, allowance=info.global_scope.allowance)
    return stage


def _assign(scope: Scope, global_scope: Scope | None, instruction: Instruction, escape: str) -> None:
    is_env = instruction.keyword == "ENV"
    for assignment in parse_assignments(instruction.args, legacy=is_env):
        name, value = assignment.name, assignment.value
        if value is not None:
            value = expand(value, scope.lookup_at(None), escape)
        elif not is_env and global_scope is not None:
            value = global_scope.lookup_final()(name)[1]
        scope.assign(name, value, instruction, env=is_env)


def _mark_referenced(info: DockerfileInfo) -> None:
    for stage in info.stages:
        if stage.parent is not None:
            stage.parent.referenced = True
        for instruction in stage.instructions:
            names = instruction.flag_values("from")
            for mount in instruction.flag_values("mount"):
                names += re.findall(r"(?:^|,)from=([^,]+)", mount)
            for name in names:
                target = info.stage_named(name)
                if target is not None:
                    target.referenced = True
