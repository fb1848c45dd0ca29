"""The workspace as the scan sees it: one project per root, its configuration, its files on disk.

A project is found as `scan` finds one: the workspace folder holding the file (the deepest, when
folders nest), else the repository around it (the nearest folder above holding `.git`), else its
own folder. Its configuration is read from the root like `scan` reads it; a broken configuration
is said once and the project is judged with the defaults, never silently with half a gate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

from scanner.boundary import contains
from scanner.inputs.discover import SourceFile, relative_name
from scanner.results.result import ScanResult
from scanner.settings.config import Config

# An unsaved, unnamed buffer has only its language to tell its type: it is named as a file of that
# language would be, so that it is classified (and, for YAML, read by content) as one.
UNTITLED_SUFFIXES = {"dockerfile": ".dockerfile", "terraform": ".tf", "yaml": ".yaml", "json": ".json",
                     "helm": ".yaml", "docker-compose": ".yaml", "dockercompose": ".yaml"}


def file_path(uri: str) -> Path | None:
    """The file a `file:` URI names; None for any other scheme (`untitled:`)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


@dataclass
class Project:
    """One root: its configuration, what it says about it, its files (walked when first needed,
    again after a change on disk) and the memo that lets `judge_texts` judge only what changed."""

    root: Path
    config: Config
    messages: tuple[str, ...] = ()
    _sources: list[SourceFile] | None = None
    memo: dict[str, object] | None = None

    @classmethod
    def open(cls, root: Path) -> Project:
        config, messages = configure(root)
        return cls(root, config, messages, memo={})

    def sources(self) -> list[SourceFile]:
        if self._sources is None:
            from scanner.inputs.discover import walk

            self._sources = list(walk([str(self.root)], self.root, self.config.exclude))
        return self._sources

    def source_for(self, uri: str, language: str = "") -> SourceFile:
        """The file a buffer stands for, named as reports name it."""
        path = file_path(uri)
        if path is not None:
            return SourceFile(path, relative_name(path, self.root))
        name = unquote(urlparse(uri).path).rsplit("/", 1)[-1] or "untitled"
        name += UNTITLED_SUFFIXES.get(language, "")
        return SourceFile(self.root / name, name)

    def judge(self, buffers: Sequence[tuple[SourceFile, str]]) -> ScanResult:
        """The buffers judged with the files on disk, every string made safe to show."""
        from scanner.report.neutral import neutral
        from scanner.run.engine import judge_texts

        return neutral(judge_texts(buffers, self.sources(), self.config, self.memo))


def configure(root: Path) -> tuple[Config, tuple[str, ...]]:
    """The root's configuration as `scan` would build it without flags, and what to tell the user:
    what the configuration weakens, why the cache is off, or why the file could not be used."""
    from scanner.app import ScanOptions, UsageError, build_config
    from scanner.run.cache import refusal

    try:
        config = build_config(ScanOptions(root=root))
    except UsageError as exc:
        return Config(root=root), (f"configuration not used, judging with the defaults: {exc}",)
    messages = tuple(config.notes)
    if note := refusal(root):
        config, messages = replace(config, use_cache=False), (*messages, note)
    return config, messages


class Projects:
    """The projects of a workspace, by root, opened when a buffer first needs one."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = sorted({folder.resolve() for folder in folders}, key=lambda f: len(f.parts), reverse=True)
        self.by_root: dict[Path, Project] = {}

    def for_uri(self, uri: str) -> Project:
        root = self._root(file_path(uri))
        if root not in self.by_root:
            self.by_root[root] = Project.open(root)
        return self.by_root[root]

    def _root(self, path: Path | None) -> Path:
        if path is None:
            return self.folders[0] if self.folders else Path.cwd().resolve()
        path = path.resolve()
        for folder in self.folders:
            if contains(folder, path):
                return folder
        for folder in path.parents:
            if (folder / ".git").exists():
                return folder
        return path.parent

    def changed_on_disk(self) -> None:
        """Files were saved, created or deleted: configurations and file lists are read again
        (contents are compared by `judge_texts` itself)."""
        for root, project in list(self.by_root.items()):
            config, messages = configure(root)
            self.by_root[root] = Project(root, config, messages, memo=project.memo if config == project.config else {})
