"""The rule catalog: one YAML entry per rule in `rules/`, the single source of truth for a rule.

An entry holds everything a user sees (id, name, severity, checklist items, message, documentation,
equivalents in other scanners) and names its logic: `check` (a `module:function` under
`scanner.checks`) or `condition` (a declarative test read by `scanner.checks.declarative`). Nothing
is registered by importing code; the folder is the registry, and check modules are imported only
when a scan has input of the rule's kinds.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.findings import SEVERITIES

FILE_TYPES = ("dockerfile", "kubernetes", "compose", "terraform", "cloudformation", "image", "text")
MODELS = ("dockerfile", "container", "kubernetes", "cluster", "cloud", "image", "text", "suppressions")
DOC_SECTIONS = ("what", "why", "example", "use_instead")
EQUIVALENT_TOOLS = ("checkov", "trivy", "kics", "hadolint", "detect-secrets", "gitleaks")

CheckFunction = Callable[[Any, "RuleContext"], Iterable[Any]]


class CatalogError(Exception):
    """A malformed catalog entry; the message names the file."""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    checklist: tuple[str, ...]
    kinds: tuple[str, ...]
    model: str
    message: str
    docs: Mapping[str, str]
    check: str = ""
    condition: Mapping[str, Any] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    equivalents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = ""

    def load_check(self) -> CheckFunction:
        """Import the rule's logic only when it is about to run."""
        if self.condition is not None:
            from scanner.checks.declarative import compile_condition

            return compile_condition(self.model, self.condition)
        module_name, _, function_name = self.check.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, function_name)  # type: ignore[no-any-return]

    def format_message(self, resource: str, args: Mapping[str, str]) -> str:
        try:
            return self.message.format(resource=resource, **args)
        except (KeyError, IndexError, ValueError):
            return f"{resource}: {self.name}"


@dataclass(frozen=True)
class RuleContext:
    """What a check may read besides its model: its options (defaults merged with configuration)."""

    rule: Rule
    options: Mapping[str, Any]

    def option(self, name: str) -> Any:
        return self.options.get(name, self.rule.options.get(name))


def builtin_dir() -> Path:
    """The shipped catalog: `rules/` beside the package in a source tree, else the installed copy."""
    source_tree = Path(__file__).resolve().parent.parent / "rules"
    if (source_tree / "checklist.yaml").is_file():
        return source_tree
    from importlib.resources import files

    return Path(str(files("scanner.catalog_files")))


def _load_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = path.read_text(encoding="utf-8")
        try:
            return YAML(typ="safe").load(text)
        except YAMLError:  # libyaml's YAML 1.1 flow rules; the pure loader reads YAML 1.2
            return YAML(typ="safe", pure=True).load(text)
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read rule: {exc}") from None


def _folder(directory: Path) -> dict[str, Any]:
    """Every YAML entry of a rules folder by file name, through a cache keyed by the files' names
    and contents: reading ~150 YAML files costs more than a small scan does."""
    from scanner import cache

    paths = sorted(directory.glob("*.yaml"))
    digest = cache.folder_digest(paths)
    cached = cache.load_catalog(directory, digest) if digest else None
    if cached is not None:
        return cached
    entries = {path.name: _load_yaml(path) for path in paths}
    if digest:
        cache.store_catalog(directory, digest, entries)
    return entries


def _require(data: Mapping[str, Any], key: str, path: Path) -> Any:
    if key not in data or data[key] in (None, "", []):
        raise CatalogError(f"{path}: rule is missing `{key}`")
    return data[key]


def parse_rule(data: Any, path: Path, checklist_ids: frozenset[str]) -> Rule:
    """Validate one entry; every error names the file so a broken custom rule is easy to find."""
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: a rule must be a mapping")
    known = {"id", "name", "severity", "checklist", "kinds", "model", "message", "docs", "check",
             "condition", "options", "references", "equivalents"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise CatalogError(f"{path}: unknown key(s) {', '.join(unknown)}")
    severity = _require(data, "severity", path)
    if severity not in SEVERITIES:
        raise CatalogError(f"{path}: severity must be one of {', '.join(SEVERITIES)}")
    checklist = tuple(_require(data, "checklist", path))
    missing = [item for item in checklist if item not in checklist_ids]
    if missing:
        raise CatalogError(f"{path}: unknown checklist item(s) {', '.join(missing)}")
    kinds = tuple(_require(data, "kinds", path))
    if any(kind not in FILE_TYPES for kind in kinds):
        raise CatalogError(f"{path}: kinds must be among {', '.join(FILE_TYPES)}")
    model = _require(data, "model", path)
    if model not in MODELS:
        raise CatalogError(f"{path}: model must be one of {', '.join(MODELS)}")
    if bool(data.get("check")) == bool(data.get("condition")):
        raise CatalogError(f"{path}: a rule needs exactly one of `check` or `condition`")
    docs = _require(data, "docs", path)
    absent = [section for section in DOC_SECTIONS if not (docs or {}).get(section)]
    if absent:
        raise CatalogError(f"{path}: docs lack section(s) {', '.join(absent)}")
    equivalents = {tool: tuple(ids if isinstance(ids, list) else [ids])
                   for tool, ids in (data.get("equivalents") or {}).items()}
    return Rule(
        id=str(_require(data, "id", path)),
        name=str(_require(data, "name", path)),
        severity=severity,
        checklist=checklist,
        kinds=kinds,
        model=model,
        message=str(_require(data, "message", path)),
        docs={key: str(value).strip() for key, value in docs.items()},
        check=str(data.get("check") or ""),
        condition=data.get("condition"),
        options=dict(data.get("options") or {}),
        references=tuple(data.get("references") or ()),
        equivalents=equivalents,
        source=str(path),
    )


def load_checklist(directory: Path | None = None) -> list[dict[str, Any]]:
    items = _folder(directory or builtin_dir()).get("checklist.yaml")
    return list(items or [])


def load_rules(extra_dirs: Iterable[Path] = ()) -> list[Rule]:
    """The built-in catalog plus any user rule folders, sorted by id; a reused id is an error."""
    builtin = _folder(builtin_dir())
    checklist_ids = frozenset(item["id"] for item in builtin.get("checklist.yaml") or [])
    rules: dict[str, Rule] = {}
    for directory in (builtin_dir(), *extra_dirs):
        if not directory.is_dir():
            raise CatalogError(f"{directory}: rules folder not found")
        for name, data in (builtin if directory == builtin_dir() else _folder(directory)).items():
            if name == "checklist.yaml":
                continue
            path = directory / name
            rule = parse_rule(data, path, checklist_ids)
            if rule.id in rules:
                raise CatalogError(f"{path}: rule id {rule.id} is already used by {rules[rule.id].source}")
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda rule: rule.id)


