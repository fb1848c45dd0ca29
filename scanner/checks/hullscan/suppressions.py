"""Keep suppressions honest: each must give a reason, name a real rule, hold a real date that has
not passed, and still suppress something."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from scanner.catalog.rules import RuleContext
from scanner.results.findings import Hit
from scanner.results.suppress import InlineSuppression, Suppressions


def _label(rules: tuple[str, ...], foreign: str) -> str:
    return f"checkov:skip={foreign}" if foreign else f"hullscan:ignore {' '.join(rules) or '(no rule id)'}"


def _hit(item: InlineSuppression, key: str, **args: str) -> Hit:
    return Hit(item.loc, _label(item.rules, item.foreign), key=key, args=args)


def _keyed(items: Iterable[InlineSuppression]) -> Iterator[tuple[InlineSuppression, str]]:
    """Each suppression with the logical key of its finding: what it says, and which of the file's
    suppressions saying the same it is. Two alike are two lines to edit, so two findings, and
    the key does not move when lines above it do."""
    seen: Counter[tuple[str, str, str]] = Counter()
    for item in items:
        said = (item.loc.path, " ".join(item.rules) or item.foreign, item.reason)
        seen[said] += 1
        yield item, f"{said[1]} {said[2]}" + (f" #{seen[said]}" if seen[said] > 1 else "")


def without_reason(model: Suppressions, ctx: RuleContext) -> Iterator[Hit]:
    for item, key in _keyed(model.items):
        if not item.reason and (item.rules or not item.foreign):
            yield _hit(item, key)


def unknown_rule(model: Suppressions, ctx: RuleContext) -> Iterator[Hit]:
    for item, key in _keyed(model.items):
        if item.foreign:
            continue
        missing = [rule for rule in item.rules if rule not in model.known_rules]
        if missing or not item.rules:
            yield _hit(item, key, rules=", ".join(missing) or "no rule id")


def expired(model: Suppressions, ctx: RuleContext) -> Iterator[Hit]:
    for item, key in _keyed(model.items):
        if item.until is not None and item.expired(model.today):
            yield _hit(item, key, until=item.until.isoformat())


def invalid_date(model: Suppressions, ctx: RuleContext) -> Iterator[Hit]:
    for item, key in _keyed(model.items):
        if item.bad_until:
            yield _hit(item, key, value=item.bad_until)


def unused(model: Suppressions, ctx: RuleContext) -> Iterator[Hit]:
    """Only judged when every rule it names ran in this scan: a `--select` run can't tell. One
    that expired or gives a bad date is reported as that, not as stale."""
    for item, key in _keyed(model.items):
        if item.used or not item.reason or not item.rules or item.bad_until or item.expired(model.today):
            continue
        if all(rule in model.ran_rules for rule in item.rules):
            yield _hit(item, key)
