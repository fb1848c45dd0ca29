"""What a container hands to the host and its network: the Docker API over plain TCP, services
published on every interface, logs thrown away, and secrets given to the image build.

The Docker daemon check shares its patterns with the Dockerfile rule (DKR070): the concern is the
same, written in a container's command and environment instead of an image's instructions.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.network import SENSITIVE_PORTS
from scanner.checks.container.access import is_placeholder, secret_like_name
from scanner.checks.dockerfile.runtime import DAEMON_TCP
from scanner.model.container import Containers, ContainerSpec, PublishedPort
from scanner.model.image_ref import parse
from scanner.nodes import Node, Scalar, text, truth
from scanner.results.findings import Hit

TLS_PORT = ":2376"
# Host addresses that mean every interface of the machine.
EVERY_INTERFACE = frozenset({"", "0.0.0.0", "::", "*"})


EnvValue = tuple[str | None, Node | None]


def _env(container: ContainerSpec) -> dict[str, EnvValue]:
    """Each variable's literal value (None when it is not a literal) and node."""
    return {var.name: (text(var.value) if var.source == "literal" else None, var.value)
            for var in container.env}


def _dind(container: ContainerSpec) -> bool:
    """The official Docker-in-Docker image, whose entrypoint starts `dockerd` with the container's
    arguments."""
    image = text(container.image)
    ref = parse(image) if image else None
    return ref is not None and ref.full_name == "docker.io/library/docker" and "dind" in ref.tag


def _daemon_endpoint(container: ContainerSpec) -> tuple[Scalar, str] | None:
    """The first plain-TCP address `dockerd` is told to listen on, and the word that says so."""
    words = container.command
    joined, starts = "", []
    for word in words:
        starts.append(len(joined))
        joined += f"{word.value} "
    if ("dockerd" not in joined and not _dind(container)) or "--tlsverify" in joined:
        return None
    for match in DAEMON_TCP.finditer(joined):
        if TLS_PORT not in match.group(1):
            return words[bisect_right(starts, match.start(1)) - 1], match.group(1)
    return None


def _remote(endpoint: str) -> bool:
    """Whether `tcp://host:port` names a daemon outside the project: a single-label name (a
    Compose service, a Kubernetes Service of the namespace, a socket proxy) or a loopback address
    is a daemon started next to the client, judged where it is started."""
    host = endpoint.removeprefix("tcp://").rsplit(":", 1)[0].strip("[]").lower()
    return ("." in host and not host.startswith("127.")) or (":" in host and host != "::1")


def daemon_tcp(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """`dockerd -H tcp://...` without `--tlsverify`, the dind image told to make no certificates
    (with `DOCKER_TLS_CERTDIR` set to the empty string it listens on tcp://0.0.0.0:2375 without
    TLS), and a client's `DOCKER_HOST=tcp://...` to a remote daemon without `DOCKER_TLS_VERIFY`."""
    for container in containers:
        env = _env(container)
        found = _daemon_endpoint(container)
        if found is not None:
            yield container.hit(found[0], f"command.{found[1]}", endpoint=found[1])
        host, node = env.get("DOCKER_HOST", (None, None))
        if host and host.startswith("tcp://") and TLS_PORT not in host and node is not None \
                and _remote(host) and not env.get("DOCKER_TLS_VERIFY", (None, None))[0]:
            yield container.hit(node, "env.DOCKER_HOST", endpoint=host)
        certs, where = env.get("DOCKER_TLS_CERTDIR", (None, None))
        if certs is not None and not certs.strip() and where is not None and _dind(container):
            yield container.hit(where, "env.DOCKER_TLS_CERTDIR", endpoint="tcp://0.0.0.0:2375")


def _sensitive(port: PublishedPort) -> tuple[int, str] | None:
    low, high = port.ports
    return next(((number, name) for number, name in SENSITIVE_PORTS.items() if low <= number <= high), None)


def published_everywhere(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """A database or administration port published on every interface of the host."""
    for container in containers:
        if truth(container.host_network) is True:
            continue
        for port in container.published_ports:
            found = _sensitive(port)
            if found is None or port.host_ip not in EVERY_INTERFACE:
                continue
            number, service = found
            yield container.hit(port.entry, f"ports.{number}", port=str(number), service=service,
                                published=f"host port {port.published}" if port.published else "a random host port")


def logging_disabled(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        driver = container.log_driver
        if isinstance(driver, Scalar) and str(text(driver) or "").strip().lower() == "none":
            yield container.hit(driver, "logging.driver")


def secret_build_arg(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    """A secret-named build argument given a literal value: written in the project, and kept in
    the image's history by any `ARG` that receives it."""
    for container in containers:
        for arg in container.build_args:
            value = text(arg.value)
            if arg.source == "literal" and value is not None and secret_like_name(arg.name) \
                    and not is_placeholder(value, arg.name):
                yield container.hit(arg.loc, f"build.args.{arg.name}", name=arg.name)
