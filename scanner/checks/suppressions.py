"""Keep suppressions honest: each must give a reason, name a real rule and still suppress something."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog import RuleContext
from scanner.findings import Hit
from scanner.suppress import Suppressions


def _label(rules: tuple[str, ...], foreign: str) -> str:
    return f"checkov:skip={foreign}" if foreign else f"hullscan:ignore {' '.join(rules) or '(no rule id)'}"


def without_reason(model: Suppressions, ctx: RuleContext) -> Iterator[Hit]:
    for item in model.items:
        if not item.reason and (item.rules or not item.foreign):
            yield Hit(item.loc, _label(item.rules, item.foreign), key=f"{item.rules}")


def unknown_rule(model: Suppressions, ctx: RuleContext) -> Iterator[Hit]:
    for item in model.items:
        if item.foreign:
            continue
        missing = [rule for rule in item.rules if rule not in model.known_rules]
        if missing or not item.rules:
            yield Hit(item.loc, _label(item.rules, item.foreign), key=f"{item.rules}",
                      args={"rules": ", ".join(missing) or "no rule id"})


def unused(model: Suppressions, ctx: RuleContext) -> Iterator[Hit]:
    """Only judged when every rule it names ran in this scan: a `--select` run can't tell."""
    for item in model.items:
        if item.used or not item.reason or not item.rules:
            continue
        if all(rule in model.ran_rules for rule in item.rules):
            yield Hit(item.loc, _label(item.rules, item.foreign), key=f"{item.rules}")
