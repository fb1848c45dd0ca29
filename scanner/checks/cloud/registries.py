"""Image registries: ECR, Artifact Registry / Container Registry (GCR) and ACR.

Who may pull and push, whether pushed images are scanned, whether tags can be moved, and which key
encrypts the layers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.common import refers_to, report
from scanner.model.cloud import CloudModel, CloudResource, json_document
from scanner.model.cloud_values import blocks, items, place, scalar_strings
from scanner.nodes import Location, Mapping, Node, Scalar, Unknown, text
from scanner.results.findings import Hit

ECR = ("aws_ecr_repository", "AWS::ECR::Repository")
ARTIFACT = "google_artifact_registry_repository"
ACR = ("azurerm_container_registry", "Microsoft.ContainerRegistry/registries")
# ACR: (admin user, anonymous pull, public network access, network default action, customer key).
_ACR = {
    "azurerm_container_registry": ("admin_enabled", "anonymous_pull_enabled", "public_network_access_enabled",
                                   "network_rule_set.default_action", "encryption.key_vault_key_id"),
    "Microsoft.ContainerRegistry/registries": (
        "properties.adminUserEnabled", "properties.anonymousPullEnabled", "properties.publicNetworkAccess",
        "properties.networkRuleSet.defaultAction", "properties.encryption.keyVaultProperties.keyIdentifier"),
}
# ECR repository: (scan on push, tag mutability, encryption type) per format.
_ECR = {
    "aws_ecr_repository": ("image_scanning_configuration.scan_on_push", "image_tag_mutability",
                           "encryption_configuration.encryption_type"),
    "AWS::ECR::Repository": ("ImageScanningConfiguration.ScanOnPush", "ImageTagMutability",
                             "EncryptionConfiguration.EncryptionType"),
}
# Resource policies of ECR: where each type keeps its policy document.
_POLICIES = {"aws_ecr_repository_policy": "policy", "aws_ecr_registry_policy": "policy",
             "AWS::ECR::Repository": "RepositoryPolicyText", "AWS::ECR::RegistryPolicy": "PolicyText"}
_PUBLIC_MEMBERS = frozenset({"allusers", "allauthenticatedusers"})
_GCR_BUCKET = re.compile(r"(?:^|\.)artifacts\.[\w.-]+\.appspot\.com$", re.IGNORECASE)


def scan_on_push_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Images pushed without being scanned for known vulnerabilities."""
    # Registry-wide scanning rules decide for every repository they match; the scanner can't
    # evaluate their filters, so their presence means "can't tell" for each repository.
    if not model.of_type("aws_ecr_registry_scanning_configuration",
                         "AWS::ECR::RegistryScanningConfiguration"):
        for res in model.of_type(*ECR):
            scan, node = res.flag(_ECR[res.type][0], False)
            if scan is False:
                yield report(res, node, "scan_on_push")
    for res in model.of_type(ARTIFACT):
        mode, node, _ = res.setting("vulnerability_scanning_config.enablement_config")
        if mode == "disabled":
            yield report(res, node, "vulnerability_scanning_config")
    for res in model.of_type("azurerm_security_center_subscription_pricing"):
        kind, _, _ = res.setting("resource_type")
        tier, node, _ = res.setting("tier")
        if kind in ("containers", "containerregistry") and tier == "free":
            yield report(res, node, "tier")


