"""The Pod Security Standards controls that no other container rule covers.

Each rule names the profile whose control it enforces (baseline or restricted, as the Kubernetes
documentation lists them), so a team that admits pods under one profile can tell which findings
its namespaces would refuse. Pod-level settings (volumes, sysctls) are reported once per pod, at
the pod's line, not once per container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.container.hardening import DANGEROUS_CAPABILITIES
from scanner.model.container import Containers, ContainerSpec
from scanner.nodes import Node, Unknown, text, truth
from scanner.results.findings import Hit

# Sysctls the baseline profile allows: namespaced, and unable to affect other pods on the node.
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes"})
# Volume types the restricted profile allows; hostPath is judged by the host mount rules.
RESTRICTED_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                "persistentVolumeClaim", "projected", "secret", "hostPath"})
# Capabilities the baseline profile allows a container to add; CTR008 reports the dangerous rest.
BASELINE_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
                                   "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                                   "SYS_CHROOT"})
SELINUX_TYPES = frozenset({"container_t", "container_init_t", "container_kvm_t", "container_engine_t"})


def windows_host_process(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        if truth(container.host_process) is True and container.host_process is not None:
            yield container.hit(container.host_process, "windowsOptions.hostProcess")


def host_port(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        ports = [port for port in container.host_ports if not isinstance(port, Unknown)
                 and str(text(port) or "").strip() not in ("", "0")]
        if ports:
            yield container.hit(ports[0], "ports.hostPort", ports=", ".join(str(text(p)) for p in ports))


def proc_mount_unmasked(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        if container.proc_mount is not None and text(container.proc_mount) == "Unmasked":
            yield container.hit(container.proc_mount, "procMount")


def unsafe_sysctl(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    yield from _once_per_pod(containers, lambda c: [(n, node) for n, node in c.sysctls if n not in SAFE_SYSCTLS],
                             "sysctls")


def selinux_options(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """A type outside the container types, or a user or role set at all (baseline). `spc_t` is
    CTR016's: it is reported there, as SELinux turned off."""
    for container in containers:
        found: list[tuple[str, Node]] = list(container.selinux_user_role)
        kind = container.selinux_type
        if kind is not None and not isinstance(kind, Unknown) and text(kind) not in (*SELINUX_TYPES, "spc_t"):
            found.insert(0, ("type", kind))
        if found:
            yield container.hit(found[0][1], "seLinuxOptions",
                                options=", ".join(f"{name}: {text(node)}" for name, node in found))


def restricted_volume_type(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    yield from _once_per_pod(containers, lambda c: [(k, node) for k, node in c.volume_types
                                                    if k not in RESTRICTED_VOLUMES], "volumes", "types")


def capability_outside_baseline(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        outside = [cap for cap in container.cap_add
                   if (name := str(cap.value).upper().removeprefix("CAP_")) not in BASELINE_CAPABILITIES
                   and name not in DANGEROUS_CAPABILITIES]
        if outside:
            yield container.hit(outside[0], "capabilities.add",
                                capabilities=", ".join(str(cap.value) for cap in outside))


def _once_per_pod(containers: Containers, offending: Callable[[ContainerSpec], list[tuple[str, Node]]],
                  key: str, argument: str = "") -> Iterator[Hit]:
    """A pod-level setting every container of the pod carries: one finding per pod, at the first
    offending entry, naming each offending one (`argument` names them in the message, else `key`)."""
    seen: set[int] = set()
    for container in containers:
        found = offending(container)
        if found and id(found[0][1]) not in seen:
            seen.add(id(found[0][1]))
            names = ", ".join(dict.fromkeys(name for name, _ in found))
            yield Hit(loc=found[0][1].loc, resource=container.pod_resource, key=key,
                      args={argument or key: names})
