"""Container rules that need more than one field or a value test: identity, capabilities,
confinement profiles, requests and health. Each yields at most one hit per container."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.container import Containers, ContainerSpec
from scanner.nodes import Location, Node, Unknown, text, truth
from scanner.results.findings import Hit

DANGEROUS_CAPABILITIES = frozenset({"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE",
                                    "DAC_READ_SEARCH", "MKNOD", "NET_RAW", "BPF", "ALL"})
_ROOT_NAMES = frozenset({"root", "0"})


def runs_as_root(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        found = _root_user(container)
        if found is not None:
            where, reason = found
            yield container.hit(where, "user", reason=reason)


# Said when nothing in the file sets the user: the image decides, and most images run as root.
_MAY_BE_ROOT = "may run as root: no non-root user is required, so it runs as the image's user (root unless the image sets one)"


def _root_user(container: ContainerSpec) -> tuple[Node | Location, str] | None:
    """Where and why the container is shown to run as root; None when it runs as another user
    or the answer is unknown."""
    missing = (container.loc, _MAY_BE_ROOT)
    if container.dialect != "kubernetes":
        user = container.user
        if user is None and "user" in container.absent_by_platform:
            return None
        if user is None:
            # A Compose service built here takes its user from its Dockerfile, which DKR rules judge.
            return None if container.builds_image else missing
        name = text(user)
        is_root = name is not None and name.split(":")[0].strip().lower() in _ROOT_NAMES
        return (user, "runs as root: its user is root") if is_root else None
    uid, non_root = container.run_as_user, container.run_as_non_root
    if isinstance(uid, Unknown) or isinstance(non_root, Unknown):
        return None
    if uid is not None:
        return (uid, "runs as root: its user ID is 0") if (text(uid) or "").strip() == "0" else None
    if truth(non_root) is True:
        return None
    return (non_root, "may run as root: runAsNonRoot is false and no user ID is set") if non_root is not None \
        else missing


def capabilities_not_dropped(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        drop = container.cap_drop_node
        if isinstance(drop, Unknown) or (drop is None and "cap_drop" in container.absent_by_platform):
            continue
        if not any(str(cap.value).upper() in ("ALL", "CAP_ALL") for cap in container.cap_drop):
            yield container.hit(drop if drop is not None else container.loc, "capabilities.drop")


def dangerous_capabilities(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        bad = [cap for cap in container.cap_add
               if str(cap.value).upper().removeprefix("CAP_") in DANGEROUS_CAPABILITIES]
        if bad:
            names = ", ".join(str(cap.value) for cap in bad)
            yield container.hit(bad[0], "capabilities.add", capabilities=names)


def seccomp_unconfined(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    yield from _unconfined(containers, "seccomp")


def apparmor_unconfined(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    yield from _unconfined(containers, "apparmor")


def _unconfined(containers: Containers, field: str) -> Iterator[Hit]:
    for container in containers:
        node = getattr(container, field)
        if (text(node) or "").lower() == "unconfined":
            yield container.hit(node, field)


def seccomp_profile_missing(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """Kubernetes runs containers unconfined unless a profile is set (Docker and ECS apply the
    runtime's default profile, so only an explicit `unconfined` counts there)."""
    for container in containers:
        if container.dialect == "kubernetes" and container.seccomp is None \
                and truth(container.privileged) is not True:
            yield container.hit(container.loc, "seccomp")


def selinux_disabled(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        if truth(container.selinux_disabled) is True:
            yield container.hit(container.selinux_disabled, "selinux")  # type: ignore[arg-type]
        elif (text(container.selinux_type) or "").lower() == "spc_t":
            yield container.hit(container.selinux_type, "selinux")  # type: ignore[arg-type]


def requests_missing(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """A Kubernetes request defaults to its limit, so only a resource with neither is unrequested."""
    for container in containers:
        if container.dialect != "kubernetes" or container.kind == "ephemeral":
            continue
        missing = [name for name, request, limit in (
            ("memory", container.memory_request, container.memory_limit),
            ("cpu", container.cpu_request, container.cpu_limit)) if request is None and limit is None]
        if missing:
            yield container.hit(container.loc, "resources.requests",
                         resources=" and ".join(missing))


def health_check_missing(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """Init and ephemeral containers may not have probes; Jobs and run-once pods are meant to exit."""
    for container in containers:
        if container.kind != "regular" or container.runs_to_completion:
            continue
        if container.healthcheck_disabled is not None and truth(container.healthcheck_disabled):
            yield container.hit(container.healthcheck_disabled, "healthcheck")
        elif container.liveness is None:
            yield container.hit(container.loc, "healthcheck")
