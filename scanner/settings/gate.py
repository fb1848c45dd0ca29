"""The gate's own integrity: rule selectors that name real rules, and a configuration that can't
lower the verdict without saying so.

The configuration file usually sits in the repository under review, so a pull request can edit
the settings that judge it. Flags given on the command line (by the CI template, by the user)
always win over the file; whatever the file still weakens against the defaults is listed in one
note that every report carries, so a reviewer sees it next to the findings.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING

from scanner.boundary import printable
from scanner.results.findings import severity_rank
from scanner.settings.config import Config, Limits

if TYPE_CHECKING:
    from scanner.catalog.rules import Rule

# One weakening: what the setting does, and to what (`("ignores", "CTR002")`).
Weakening = tuple[str, str]


class SelectorError(Exception):
    """A rule selector that names no rule; the message says where it was written."""


def vocabulary(catalog: Sequence[Rule]) -> dict[str, str]:
    """Every word a selector may use, by its case-folded form: ids, names, severities, checklist
    items and file types. `--select ctr002` and `--select HIGH` mean what they say."""
    words: dict[str, str] = {}
    for rule in catalog:
        for word in (rule.id, rule.name, rule.severity, *rule.checklist, *rule.kinds):
            words.setdefault(word.casefold(), word)
    return words


def canonical(token: str, catalog: Sequence[Rule], words: dict[str, str], where: str) -> str:
    """`token` as the engine's matcher spells it, or SelectorError: a selector that matches no
    rule would silently run nothing (or ignore nothing) and let the gate pass."""
    if token.casefold() in words:
        return words[token.casefold()]
    prefix = token.upper()
    if any(rule.id.startswith(prefix) and rule.id[len(prefix):].isdigit() for rule in catalog):
        return prefix
    raise SelectorError(f"{where}: {token!r} matches no rule (see `hullscan rules`)")


def canonical_ids(overrides: dict[str, str], catalog: Sequence[Rule], where: str) -> dict[str, str]:
    """Severity overrides keyed by the rules' own ids; an unknown id is an error."""
    ids = {rule.id.casefold(): rule.id for rule in catalog}
    result = {}
    for rule_id, level in overrides.items():
        if rule_id.casefold() not in ids:
            raise SelectorError(f"{where}.{rule_id}: no such rule (see `hullscan rules`)")
        result[ids[rule_id.casefold()]] = level
    return result


def capped_jobs(jobs: int) -> int:
    """Workers never outnumber the cores: `jobs: 100000` in a pull request must not fork a
    hundred thousand processes on the runner."""
    return min(jobs, os.cpu_count() or 1)


def weakenings(config: Config, catalog: Sequence[Rule]) -> list[Weakening]:
    """How `config` judges less than the defaults do, setting by setting. (`inline-suppressions`
    and `checkov-skips` are on by default, so no configuration can weaken them.)"""
    defaults = Config(root=config.root)
    found: list[Weakening] = []
    if config.fail_on == "never" or (defaults.fail_on != "never"
                                     and severity_rank(config.fail_on) < severity_rank(defaults.fail_on)):
        found.append(("fail-on", config.fail_on))
    found += [("selects only", token) for token in config.select]
    found += [("runs profile", name) for name in _narrower_profiles(config, defaults, catalog)]
    found += [("ignores", token) for token in config.ignore]
    found += [("excludes", glob) for glob in config.exclude]
    severities = {rule.id: rule.severity for rule in catalog}
    found += [("downgrades", f"{rule_id} to {level}") for rule_id, level in config.severity_overrides.items()
              if rule_id in severities and severity_rank(level) > severity_rank(severities[rule_id])]
    found += [("allows secrets in", glob) for glob in config.secret_allow_paths]
    found += [("allows secret fingerprints", value[:12]) for value in config.secret_allow_fingerprints]
    found += [("trusts registries", registry) for registry in config.trusted_registries]
    found += [("sets options of", rule_id) for rule_id in config.rule_options]
    found += [("turns off rendering of", name) for name, on, default in (
        ("helm", config.render_helm, defaults.render_helm),
        ("kustomize", config.render_kustomize, defaults.render_kustomize)) if default and not on]
    found += [("raises limits", f"{name} to {value}") for name, value in _raised(config.limits, defaults.limits)]
    return found


def _narrower_profiles(config: Config, defaults: Config, catalog: Sequence[Rule]) -> list[str]:
    """The profiles chosen, when together they leave out a rule the default profiles run (with
    `select` given, profiles choose nothing and `select` is the weakening)."""
    from scanner.catalog.profiles import members
    from scanner.catalog.rules import load_profiles

    if config.select or set(config.profiles) == set(defaults.profiles):
        return []
    profiles = load_profiles()
    chosen = {rule.id for rule in members(catalog, config.profiles, profiles)}
    if all(rule.id in chosen for rule in members(catalog, defaults.profiles, profiles)):
        return []
    return list(config.profiles)


def _raised(limits: Limits, defaults: Limits) -> Iterable[tuple[str, float]]:
    """Limits above their defaults: a bound a hostile tree can now exhaust."""
    from scanner.settings.load import LIMIT_KEYS

    names = {attribute: key for key, attribute in LIMIT_KEYS.items()}
    for field in fields(Limits):
        value, default = getattr(limits, field.name), getattr(defaults, field.name)
        if isinstance(value, (int, float)) and isinstance(default, (int, float)) and value > default:
            yield names.get(field.name, field.name), value


def lowered_note(source: str, effective: Config, flags_only: Config, catalog: Sequence[Rule]) -> str:
    """One line naming the file and each weakening it alone is responsible for (what the flags
    chose themselves is the caller's own decision, not reported), or "" when there is none."""
    own = set(weakenings(flags_only, catalog))
    grouped: dict[str, list[str]] = {}
    for verb, item in weakenings(effective, catalog):
        if (verb, item) not in own:
            grouped.setdefault(verb, []).append(item)
    if not grouped:
        return ""
    # Globs, registries and paths come from the file: one printable line, whatever they hold.
    return printable(f"{source} lowers the gate: "
                     + ", ".join(f"{verb} {' '.join(items)}" for verb, items in grouped.items()))