def mutable_tags(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Repositories where a pushed tag can be overwritten with different content."""
    for res in model.of_type(*ECR):
        mutability, node, known = res.setting(_ECR[res.type][1])
        if known and mutability in (None, "mutable"):
            yield report(res, node, "image_tag_mutability")
    for res in model.of_type(ARTIFACT):
        kind, _, _ = res.setting("format")
        mode, _, known = res.setting("mode")
        if kind != "docker" or not known or mode not in (None, "standard_repository"):
            continue
        immutable, node = res.flag("docker_config.immutable_tags", False)
        if immutable is False:
            yield report(res, node, "docker_config.immutable_tags")


def public_policy(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Registry policies and IAM bindings that let anyone pull (or push)."""
    for res in model.of_type(*_POLICIES):
        key = _POLICIES[res.type]
        for index, node in _public_statements(res.lookup(key)):
            yield report(res, node, f"{key}.Statement[{index}]", who='"*"')
    registries = model.of_type("google_container_registry")
    for res in model.of_type(*(f"{prefix}_iam_{kind}" for prefix in (ARTIFACT, "google_storage_bucket")
                               for kind in ("member", "binding", "policy"))):
        if res.type.startswith("google_storage_bucket") and not _gcr_bucket(res, registries):
            continue
        members = scalar_strings(res.lookup("member")) + scalar_strings(res.lookup("members"))
        members += [m for binding in blocks(json_document(res.lookup("policy_data")), "bindings")
                    for m in scalar_strings(binding.get("members"))]
        for member in members:
            if str(member.value).strip().lower() in _PUBLIC_MEMBERS:
                yield report(res, member, "members", who=str(member.value))


def _gcr_bucket(res: CloudResource, registries: list[Any]) -> bool:
    """Container Registry (gcr.io) stores layers in `artifacts.<project>.appspot.com` buckets."""
    bucket = res.lookup("bucket")
    name = text(bucket)
    if name is not None:
        return bool(_GCR_BUCKET.search(name))
    return any(refers_to(bucket, registry) for registry in registries)


def _public_statements(policy: Node | None) -> Iterator[tuple[int, Node | Location]]:
    """(statement index, where) for each statement of an IAM policy document that allows the `*`
    principal without a condition, however the document was written (object, JSON string,
    `jsonencode`, policy document data source)."""
    for index, statement in enumerate(blocks(json_document(policy), "Statement")):
        if _public(_plain(statement)):
            yield index, place(statement, "Principal") or statement


def _public(statement: Any) -> bool:
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return False
    if "Condition" in statement and _restricts(statement["Condition"]):
        return False
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    return principal == "*" or (isinstance(principal, list) and "*" in principal)


def _restricts(condition: Any) -> bool:
    """Whether a Condition narrows who the statement admits. Clauses that pass a request lacking
    the key (`ForAllValues:` and `...IfExists` operators, unless a `Null: {key: "false"}` clause
    demands the key), `Null: {key: "true"}`, and `...Like` tests whose every pattern is "*"
    restrict nothing. A part that can't be read counts as restricting: unknown is never public."""
    if not isinstance(condition, dict):
        return True
    tests = {op: clause for op, clause in condition.items() if isinstance(op, str)}
    if len(tests) != len(condition) or not all(isinstance(clause, dict) for clause in tests.values()):
        return True
    present = {key for key, value in tests.get("Null", {}).items() if str(value).lower() == "false"}
    return any(_clause_restricts(operator, key, values, present)
               for operator, clause in tests.items() for key, values in clause.items())


def _clause_restricts(operator: str, key: str, values: Any, present: set[str]) -> bool:
    patterns = values if isinstance(values, list) else [values]
    if None in patterns:
        return True
    if operator == "Null":
        return str(values).lower() == "false"
    if (operator.startswith("ForAllValues:") or operator.endswith("IfExists")) and key not in present:
        return False
    return not ("Like" in operator and all(str(pattern) == "*" for pattern in patterns))


def _plain(node: Node | None) -> Any:
    """A node as plain Python for the policy test; unknown parts become None (never public)."""
    if isinstance(node, Mapping):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, Unknown) or node is None:
        return None
    if isinstance(node, Scalar):
        return node.value
    return [_plain(item) for item in items(node)]


def admin_user(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """ACR's shared admin account: one password with push and pull rights, not tied to a person."""
    for res in model.of_type(*ACR):
        enabled, node = res.flag(_ACR[res.type][0], False)
        if enabled:
            yield report(res, node, "admin_enabled")


def anonymous_pull(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    for res in model.of_type(*ACR):
        enabled, node = res.flag(_ACR[res.type][1], False)
        if enabled:
            yield report(res, node, "anonymous_pull_enabled")


def public_network(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """ACR endpoints reachable from the Internet with no network rule in front of them."""
    for res in model.of_type(*ACR):
        public, node = _public_access(res)
        action, _, known = res.setting(_ACR[res.type][3])
        if public and known and action != "deny":
            yield report(res, node, "public_network_access_enabled")


def _public_access(res: CloudResource) -> tuple[bool | None, Node | None]:
    """Terraform writes a boolean; ARM writes `Enabled` or `Disabled` (enabled when absent)."""
    path = _ACR[res.type][2]
    if res.format != "arm":
        return res.flag(path, True)
    value, node, known = res.setting(path)
    return (None if not known else value != "disabled"), node


def no_customer_key(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Registries encrypted only with the provider's own key."""
    for res in model.of_type(*ECR):
        kind, node, known = res.setting(_ECR[res.type][2])
        if known and not (kind or "").startswith("kms"):
            yield report(res, node, "encryption_configuration")
    for res in model.of_type(ARTIFACT):
        if res.lookup("kms_key_name") is None:
            yield report(res, None, "kms_key_name")
    for res in model.of_type(*ACR):
        if res.lookup(_ACR[res.type][4]) is None:
            yield report(res, None, "encryption")
