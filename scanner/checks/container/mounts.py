"""Host mount rules: container runtime sockets, sensitive host paths, writable host mounts.

A runtime socket is full control of the host whether or not it is mounted read-only (the API is
reached through it, not written to it), so socket mounts are reported by their own rule only.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import replace

from scanner.catalog.rules import RuleContext
from scanner.model.container import Containers, ContainerSpec, HostMount
from scanner.nodes import Location, Node, Unknown, text, truth
from scanner.results.findings import Hit

RUNTIME_SOCKETS = ("docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock", "podman.sock",
                   "dockershim.sock")
RUNTIME_DIRS = frozenset({"/var/run/docker", "/run/docker", "/var/run/containerd", "/run/containerd",
                          "/var/run/crio", "/run/crio"})
SENSITIVE_PATHS = frozenset({"/", "/etc", "/proc", "/sys", "/boot", "/dev", "/root", "/home", "/var",
                             "/var/lib", "/var/run", "/run", "/usr", "/lib", "/lib64", "/bin", "/sbin"})
SENSITIVE_TREES = ("/var/lib/docker", "/var/lib/kubelet", "/var/lib/containerd", "/etc/kubernetes",
                   "/root/", "/etc/ssh", "/etc/shadow", "/etc/sudoers", "/etc/cron", "/boot/",
                   "/proc/sys", "/sys/kernel", "/var/lib/etcd", "/etc/docker")


def _host_path(mount: HostMount) -> str | None:
    value = text(mount.path)
    if value is None or isinstance(mount.path, Unknown):
        return None
    value = value.strip()
    return posixpath.normpath(value) if value.startswith("/") else value


def is_runtime_socket(path: str) -> bool:
    return posixpath.basename(path) in RUNTIME_SOCKETS or path in RUNTIME_DIRS


def is_sensitive(path: str) -> bool:
    return path in SENSITIVE_PATHS or any(path == tree.rstrip("/") or path.startswith(tree.rstrip("/") + "/")
                                          for tree in SENSITIVE_TREES)


def _one_finding(container: ContainerSpec, found: list[tuple[Node | Location, str]]) -> Iterator[Hit]:
    """Every offending mount of a container in one finding: at the first, naming each path, with
    the others as related locations, so a host `/` mount is never hidden behind a tamer one."""
    if not found:
        return
    (first, _), rest = found[0], found[1:]
    hit = container.hit(first, "host_mounts", path=", ".join(dict.fromkeys(path for _, path in found)))
    others = tuple(where if isinstance(where, Location) else where.loc for where, _ in rest)
    yield replace(hit, related=(*hit.related, *others)) if others else hit


def runtime_socket_mounted(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        yield from _one_finding(container, [(mount.path, path) for mount in container.host_mounts
                                            if (path := _host_path(mount)) and is_runtime_socket(path)])


def sensitive_host_path_mounted(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        yield from _one_finding(container, [
            (mount.path, path) for mount in container.host_mounts
            if (path := _host_path(mount)) and is_sensitive(path) and not is_runtime_socket(path)])


def writable_host_mount(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """Compose bind mounts of paths inside the project (`./src:/app`) are the development workflow
    Compose exists for; only absolute host paths count there."""
    for container in containers:
        found: list[tuple[Node | Location, str]] = []
        for mount in container.host_mounts:
            path = _host_path(mount)
            if isinstance(mount.read_only, Unknown) or truth(mount.read_only) is True:
                continue
            if path is not None and is_runtime_socket(path):
                continue
            if container.dialect == "compose" and not (path or "").startswith(("/", "~")):
                continue
            where = mount.read_only if mount.read_only is not None else mount.mount
            if where is not None:
                found.append((where, path or "a host path"))
        yield from _one_finding(container, found)
