"""Pod security admission: what each Namespace in the scan lets its pods do.

The `pod-security.kubernetes.io/enforce` label is the built-in admission control that replaced
PodSecurityPolicy; without it (or with `privileged`) the API server admits any pod spec.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.kubernetes import KubernetesObjects
from scanner.nodes import dig, text
from scanner.results.findings import Hit, hit_at

ENFORCE = "pod-security.kubernetes.io/enforce"
ENFORCING_LEVELS = frozenset({"baseline", "restricted"})


def namespace_without_enforce(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for namespace in model.of_kind("Namespace"):
        labels = namespace.get("metadata", "labels")
        if dig(labels, ENFORCE) is None:
            yield hit_at(namespace.loc, namespace.label, "labels.enforce")


def privileged_level_enforced(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    """`enforce: privileged`, or a level this API server does not know (it admits everything too)."""
    for namespace in model.of_kind("Namespace"):
        value = namespace.get("metadata", "labels", ENFORCE)
        level = text(value)
        if value is not None and level is not None and level not in ENFORCING_LEVELS:
            yield hit_at(value, namespace.label, "labels.enforce", level=level)


def pod_security_policy(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for policy in model.of_kind("PodSecurityPolicy"):
        yield hit_at(policy.get("kind") or policy.loc, policy.label, "kind")
