"""ECS around the containers: task volumes and roles, service networking and platform, and the
cluster's record of ECS Exec sessions.

Container definitions themselves are judged by the container model's rules; these rules read what
only the task and service say.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.common import refers_to, report
from scanner.model.cloud import CloudModel, CloudResource, Reference
from scanner.model.cloud_values import blocks, lookup, setting
from scanner.nodes import Node, Unknown, text
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


_EXEC_LOGGING = {
    "aws_ecs_cluster": "configuration.execute_command_configuration.logging",
    "AWS::ECS::Cluster": "Configuration.ExecuteCommandConfiguration.Logging",
}
_ROLES = {"aws_ecs_task_definition": ("task_role_arn", "execution_role_arn"),
          "AWS::ECS::TaskDefinition": ("TaskRoleArn", "ExecutionRoleArn")}
_PLATFORM = {"aws_ecs_service": ("platform_version", "task_definition", "launch_type"),
             "AWS::ECS::Service": ("PlatformVersion", "TaskDefinition", "LaunchType")}
# Linux platform versions before 1.4.0, deprecated and retired by AWS; Windows has only 1.0.0.
_OLD_LINUX = ("1.0.0", "1.1.0", "1.2.0", "1.3.0")


def exec_logging_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """ECS Exec sessions that leave no record (`logging = NONE`)."""
    for res in model.of_type(*_EXEC_LOGGING):
        value, node, _ = res.setting(_EXEC_LOGGING[res.type])
        if value == "none":
            yield report(res, node, "execute_command_configuration.logging")


def same_role(first: Node | None, second: Node | None) -> bool:
    """Whether two values name the same role: the same literal, or the same attribute of the same
    resource. Anything else can't be told apart, and is not the same."""
    if isinstance(first, Reference) and isinstance(second, Reference):
        return (first.target, first.attribute) == (second.target, second.attribute)
    if isinstance(first, Unknown) or isinstance(second, Unknown):
        return False
    return text(first) is not None and text(first) == text(second)


def task_role_is_execution_role(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    for res in model.of_type(*_ROLES):
        task_key, execution_key = _ROLES[res.type]
        task, execution = res.lookup(task_key), res.lookup(execution_key)
        if task is not None and same_role(task, execution):
            yield report(res, task, task_key)


def _windows_task(model: CloudModel, service: CloudResource, key: str) -> bool | None:
    """Whether the service's task definition (when the scan has it) runs Windows containers."""
    target = lookup(service.attrs, key)
    for task in model.of_type("aws_ecs_task_definition", "AWS::ECS::TaskDefinition"):
        if refers_to(target, task):
            family, _, _ = setting(task.attrs, "runtime_platform.operating_system_family")
            if family is None:
                family, _, _ = setting(task.attrs, "RuntimePlatform.OperatingSystemFamily")
            return (family or "linux").startswith("windows")
    return None


def old_fargate_platform(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Services pinned to a Linux Fargate platform version before 1.4.0."""
    for res in model.of_type(*_PLATFORM):
        version_key, task_key, launch_key = _PLATFORM[res.type]
        version, node, _ = res.setting(version_key)
        launch, _, _ = res.setting(launch_key)
        if version not in _OLD_LINUX or launch not in (None, "fargate"):
            continue
        if version == "1.0.0" and _windows_task(model, res, task_key) is not False:
            continue  # also the current Windows version: only judged when the task is known to be Linux
        yield report(res, node, version_key, version=text(node) or "")
