"""Read `.hullscan.yaml` (or `[tool.hullscan]` in pyproject.toml, or `--config FILE`) into a Config.

Every key is validated up front: an unknown key or a bad value is an error naming the file and
line, because a typo in a security gate that is silently ignored is worse than no gate.

The file is usually the scanned repository's own, so it is read like any file of the tree (a
regular file inside the root, under the size limit), and every path it names (`helm-values:`,
`var-files:`, `rules-dir:`) must lead inside the root. Paths are relative to the file's folder,
or to the root for a file given with `--config` from outside it (a base branch's copy in CI).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from scanner.boundary import Boundary, Refused, contains
from scanner.nodes import to_plain
from scanner.results.findings import SEVERITIES
from scanner.settings.config import Config, Limits


class SettingsError(Exception):
    """A configuration problem; the message starts with `file:line:`."""


def _read_yaml(path: Path, text: str) -> tuple[dict[str, Any], dict[str, int]]:
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents(text, str(path))
    except ParseError as exc:
        raise SettingsError(f"{path}:{exc.line}: {exc.message}") from None
    lines: dict[str, int] = {}
    data = to_plain(documents[0], "", lines) if documents else {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path}:1: configuration must be a mapping of settings")
    return data, lines


def _read_pyproject(path: Path, text: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: cannot read: {exc}") from None
    section = data.get("tool", {}).get("hullscan")
    if section is None:
        return None
    lines = {}
    for key in section:
        # [ \t], not \s: a \s run crosses line ends, so on a file of blank lines every line start
        # would scan all the rest (quadratic: 30 s for 100 KB, before any budget applies)
        match = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*=", text, re.MULTILINE)
        lines[key] = text.count("\n", 0, match.start()) + 1 if match else 0
    return section, lines


def find_config(root: Path) -> Path | None:
    for name in (".hullscan.yaml", ".hullscan.yml"):
        if (root / name).is_file() or (root / name).is_symlink():
            return root / name  # a link that leaves the root is found, then refused with a reason
    pyproject = root / "pyproject.toml"
    try:
        text = Boundary(root).read_text(pyproject)
    except Refused:
        return None
    return pyproject if "[tool.hullscan" in text else None


def _boundary(path: Path, base: Config) -> tuple[Boundary, Path]:
    """Who may be read for this file, and what its relative paths start from: the file's folder
    inside the root; the root itself for a file from elsewhere (`--config /tmp/base.yaml`)."""
    if contains(base.root, path.absolute().parent):
        return Boundary(base.root, base.limits.max_file_bytes), path.parent
    return Boundary(path.absolute().parent, base.limits.max_file_bytes), base.root


def load_settings(path: Path | None, base: Config) -> Config:
    """`base` with the file's settings applied; flags are applied after this by the CLI."""
    if path is None:
        return base
    boundary, relative_to = _boundary(path, base)
    try:
        text = boundary.read_text(path)
    except Refused as exc:
        raise SettingsError(f"{path}: cannot read configuration: {exc}") from None
    if path.name == "pyproject.toml":
        found = _read_pyproject(path, text)
        if found is None:
            return base
        data, lines = found
    else:
        data, lines = _read_yaml(path, text)
    return _apply(data, lines, path, replace(base, settings_at={
        key: f"{path}:{lines.get(key, 0)}" for key in data}), relative_to)


def _list_of_str(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(item, (str, int)) for item in value):
        raise SettingsError(f"{where}: expected a list of strings")
    return tuple(str(item) for item in value)


def _severity(value: Any, where: str, extra: tuple[str, ...] = ()) -> str:
    if not isinstance(value, str) or value.lower() not in SEVERITIES + extra:
        raise SettingsError(f"{where}: expected one of {', '.join(SEVERITIES + extra)}, got {value!r}")
    return value.lower()


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{where}: expected true or false")
    return value


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise SettingsError(f"{where}: expected a positive number")
    return value


LIMIT_KEYS = {"max-file-size": "max_file_bytes", "file-timeout": "file_timeout",
              "archive-member-size": "archive_member_bytes", "archive-members": "archive_members",
              "archive-total-size": "archive_total_bytes", "deadline": "deadline"}


