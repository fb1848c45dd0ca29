"""EKS managed node groups: how their nodes can be reached."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.common import report
from scanner.model.cloud import CloudModel
from scanner.model.cloud_values import unknown_in
from scanner.results.findings import Hit

# (remote access block, SSH key, source security groups) per format.
_REMOTE_ACCESS = {"aws_eks_node_group": ("remote_access", "ec2_ssh_key", "source_security_group_ids"),
                  "AWS::EKS::Nodegroup": ("RemoteAccess", "Ec2SshKey", "SourceSecurityGroups")}


def node_ssh_open(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """A node group given an SSH key but no source security groups: EKS then opens port 22 of
    its nodes to 0.0.0.0/0."""
    for res in model.of_type(*_REMOTE_ACCESS):
        block, key_name, groups_name = _REMOTE_ACCESS[res.type]
        key = res.lookup(f"{block}.{key_name}")
        groups = res.lookup(f"{block}.{groups_name}")
        if key is None or unknown_in(groups):
            continue
        if groups is None or (hasattr(groups, "items") and not groups.items):
            yield report(res, key, f"{block}.{groups_name}")
