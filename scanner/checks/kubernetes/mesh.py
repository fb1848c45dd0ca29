"""Service mesh (Istio): mutual TLS and layer-7 authorization, as the mesh objects in the scan set them."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.kubernetes import KubeObject, KubernetesObjects
from scanner.nodes import Mapping, Sequence, text, walk
from scanner.results.findings import Hit, hit_at

WEAK_PEER_MODES = frozenset({"PERMISSIVE", "DISABLE"})


def _istio(kind: str, model: KubernetesObjects) -> list[KubeObject]:
    return [obj for obj in model.of_kind(kind) if obj.api_version.startswith(("security.istio.io/",
                                                                              "networking.istio.io/"))]


def peer_authentication_not_strict(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for policy in _istio("PeerAuthentication", model):
        for path, node in walk(policy.get("spec"), "spec"):
            at_mode = path == "spec.mtls.mode" or (path.startswith("spec.portLevelMtls.")
                                                   and path.endswith(".mode"))
            if at_mode and (mode := text(node)) in WEAK_PEER_MODES:
                yield hit_at(node, policy.label, path, mode=str(mode))


def destination_rule_tls_disabled(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for rule in _istio("DestinationRule", model):
        for path, node in walk(rule.get("spec"), "spec"):
            if path.endswith(".tls.mode") and text(node) == "DISABLE":
                yield hit_at(node, rule.label, path)


def authorization_policy_allows_all(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    """An ALLOW policy with an empty rule matches every request: `rules: [{}]`."""
    for policy in _istio("AuthorizationPolicy", model):
        if (text(policy.get("spec", "action")) or "ALLOW") != "ALLOW":
            continue
        rules = policy.get("spec", "rules")
        for index, rule in enumerate(rules.items if isinstance(rules, Sequence) else ()):
            if isinstance(rule, Mapping) and not len(rule):
                yield hit_at(rule, policy.label, f"spec.rules[{index}]")