def _apply(data: Mapping[str, Any], lines: Mapping[str, int], path: Path, base: Config,
           base_dir: Path) -> Config:
    def where(key: str) -> str:
        return f"{path}:{lines.get(key, 0)}: {key}"

    inside = Boundary(base.root)

    def paths(value: Any, at: str) -> tuple[Path, ...]:
        """Paths named by the file, each inside the root, or an error naming the key and line."""
        try:
            return tuple(inside.config_path(item, base_dir) for item in _list_of_str(value, at))
        except Refused as exc:
            raise SettingsError(f"{at}: {exc}") from None

    handlers: dict[str, Callable[[Any, str], dict[str, Any]]] = {
        "select": lambda v, w: {"select": _list_of_str(v, w)},
        "profile": lambda v, w: {"profiles": _list_of_str(v, w)},
        "ignore": lambda v, w: {"ignore": _list_of_str(v, w)},
        "fail-on": lambda v, w: {"fail_on": _severity(v, w, ("never",))},
        "exclude": lambda v, w: {"exclude": base.exclude + _list_of_str(v, w)},
        "trusted-registries": lambda v, w: {"trusted_registries": _list_of_str(v, w)},
        "rules-dir": lambda v, w: {"rules_dirs": paths(v, w)},
        "inline-suppressions": lambda v, w: {"inline_suppressions": _bool(v, w)},
        "checkov-skips": lambda v, w: {"checkov_skips": _bool(v, w)},
        "var-files": lambda v, w: {"var_files": paths(v, w)},
        "helm-values": lambda v, w: {"helm_values": paths(v, w)},
        "jobs": lambda v, w: {"jobs": int(_positive(v, w))},
    }
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in handlers:
            changes.update(handlers[key](value, where(key)))
        elif key == "severity":
            changes["severity_overrides"] = _overrides(value, where(key), lines, path)
        elif key == "secrets":
            changes.update(_section(value, key, {"allow-paths": "secret_allow_paths",
                                                 "allow-fingerprints": "secret_allow_fingerprints"},
                                    _list_of_str, lines, path))
        elif key == "rules":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise SettingsError(f"{where(key)}: expected RULE-ID: {{option: value}}")
            changes["rule_options"] = value
            changes["rule_options_at"] = {rule: f"{path}:{lines.get(f'rules.{rule}', lines.get(key, 0))}"
                                          for rule in value}
        elif key == "render":
            changes.update(_section(value, key, {"helm": "render_helm", "kustomize": "render_kustomize"},
                                    _bool, lines, path))
        elif key == "limits":
            changes["limits"] = _limits(value, lines, path, base.limits)
        else:
            raise SettingsError(f"{where(key)}: unknown setting (known: "
                                f"{', '.join(sorted([*handlers, 'severity', 'secrets', 'rules', 'render', 'limits']))})")
    return replace(base, **changes)  # each limit is typed by LIMIT_KEYS: a float or an int


def _overrides(value: Any, where: str, lines: Mapping[str, int], path: Path) -> dict[str, str]:
    if not isinstance(value, dict):
        raise SettingsError(f"{where}: expected RULE-ID: severity")
    return {rule: _severity(level, f"{path}:{lines.get('severity.' + rule, 0)}: severity.{rule}")
            for rule, level in value.items()}


def _section(value: Any, name: str, keys: Mapping[str, str], convert: Callable[[Any, str], Any],
             lines: Mapping[str, int], path: Path) -> dict[str, Any]:
    """A nested mapping whose keys each set one Config field: `secrets:`, `render:`."""
    if not isinstance(value, dict):
        raise SettingsError(f"{path}:{lines.get(name, 0)}: {name}: expected a mapping")
    result = {}
    for key, item in value.items():
        where = f"{path}:{lines.get(f'{name}.{key}', 0)}: {name}.{key}"
        if key not in keys:
            raise SettingsError(f"{where}: unknown setting (known: {', '.join(keys)})")
        result[keys[key]] = convert(item, where)
    return result


def _limits(value: Any, lines: Mapping[str, int], path: Path, base: Limits) -> Limits:
    if not isinstance(value, dict):
        raise SettingsError(f"{path}:{lines.get('limits', 0)}: limits: expected a mapping")
    known = {f.name for f in fields(Limits)}
    changes: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{path}:{lines.get('limits.' + key, 0)}: limits.{key}"
        if key not in LIMIT_KEYS or LIMIT_KEYS[key] not in known:
            raise SettingsError(f"{where}: unknown limit (known: {', '.join(LIMIT_KEYS)})")
        number = _positive(item, where)
        changes[LIMIT_KEYS[key]] = number if key in ("file-timeout", "deadline") else int(number)
    return replace(base, **changes)


def describe(config: Config) -> dict[str, Any]:
    """The effective configuration, in the file's own vocabulary, for `hullscan config --show`."""
    return {
        "profile": list(config.profiles), "select": list(config.select), "ignore": list(config.ignore),
        "severity": dict(config.severity_overrides), "fail-on": config.fail_on,
        "exclude": list(config.exclude), "trusted-registries": list(config.trusted_registries),
        "secrets": {"allow-paths": list(config.secret_allow_paths),
                    "allow-fingerprints": list(config.secret_allow_fingerprints)},
        "rules": {rule: dict(options) for rule, options in config.rule_options.items()},
        "rules-dir": [str(d) for d in config.rules_dirs],
        "inline-suppressions": config.inline_suppressions, "checkov-skips": config.checkov_skips,
        "var-files": [str(f) for f in config.var_files], "helm-values": [str(f) for f in config.helm_values],
        "jobs": config.jobs,
        "render": {"helm": config.render_helm, "kustomize": config.render_kustomize},
        "limits": {key: getattr(config.limits, attr) for key, attr in LIMIT_KEYS.items()},
    }
