"""ECS around the containers: task volumes and service networking.

Container definitions themselves are judged by the container model's rules; these rules read what
only the task and service say.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.common import report
from scanner.model.cloud import CloudModel
from scanner.model.cloud_values import blocks, setting
from scanner.nodes import text
from scanner.results.findings import Hit

# (volumes, EFS block under a volume, transit encryption key) per format.
_TASK_VOLUMES = {
    "aws_ecs_task_definition": ("volume", "efs_volume_configuration", "transit_encryption"),
    "AWS::ECS::TaskDefinition": ("Volumes", "EFSVolumeConfiguration", "TransitEncryption"),
}
_SERVICE_PUBLIC_IP = {
    "aws_ecs_service": "network_configuration.assign_public_ip",
    "AWS::ECS::Service": "NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp",
}


def efs_transit_unencrypted(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """EFS volumes mounted over NFS without TLS."""
    for res in model.of_type(*_TASK_VOLUMES):
        volumes, efs_key, transit_key = _TASK_VOLUMES[res.type]
        for volume in res.blocks(volumes):
            for efs in blocks(volume, efs_key):
                mode, node, known = setting(efs, transit_key)
                if known and mode != "enabled":
                    name = text(volume.get("name") or volume.get("Name")) or ""
                    yield report(res, node, f"{volumes}[{name}].{transit_key}", volume=name)


def service_public_ip(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Fargate/awsvpc tasks that get a public IP address."""
    for res in model.of_type(*_SERVICE_PUBLIC_IP):
        value, node, _ = res.setting(_SERVICE_PUBLIC_IP[res.type])
        if value in ("true", "enabled"):
            yield report(res, node, "assign_public_ip")
