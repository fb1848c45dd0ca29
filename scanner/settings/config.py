"""The effective configuration of one run: one immutable value built once, passed everywhere.

Defaults live here; `.hullscan.yaml`, `[tool.hullscan]` and command-line flags are merged into
this shape by `scanner.settings.load`, which validates them with file and line in every error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from exhausting a run; each one a user can raise."""

    max_file_bytes: int = 10 * 1024 * 1024
    file_timeout: float = 10.0
    archive_member_bytes: int = 256 * 1024 * 1024
    archive_members: int = 200_000
    archive_total_bytes: int = 4 * 1024 * 1024 * 1024
    # Seconds the whole scan may take, then it reports what it has (--deadline). None by default:
    # where a scan stops would depend on the machine's speed, and per-file budgets already bound
    # what one hostile file costs; a CI job sets it below its own timeout so a report is written.
    deadline: float = 0.0


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    # The rule sets a scan runs when `select` names none (`scanner.catalog.profiles`); several: their union.
    profiles: tuple[str, ...] = ("default",)
    ignore: tuple[str, ...] = ()
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    fail_on: str = "low"
    exclude: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd)
    forced_type: str = ""
    trusted_registries: tuple[str, ...] = ()
    secret_allow_paths: tuple[str, ...] = ()
    secret_allow_fingerprints: tuple[str, ...] = ()
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rule_options_at: Mapping[str, str] = field(default_factory=dict)  # rule id -> `file:line`
    rules_dirs: tuple[Path, ...] = ()
    inline_suppressions: bool = True
    checkov_skips: bool = True
    secrets_only: bool = False
    var_files: tuple[Path, ...] = ()
    helm_values: tuple[Path, ...] = ()
    render_helm: bool = True
    render_kustomize: bool = True
    jobs: int = 0
    use_cache: bool = True
    limits: Limits = field(default_factory=Limits)
    settings_at: Mapping[str, str] = field(default_factory=dict)  # setting -> `file:line`
    notes: tuple[str, ...] = ()  # said in every report: how the configuration lowers the gate
