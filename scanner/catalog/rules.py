"""The rule catalog: one YAML entry per rule in `rules/`, the single source of truth for a rule.

An entry holds everything a user sees (id, name, severity, checklist items, message, documentation,
equivalents in other scanners) and names its logic: `check` (a `module:function` under
`scanner.checks`) or `condition` (a declarative test read by `scanner.catalog.declarative`). Nothing
is registered by importing code; the folder is the registry, and check modules are imported only
when a scan has input of the rule's kinds.

A rules folder may come from the repository being scanned, so a rule runs no code of its own:
`check` must name a function of one of hullscan's own check modules, which is validated from the
name alone before anything is imported, and rule files are read with the same alias-counting YAML
reader as scanned files, so an alias bomb fails at once.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.boundary import printable
from scanner.catalog.declarative import compile_condition
from scanner.catalog.errors import CatalogError
from scanner.results.findings import SEVERITIES

if TYPE_CHECKING:
    from scanner.catalog.profiles import Profile

FILE_TYPES = ("dockerfile", "kubernetes", "compose", "terraform", "cloudformation", "arm", "image", "text")
MODELS = ("dockerfile", "container", "kubernetes", "cluster", "cloud", "image", "text", "suppressions")
DOC_SECTIONS = ("what", "why", "example", "use_instead")
# `docs: {use_instead_fragment: true}`: the section's code is no whole file the rule reads (the one
# key to change, the Dockerfile an image rule's archive is built from), so tests/test_rule_examples.py
# checks that it is none instead of expecting the rule's verdict on it.
FRAGMENT_FLAGS = {"example_fragment": "example", "use_instead_fragment": "use_instead"}
EQUIVALENT_TOOLS = ("checkov", "trivy", "kics", "hadolint", "detect-secrets", "gitleaks")

CheckFunction = Callable[[Any, "RuleContext"], Iterable[Any]]
CHECKS_PACKAGE = "scanner.checks"
# `scanner.checks.<family>.<module>:<function>`: the family folder and module are checked against
# the package's own files before anything is imported.
_CHECK_NAME = re.compile(r"scanner\.checks\.([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*):([A-Za-z_][A-Za-z0-9_]*)")
_FIX_NAME = re.compile(r"scanner\.fix\.([a-z_][a-z0-9_]*):([a-z_][a-z0-9_]*)")
FIX_APPLICABILITIES = ("safe", "unsafe")
# A rule file is a page of YAML; anything larger in a rules folder is not a rule.
MAX_RULE_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Fix:
    """A rule's fix: `safe` cannot change what the workload does, `unsafe` may; `edit` names the
    function of `scanner.fix` that plans it (validated from the name, imported when fixing)."""

    applicability: str
    description: str
    edit: str

    def load(self) -> Callable[[Any], list[Any]]:
        module_name, _, function_name = self.edit.partition(":")
        function = getattr(importlib.import_module(module_name), function_name, None)
        if not inspect.isfunction(function) or function.__module__ != module_name:
            raise CatalogError(f"fix {self.edit!r} is not a function of {module_name}")
        return function


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
    # Rules whose finding on the same value or object says the same thing less well: where this
    # rule reports, theirs is dropped and becomes a related location (`scanner.results.overlap`).
    supersedes: tuple[str, ...] = ()
    # The profiles the rule belongs to besides `strict` (`scanner.catalog.profiles`): as listed, or implied.
    profiles: tuple[str, ...] = ()
    # The docs sections (`example`, `use_instead`) whose code is marked as only part of a file.
    fragments: frozenset[str] = frozenset()
    fix: Fix | None = None
    source: str = ""

    def load_check(self) -> CheckFunction:
        """Import the rule's logic only when it is about to run."""
        if self.condition is not None:
            return compile_condition(self.model, self.condition)
        module_name, _, function_name = self.check.partition(":")
        module = importlib.import_module(module_name)
        function = getattr(module, function_name, None)
        # Only a function the module itself defines: not a name it imported (`os`, `import_module`).
        if not inspect.isfunction(function) or function.__module__ != module_name:
            raise CatalogError(f"{self.source}: check {self.check!r} is not a function of {module_name}")
        return function

    def format_message(self, resource: str, args: Mapping[str, str]) -> str:
        """The message of one hit. A field the hit does not supply (a rule from a rules folder whose
        message names a field its check does not pass) stays as written, `{field}`, so that the
        report shows what is missing and the scan goes on; the catalog's tests keep every built-in
        rule's hits supplying every field of its message."""
        try:
            return self.message.format_map(_Fields({**args, "resource": resource}))
        except (ValueError, IndexError, KeyError, AttributeError, TypeError):
            # Only a template `template_fields` refuses gets here: a Rule built in code, not loaded.
            return f"{resource}: {self.name}"


