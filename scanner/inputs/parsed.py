"""A scanned file after parsing: what model builders receive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ParsedFile:
    """`rel` is the path reports show; `tree` is the parser's output for `type`:
    a list of document nodes for YAML types, a `Dockerfile` for dockerfile, an `HclFile` for
    terraform, None for text (read for secrets only). `text` is the file's content, read once.
    `origin` is set on rendered Helm/Kustomize output: how its lines map back to source files.
    `error` is set on a file whose syntax could not be read: it is reported, and its text still
    goes through the secrets pass (as type text), since a broken file can hold a secret too."""

    rel: str
    type: str
    text: str
    tree: Any = None
    path: Path | None = None
    origin: Any = None
    error: Any = None
