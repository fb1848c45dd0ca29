"""One model for a container, whatever dialect declared it.

A Kubernetes pod spec, a Compose service, an ECS container definition and Terraform's Kubernetes
resources spell the same settings differently. Adapters (`scanner.adapters.containers`) read each dialect into
`ContainerSpec`, so every container rule is written once. Each field is the node the setting was
read from (findings point at that key) or None when the dialect's input does not set it (findings
then point at the container's first line). Where a dialect spells a setting as something other than
the model's value (Compose `pid: host` for "host PID namespace"), the adapter stores a `Scalar` with
the model's value at the original location; values only known at deploy time stay `Unknown`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from scanner.nodes import Location, Node, Scalar
from scanner.results.findings import Hit

ENV_SOURCES = ("literal", "secret", "configmap", "field", "resource", "unknown")


@dataclass(frozen=True)
class EnvVar:
    """One environment variable; `source` says where its value comes from (one of ENV_SOURCES).
    `exposed`: set in a platform's plain field although it has a secure one (Azure Container
    Instances `value` instead of `secureValue`), so anyone who can read the resource reads it."""

    name: str
    source: str
    value: Node | None
    loc: Location
    exposed: bool = False


@dataclass(frozen=True)
class HostMount:
    """A host path mounted into the container. `path` is the host path as written (Unknown when it
    is templated); `mount` is this container's mount entry; `read_only` is the node that makes it
    read-only, or None when the mount is writable by default."""

    path: Node
    mount: Node
    read_only: Node | None = None
    target: str = ""


@dataclass(frozen=True)
class PublishedPort:
    """A container port published on the host: `host_ip` "" means every interface; `port` is the
    container ports (the service behind them, a range), `published` the host port or range as written."""

    host_ip: str
    ports: tuple[int, int]
    published: str
    entry: Node


@dataclass
class ContainerSpec:
    """A container's security-relevant settings, effective values (pod level merged, container
    level overriding). `kind` is regular, init or ephemeral; `workload` the kind of object that
    runs it (Deployment, CronJob, service, TaskDefinition, kubernetes_deployment ...); `pod_resource`
    and `pod_loc` name and locate the pod spec for pod-level findings reported once per pod.
    `runs_to_completion`: a Job, CronJob or a pod whose restartPolicy is Never/OnFailure, which
    is meant to exit, so health probes do not apply."""

    dialect: str
    kind: str
    name: str
    resource: str
    workload: str
    loc: Location
    node: Node
    pod_resource: str = ""
    pod_loc: Location | None = None
    namespace: str = ""
    runs_to_completion: bool = False
    image: Node | None = None
    builds_image: bool = False
    user: Node | None = None
    run_as_user: Node | None = None
    run_as_non_root: Node | None = None
    privileged: Node | None = None
    allow_privilege_escalation: Node | None = None
    cap_add: list[Scalar] = field(default_factory=list)
    cap_drop: list[Scalar] = field(default_factory=list)
    cap_drop_node: Node | None = None
    read_only_root_fs: Node | None = None
    host_pid: Node | None = None
    host_ipc: Node | None = None
    host_network: Node | None = None
    host_mounts: list[HostMount] = field(default_factory=list)
    seccomp: Node | None = None
    apparmor: Node | None = None
    selinux_type: Node | None = None
    selinux_disabled: Node | None = None
    memory_limit: Node | None = None
    cpu_limit: Node | None = None
    memory_request: Node | None = None
    cpu_request: Node | None = None
    liveness: Node | None = None
    readiness: Node | None = None
    healthcheck_disabled: Node | None = None
    env: list[EnvVar] = field(default_factory=list)
    service_account: Node | None = None
    automount_token: Node | None = None
    log_configuration: Node | None = None
    host_process: Node | None = None
    host_ports: list[Node] = field(default_factory=list)
    proc_mount: Node | None = None
    sysctls: list[tuple[str, Node]] = field(default_factory=list)
    selinux_user_role: list[tuple[str, Node]] = field(default_factory=list)
    volume_types: list[tuple[str, Node]] = field(default_factory=list)
    # What the container runs: entrypoint and command words in order (Compose and ECS may write
    # either as one shell string, kept as one Scalar).
    command: list[Scalar] = field(default_factory=list)
    # Compose only: each published port's host address ("" for all interfaces), port, and entry.
    published_ports: list[PublishedPort] = field(default_factory=list)
    log_driver: Node | None = None
    build_args: list[EnvVar] = field(default_factory=list)
    # Fields this platform can't set, or sets itself when they are left out (Azure Container Apps
    # has no security context): a rule judges a value written there, never that it is missing.
    absent_by_platform: frozenset[str] = frozenset()

    @property
    def path(self) -> str:
        return self.loc.path

    def hit(self, where: Node | Location, key: str, **args: str) -> Hit:
        """A finding about this container at `where`. A value written outside the container (a pod
        setting, a variable default, a CloudFormation parameter, a Compose `x-` anchor) also points
        back at the container, where it is used."""
        loc = where if isinstance(where, Location) else where.loc
        span = self.node.loc
        inside = loc.path == span.path and span.line <= loc.line <= max(span.end_line, span.line)
        return Hit(loc=loc, resource=self.resource, key=key, args=dict(args),
                   related=() if inside else (self.loc,))


@dataclass
class Containers:
    """Every container of a scan, in file order, with the configured registry allow-list."""

    containers: list[ContainerSpec] = field(default_factory=list)
    trusted_registries: tuple[str, ...] = ()
    # `registry/repository` names a deploy tool of the scan (skaffold) replaces with what it built:
    # placeholders in the manifests, not images pulled as written.
    built_images: frozenset[str] = frozenset()

    def __iter__(self) -> Iterator[ContainerSpec]:
        return iter(self.containers)

    def __len__(self) -> int:
        return len(self.containers)