class _Fields(dict[str, str]):
    """A hit's message arguments; a field it lacks reads as its own placeholder."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class RuleContext:
    """What a check may read besides its model: its options (defaults merged with configuration)."""

    rule: Rule
    options: Mapping[str, Any]

    def option(self, name: str) -> Any:
        return self.options.get(name, self.rule.options.get(name))


def builtin_dir() -> Path:
    """The shipped catalog: `rules/` beside the package in a source tree, else the installed copy."""
    source_tree = Path(__file__).resolve().parents[2] / "rules"
    if (source_tree / "checklist.yaml").is_file():
        return source_tree
    from importlib.resources import files

    return Path(str(files("scanner.catalog_files")))


def _load_yaml(path: Path, text: str | None = None) -> Any:
    """One YAML document as plain values, through the scanner's own reader: aliases are counted,
    not expanded, so a "billion laughs" rule file is an error instead of a hung run."""
    from scanner.nodes import to_plain
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        if text is None:
            text = path.read_text(encoding="utf-8")
        documents = parse_documents(text, str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read rule: {exc}") from None
    except ParseError as exc:
        raise CatalogError(f"{path}:{exc.line}: cannot read rule: {exc.message}") from None
    if len(documents) > 1:
        raise CatalogError(f"{path}: a rule file holds one YAML document")
    return to_plain(documents[0]) if documents else None


def _user_folder(directory: Path) -> dict[str, Any]:
    """A user's rules folder, read afresh every run (it may be the pull request's own): regular
    files inside the folder, small enough to be a rule, each one YAML document."""
    from scanner.boundary import Boundary, Refused

    boundary = Boundary(directory, MAX_RULE_FILE_BYTES)
    entries = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            text = boundary.read_text(path)
        except Refused as exc:
            raise CatalogError(f"{path}: cannot read rule: {exc}") from None
        entries[path.name] = _load_yaml(path, text)
    return entries


@functools.cache
def _check_modules() -> frozenset[str]:
    """The modules of hullscan's own `scanner.checks` families, as `family.module` (listed once a
    process)."""
    package = Path(__file__).resolve().parent.parent / "checks"
    return frozenset(f"{family.name}.{name[:-3]}" for family in package.iterdir() if family.is_dir()
                     for name in os.listdir(family) if name.endswith(".py") and name != "__init__.py")


def _check_target(value: Any, path: Path) -> str:
    """`check` names a function of one of hullscan's own check modules, and that module exists in
    the package; decided from the name, before anything is imported."""
    target = str(value or "")
    match = _CHECK_NAME.fullmatch(target)
    if match is None or match.group(1) not in _check_modules():
        raise CatalogError(f"{path}: check {target!r} must name a function of hullscan's own check "
                           f"modules ({CHECKS_PACKAGE}.<family>.<module>:<function>); a rules folder may use "
                           "those or a declarative `condition`, never code of its own")
    return target


@functools.cache
def _fix_modules() -> frozenset[str]:
    package = Path(__file__).resolve().parent.parent / "fix"
    return frozenset(name[:-3] for name in os.listdir(package) if name.endswith(".py"))


def _fix(value: Any, path: Path) -> Fix | None:
    """`fix: {applicability, description, edit}`: every key required, `edit` one of hullscan's
    own fix functions by name (a rules folder runs no code of its own here either)."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"applicability", "description", "edit"}:
        raise CatalogError(f"{path}: `fix` needs exactly applicability, description and edit")
    if value["applicability"] not in FIX_APPLICABILITIES:
        raise CatalogError(f"{path}: fix applicability must be safe or unsafe")
    description = str(value["description"] or "").strip()
    if not description or "\n" in description:
        raise CatalogError(f"{path}: fix description must be one line")
    target = str(value["edit"] or "")
    match = _FIX_NAME.fullmatch(target)
    if match is None or match.group(1) not in _fix_modules():
        raise CatalogError(f"{path}: fix edit {target!r} must name a function of hullscan's own fix "
                           "modules (scanner.fix.<module>:<function>)")
    return Fix(str(value["applicability"]), description, target)


