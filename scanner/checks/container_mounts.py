"""Host mount rules: container runtime sockets, sensitive host paths, writable host mounts.

A runtime socket is full control of the host whether or not it is mounted read-only (the API is
reached through it, not written to it), so socket mounts are reported by their own rule only.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from scanner.catalog import RuleContext
from scanner.findings import Hit
from scanner.model.container import Containers, HostMount
from scanner.nodes import Unknown, text, truth

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


def runtime_socket_mounted(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        for mount in container.host_mounts:
            path = _host_path(mount)
            if path and is_runtime_socket(path):
                yield container.hit(mount.path, "host_mounts", path=path)
                break


def sensitive_host_path_mounted(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        for mount in container.host_mounts:
            path = _host_path(mount)
            if path and is_sensitive(path) and not is_runtime_socket(path):
                yield container.hit(mount.path, "host_mounts", path=path)
                break


def writable_host_mount(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """Compose bind mounts of paths inside the project (`./src:/app`) are the development workflow
    Compose exists for; only absolute host paths count there."""
    for container in containers:
        for mount in container.host_mounts:
            path = _host_path(mount)
            if isinstance(mount.read_only, Unknown) or truth(mount.read_only) is True:
                continue
            if path is not None and is_runtime_socket(path):
                continue
            if container.dialect == "compose" and not (path or "").startswith(("/", "~")):
                continue
            where = mount.read_only if mount.read_only is not None else mount.mount
            yield container.hit(where, "host_mounts", path=path or "a host path")
            break
