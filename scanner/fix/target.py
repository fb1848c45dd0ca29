"""What a fix function receives: the finding, its file and the file's text positions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scanner.fix.source import Source, Unfixable
from scanner.results.findings import Finding


@dataclass
class Target:
    """`kind` is the file's scan type (kubernetes, compose, cloudformation, terraform,
    dockerfile); `tree` its parse tree; `options` the rule's options."""

    finding: Finding
    kind: str
    tree: Any
    source: Source
    options: dict[str, Any]

    @property
    def text(self) -> str:
        return self.source.text

    @cached_property
    def start(self) -> int:
        return self.source.offset(self.finding.line, self.finding.column)

    @cached_property
    def end(self) -> int:
        end = self.source.offset(self.finding.end_line, self.finding.end_column)
        return max(end, self.start)

    @property
    def written(self) -> str:
        """The text the finding points at."""
        return self.text[self.start:self.end]

    def option(self, name: str, default: Any) -> Any:
        value = self.options.get(name, default)
        if value in (None, ""):
            raise Unfixable(f"no value for `{name}` (set it under `rules:` in the configuration)")
        return value

    @cached_property
    def yaml(self) -> Any:
        """The YAML tree with parents and text positions (for YAML and JSON files)."""
        from scanner.fix.yaml_tree import YamlTree

        if self.kind not in ("kubernetes", "compose", "cloudformation", "yaml"):
            raise Unfixable(f"not a YAML file ({self.kind})")
        return YamlTree(self.tree or [], self.source)