def _folder(directory: Path) -> dict[str, Any]:
    """Every YAML entry of a rules folder by file name, through a cache keyed by the files' names
    and contents: reading ~150 YAML files costs more than a small scan does."""
    from scanner.run import cache

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


def template_fields(message: str, path: Path | str = "") -> frozenset[str]:
    """The fields a message template names. A template is text with plain `{name}` fields (`{{` and
    `}}` for braces): no positions, attributes, indexes, conversions or format specs, so that filling
    it can go wrong in one way only, a field the hit lacks, which `Rule.format_message` shows."""
    try:
        parts = list(string.Formatter().parse(message))
    except ValueError as exc:
        raise CatalogError(f"{path}: message is not a valid template: {exc}") from None
    fields = set()
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise CatalogError(f"{path}: message field {{{name}{'!' + conversion if conversion else ''}"
                               f"{':' + spec if spec else ''}}} must be a plain {{name}}")
        fields.add(name)
    return frozenset(fields)


def _message(data: Mapping[str, Any], path: Path) -> str:
    """A declarative `condition` passes no message arguments: its message can name `{resource}` only.
    A `check`'s arguments are known only when it runs (the catalog's tests compare them)."""
    message = str(_require(data, "message", path))
    extra = sorted(template_fields(message, path) - {"resource"})
    if data.get("condition") and extra:
        raise CatalogError(f"{path}: message names {', '.join('{' + f + '}' for f in extra)}, but a "
                           "`condition` rule supplies only {resource}")
    return message


def _doc_fragments(docs: Any, path: Path) -> frozenset[str]:
    """Every docs section is present; the only other keys are the fragment flags, true or false."""
    if not isinstance(docs, dict):
        raise CatalogError(f"{path}: `docs` must be a mapping")
    absent = [section for section in DOC_SECTIONS if not docs.get(section)]
    if absent:
        raise CatalogError(f"{path}: docs lack section(s) {', '.join(absent)}")
    unknown = sorted(set(docs) - set(DOC_SECTIONS) - set(FRAGMENT_FLAGS))
    if unknown:
        raise CatalogError(f"{path}: unknown docs key(s) {', '.join(unknown)} (known: "
                           f"{', '.join((*DOC_SECTIONS, *FRAGMENT_FLAGS))})")
    flags = {flag: docs[flag] for flag in FRAGMENT_FLAGS if flag in docs}
    if any(not isinstance(value, bool) for value in flags.values()):
        raise CatalogError(f"{path}: docs {', '.join(flags)} must be true or false")
    return frozenset(FRAGMENT_FLAGS[flag] for flag, value in flags.items() if value)


