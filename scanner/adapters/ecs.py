"""ECS task definitions into `ContainerSpec`s: CloudFormation `AWS::ECS::TaskDefinition` and
Terraform `aws_ecs_task_definition`.

Both describe containers with the same JSON vocabulary, CloudFormation in PascalCase
(`ReadonlyRootFilesystem`) and the container-definitions JSON in camelCase
(`readonlyRootFilesystem`); one reader serves both. Task-level settings (network, PID and IPC
modes, host volumes, task CPU and memory, which are hard limits) apply to every container.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from scanner.adapters.common import (
    docker_security_options,
    first_line,
    host_mode,
    items,
    keyed,
    known_strings,
    mapping,
    pick,
    settled,
    settled_list,
)
from scanner.model.cloud import CloudResource
from scanner.model.container import ContainerSpec, EnvVar, HostMount
from scanner.nodes import Mapping, Node, dig, text

TASK_TYPES = ("AWS::ECS::TaskDefinition", "aws_ecs_task_definition")


@dataclass(frozen=True)
class Task:
    """The task-level settings every container of the task shares."""

    resource: CloudResource
    network_mode: Node | None
    pid_mode: Node | None
    ipc_mode: Node | None
    host_volumes: dict[str, Node]
    memory: Node | None
    cpu: Node | None


def field(container: Node | None, name: str) -> Node | None:
    """`name` in camelCase (container-definitions JSON) or PascalCase (CloudFormation)."""
    if not isinstance(container, Mapping):
        return None
    return pick(container.get(name), container.get(name[:1].upper() + name[1:]))


def task_of(resource: CloudResource) -> Task:
    if resource.format == "cloudformation":
        volumes = {text(field(volume, "name")) or "": dig(volume, "Host", "SourcePath")
                   for volume in items(resource.lookup("Volumes"))}
        keys = ("NetworkMode", "PidMode", "IpcMode", "Memory", "Cpu")
    else:
        volumes = {text(volume.get("name")) or "": volume.get("host_path")
                   for volume in resource.blocks("volume")}
        keys = ("network_mode", "pid_mode", "ipc_mode", "memory", "cpu")
    network, pid, ipc, memory, cpu = (settled(resource.lookup(key)) for key in keys)
    host_volumes = {name: settled(path) or path for name, path in volumes.items() if path is not None}
    return Task(resource, network, pid, ipc, host_volumes, memory, cpu)


def from_definitions(task: Task, definitions: Node | None) -> Iterator[ContainerSpec]:
    for definition in items(definitions):
        if isinstance(definition, Mapping):
            yield from_definition(task, definition)


def from_definition(task: Task, container: Mapping) -> ContainerSpec:
    label = task.resource.label
    name = text(field(container, "name")) or "<unnamed>"
    item = ContainerSpec(dialect="ecs", kind="regular", name=name, workload="TaskDefinition",
                         resource=f'{label} container "{name}"', pod_resource=label,
                         loc=first_line(container), node=container, image=settled(field(container, "image")))
    item.user = settled(field(container, "user"))
    item.privileged = settled(field(container, "privileged"))
    item.read_only_root_fs = settled(field(container, "readonlyRootFilesystem"))
    linux = field(field(container, "linuxParameters"), "capabilities")
    item.cap_add = known_strings(field(linux, "add"))
    item.cap_drop_node = keyed(linux, "drop") or keyed(linux, "Drop")
    item.cap_drop = known_strings(item.cap_drop_node)
    item.cap_drop_node = settled_list(item.cap_drop_node)
    docker_security_options(item, field(container, "dockerSecurityOptions"))
    item.host_network = host_mode(task.network_mode)
    item.host_pid = host_mode(task.pid_mode)
    item.host_ipc = host_mode(task.ipc_mode)
    item.host_mounts = list(_mounts(task, container))
    item.memory_limit = settled(pick(field(container, "memory"), task.memory))
    item.memory_request = settled(field(container, "memoryReservation"))
    item.cpu_limit = settled(pick(field(container, "cpu"), task.cpu))
    item.liveness = field(container, "healthCheck")
    item.env = list(_env(container))
    item.command = known_strings(field(container, "entryPoint")) + known_strings(field(container, "command"))
    item.log_configuration = field(container, "logConfiguration")
    return item


def _mounts(task: Task, container: Mapping) -> Iterator[HostMount]:
    for mount in items(field(container, "mountPoints")):
        name = text(field(mount, "sourceVolume"))
        if name in task.host_volumes:
            yield HostMount(path=task.host_volumes[name], mount=mount,
                            read_only=settled(field(mount, "readOnly")),
                            target=text(field(mount, "containerPath")) or "")


def _env(container: Mapping) -> Iterator[EnvVar]:
    for entry in items(field(container, "environment")):
        name = text(field(entry, "name"))
        if name:
            value = settled(field(entry, "value"))
            source = "literal" if text(value) is not None else "unknown"
            yield EnvVar(name, source, value if source == "literal" else None, entry.loc)
    for entry in items(field(container, "secrets")):
        name = text(field(entry, "name"))
        if name:
            yield EnvVar(name, "secret", mapping(entry), entry.loc)
