"""The declarative form of a rule: a `condition:` in the catalog instead of a Python check.

Most container rules are "this field is true", "this field is not true (or missing)" or "this field
is missing". Writing those as data keeps each rule one reviewable YAML entry:

    condition:
      field: privileged        # a ContainerSpec attribute
      is: true                 # report where the value is known to be true
    condition:
      field: read_only_root_fs
      is_not: true             # report where it is missing, or known to be anything but true
    condition:
      field: readiness
      missing: true            # report where the setting is absent
      when: {kind: [regular], dialect: [kubernetes]}   # only these containers
      unless: {workload: [Job, CronJob]}               # never these

A condition holds no regular expression and no code: its tests compare a known value with the one
written, so a rule from a repository's own rules folder costs a comparison per container and can
do nothing else. Unknown values (templated, variables) are never reported. A finding points at the
field's node, or at the container's first line when the field is absent; its key is the field
name, so fingerprints do not depend on the dialect's spelling or on line numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from scanner.catalog.errors import CatalogError
from scanner.nodes import Node, Unknown, truth
from scanner.results.findings import Hit

_TESTS = ("is", "is_not", "missing")
_KEYS = frozenset({*_TESTS, "field", "when", "unless"})


def compile_condition(model: str, condition: Mapping[str, Any]) -> Callable[[Any, Any], Iterator[Hit]]:
    """A check function for `condition`; a malformed condition fails here, when the rule loads."""
    from scanner.model.container import ContainerSpec

    if model != "container":
        raise CatalogError(f"`condition` rules read the container model, not {model!r}")
    fields = {f.name for f in dataclasses.fields(ContainerSpec)}
    unknown = sorted(set(condition) - _KEYS)
    tests = [test for test in _TESTS if test in condition]
    name = condition.get("field")
    if unknown or len(tests) != 1 or name not in fields:
        raise CatalogError(f"malformed condition {dict(condition)!r}: needs `field` (a container "
                           f"attribute) and exactly one of {', '.join(_TESTS)}")
    for clause in ("when", "unless"):
        selector = condition.get(clause) or {}
        if not isinstance(selector, Mapping) or any(attribute not in fields for attribute in selector):
            raise CatalogError(f"condition `{clause}` names an unknown container attribute")
        if not all(isinstance(values, list) for values in selector.values()):
            raise CatalogError(f"condition `{clause}` needs a list of values for each attribute")
    test, expected = tests[0], condition[tests[0]]
    when, unless = condition.get("when") or {}, condition.get("unless") or {}

    def check(containers: Any, ctx: Any) -> Iterator[Hit]:
        for container in containers:
            if not _selected(container, when, unless):
                continue
            node = getattr(container, name)
            if node is None and name in container.absent_by_platform:
                continue  # the platform can't set it, or sets it itself
            if _violates(node, test, expected):
                yield container.hit(node if node is not None else container.loc, name)

    return check


def _selected(container: Any, when: Mapping[str, list[Any]], unless: Mapping[str, list[Any]]) -> bool:
    return (all(getattr(container, key) in values for key, values in when.items())
            and not any(getattr(container, key) in values for key, values in unless.items()))


def _violates(node: Node | None, test: str, expected: Any) -> bool:
    if isinstance(node, Unknown):
        return False
    if test == "missing":
        return (node is None) == bool(expected)
    if node is None:
        return test == "is_not"
    value = truth(node)
    if value is None:
        return False
    return (value == expected) if test == "is" else (value != expected)