def parse_rule(data: Any, path: Path, checklist_ids: frozenset[str], builtin: bool = True) -> Rule:
    """Validate one entry; every error names the file so a broken custom rule is easy to find.
    `builtin` says whether it ships with hullscan, which decides the profiles it lists none."""
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: a rule must be a mapping")
    known = {"id", "name", "severity", "checklist", "kinds", "model", "message", "docs", "check",
             "condition", "options", "references", "equivalents", "supersedes", "profiles", "fix"}
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
    fragments = _doc_fragments(docs, path)
    equivalents = {tool: tuple(ids if isinstance(ids, list) else [ids])
                   for tool, ids in (data.get("equivalents") or {}).items()}
    return Rule(
        id=str(_require(data, "id", path)),
        name=str(_require(data, "name", path)),
        severity=severity,
        checklist=checklist,
        kinds=kinds,
        model=model,
        message=_message(data, path),
        docs={key: str(value).strip() for key, value in docs.items() if key in DOC_SECTIONS},
        check=_check_target(data["check"], path) if data.get("check") else "",
        condition=data.get("condition"),
        options=dict(data.get("options") or {}),
        references=tuple(data.get("references") or ()),
        equivalents=equivalents,
        supersedes=tuple(str(rule) for rule in data.get("supersedes") or ()),
        profiles=_profiles(data, severity, builtin, path),
        fragments=fragments,
        fix=_fix(data.get("fix"), path),
        source=str(path),
    )


def _profiles(data: Mapping[str, Any], severity: str, builtin: bool, path: Path) -> tuple[str, ...]:
    from scanner.catalog.profiles import implied

    if "profiles" not in data:
        return implied(severity, builtin)
    listed = data["profiles"]
    if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
        raise CatalogError(f"{path}: profiles must be a list of profile names")
    return tuple(listed)


def load_checklist(directory: Path | None = None) -> list[dict[str, Any]]:
    items = _folder(directory or builtin_dir()).get("checklist.yaml")
    return list(items or [])


def load_profiles(directory: Path | None = None) -> tuple[Profile, ...]:
    """The shipped profiles (the catalog's cache reads the file with the rules)."""
    from scanner.catalog.profiles import PROFILES_FILE, parse_profiles

    folder = directory or builtin_dir()
    return parse_profiles(_folder(folder).get(PROFILES_FILE), str(folder / PROFILES_FILE))


def load_rules(extra_dirs: Iterable[Path] = ()) -> list[Rule]:
    """The built-in catalog plus any user rule folders, sorted by id; a reused id is an error."""
    builtin = _folder(builtin_dir())
    checklist_ids = frozenset(item["id"] for item in builtin.get("checklist.yaml") or [])
    rules: dict[str, Rule] = {}
    for directory in (builtin_dir(), *extra_dirs):
        if directory == builtin_dir():
            _add_rules(rules, builtin, directory, checklist_ids, True)
            continue
        try:
            if not directory.is_dir():
                raise CatalogError(f"{directory}: rules folder not found")
            for rule in _add_rules(rules, _user_folder(directory), directory, checklist_ids, False):
                _resolve(rule)
        except CatalogError as exc:
            # Names and keys in a user's rule file reach the CI log: one printable line.
            raise CatalogError(printable(str(exc))) from None
    from scanner.catalog.profiles import check_rule_profiles

    check_rule_profiles(rules.values(), load_profiles())
    return sorted(rules.values(), key=lambda rule: rule.id)


def _resolve(rule: Rule) -> None:
    """A user's rule is resolved as it loads (its module is one of ours, checked by name), so a
    wrong function or a malformed condition is a usage error naming the file, not a failing rule."""
    try:
        rule.load_check()
    except CatalogError as exc:
        message = str(exc)
        raise CatalogError(message if message.startswith(rule.source) else f"{rule.source}: {message}") from None


def _add_rules(rules: dict[str, Rule], entries: Mapping[str, Any], directory: Path,
               checklist_ids: frozenset[str], builtin: bool) -> list[Rule]:
    from scanner.catalog.profiles import PROFILES_FILE

    added = []
    for name, data in entries.items():
        if name == "checklist.yaml" or (builtin and name == PROFILES_FILE):
            continue
        path = directory / name
        rule = parse_rule(data, path, checklist_ids, builtin)
        if rule.id in rules:
            raise CatalogError(f"{path}: rule id {rule.id} is already used by {rules[rule.id].source}")
        rules[rule.id] = rule
        added.append(rule)
    return added
