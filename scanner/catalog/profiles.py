"""Profiles: named rule sets, so that a default scan reports what a reviewer would block a merge
for and `--profile strict` (or `pss-restricted`, `cis`) turns on the rest.

`rules/profiles.yaml` names and describes the profiles; each rule's own `profiles:` list says which
it belongs to, so membership has one source, the rule's catalog entry. A rule that states no list
(a rule added without one, or a user's rule) gets one from `implied`: built-in rules are in
`default` when critical or high, a user's rules always, since somebody wrote them to run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:

    from scanner.catalog.rules import Rule

PROFILES_FILE = "profiles.yaml"
DEFAULT = "default"
# Severities whose built-in rules are in `default` when they name no profiles.
BLOCKING_SEVERITIES = ("critical", "high")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    includes: tuple[str, ...] = ()
    every_rule: bool = False


def implied(severity: str, builtin: bool) -> tuple[str, ...]:
    """The profiles of a rule whose entry lists none (`strict` holds every rule anyway)."""
    return (DEFAULT,) if not builtin or severity in BLOCKING_SEVERITIES else ()


def parse_profiles(data: Any, source: str) -> tuple[Profile, ...]:
    """The profiles file's entries, validated: a list of mappings with a name and a description,
    `includes` naming profiles listed before or after."""
    from scanner.catalog.errors import CatalogError

    if not isinstance(data, list):
        raise CatalogError(f"{source}: expected a list of profiles")
    profiles = []
    for entry in data:
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("description"):
            raise CatalogError(f"{source}: every profile needs a `name` and a `description`")
        unknown = sorted(set(entry) - {"name", "description", "includes", "every-rule"})
        if unknown:
            raise CatalogError(f"{source}: profile {entry['name']}: unknown key(s) {', '.join(unknown)}")
        profiles.append(Profile(str(entry["name"]), str(entry["description"]).strip(),
                                tuple(str(name) for name in entry.get("includes") or ()),
                                bool(entry.get("every-rule"))))
    names = {profile.name for profile in profiles}
    for profile in profiles:
        if not set(profile.includes) <= names:
            raise CatalogError(f"{source}: profile {profile.name} includes an unknown profile")
    return tuple(profiles)


def expand(names: Iterable[str], profiles: Sequence[Profile]) -> set[str]:
    """`names` with every profile they include, transitively."""
    by_name = {profile.name: profile for profile in profiles}
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(by_name[name].includes if name in by_name else ())
    return seen


def in_profiles(rule: Rule, names: Iterable[str], profiles: Sequence[Profile]) -> bool:
    wanted = expand(names, profiles)
    return any(p.every_rule for p in profiles if p.name in wanted) or bool(wanted & set(rule.profiles))


def members(rules: Iterable[Rule], names: Iterable[str], profiles: Sequence[Profile]) -> list[Rule]:
    """The rules of the union of the named profiles, in catalog order."""
    wanted = list(names)
    return [rule for rule in rules if in_profiles(rule, wanted, profiles)]


def check_names(names: Iterable[str], profiles: Sequence[Profile], where: str) -> tuple[str, ...]:
    """`names` lower-cased, each a known profile, or a ValueError saying which are known."""
    known = {profile.name for profile in profiles}
    result = []
    for name in names:
        if name.lower() not in known:
            raise ValueError(f"{where}: no profile {name!r} (profiles: {', '.join(p.name for p in profiles)})")
        result.append(name.lower())
    return tuple(result)


def check_rule_profiles(rules: Iterable[Rule], profiles: Sequence[Profile]) -> None:
    """Every profile a rule names exists, and none names `strict`-like profiles that hold every
    rule already."""
    from scanner.catalog.errors import CatalogError

    listable = {profile.name for profile in profiles if not profile.every_rule}
    for rule in rules:
        wrong = sorted(set(rule.profiles) - listable)
        if wrong:
            raise CatalogError(f"{rule.source}: profiles: unknown or implicit profile(s) {', '.join(wrong)} "
                               f"(listable: {', '.join(sorted(listable))})")


def listing(rules: Sequence[Rule], profiles: Sequence[Profile]) -> Mapping[str, list[str]]:
    """Profile name -> the ids of its rules, for `hullscan rules` and the generated docs."""
    return {profile.name: [rule.id for rule in members(rules, [profile.name], profiles)]
            for profile in profiles}


def profiles_of(rule: Rule, profiles: Sequence[Profile]) -> list[str]:
    """Every profile that runs `rule`, in the profiles file's order (`strict` included)."""
    return [profile.name for profile in profiles if in_profiles(rule, [profile.name], profiles)]
