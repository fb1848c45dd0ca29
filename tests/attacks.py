"""Tools for the hostile-repository tests (`tests/hostile/`): run hullscan as CI runs it, on a tree
an attacker wrote, with the runner's secrets in the environment and a "remote" server listening.

Every run goes through the installed `hullscan` console script (not `python -m scanner`, which
would put the scanned checkout on `sys.path`), under a 4 GiB address-space limit and a 60 s CPU
limit per process, so that a denial of service fails the test instead of the machine. The bound is
on work, not on the clock, which a loaded machine stretches several-fold; a wall limit five times
longer only catches a run that waits forever without working (a read that never returns).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

# What a CI runner's environment holds and a report must never show, in any encoding.
CANARY = "hullscan-canary-7f3a9c1e5b"
CANARY_ENV = {"CI_JOB_TOKEN": CANARY, "GITHUB_TOKEN": f"ghp_{CANARY}", "AWS_SECRET_ACCESS_KEY": CANARY}
MEMORY_LIMIT = 4 * 1024 ** 3
# The pod a lowered gate would let through: CTR002 (privileged) at line 11.
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
"""
CPU_LIMIT = 60  # seconds of CPU per process of a run
HANG_LIMIT = 300.0  # seconds on the clock: a guard against a run that blocks, not a work bound


def hullscan_command() -> list[str]:
    """The console script beside this interpreter (the one `pip install` made), else on PATH."""
    beside = Path(sys.executable).with_name("hullscan")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("hullscan")
    if found is None:
        raise RuntimeError("the hullscan console script is not installed")
    return [found]


def _limit_resources() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    # SIGXCPU at the soft limit ends the run; the hard limit, a little later, ends one that ignores it.
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT + 5))


def run_hullscan(*args: str, cwd: Path, env: Mapping[str, str] | None = None, stdin: bytes | None = None,
                 timeout: float = HANG_LIMIT) -> subprocess.CompletedProcess[str]:
    """`hullscan ARGS` in `cwd` with the canary secrets set; a run that uses more than CPU_LIMIT
    seconds of CPU, or blocks past `timeout`, fails the test."""
    environment = {**os.environ, **CANARY_ENV, **(env or {})}
    done = subprocess.run([*hullscan_command(), *args], cwd=cwd, env=environment, input=stdin,
                          capture_output=True, timeout=timeout, preexec_fn=_limit_resources, check=False,
                          text=stdin is None, encoding=None if stdin is not None else "utf-8",
                          errors=None if stdin is not None else "replace")
    assert done.returncode != -signal.SIGXCPU, f"hullscan {' '.join(args)} used more than {CPU_LIMIT} s of CPU"
    return done


def leaked(output: str, secret: str = CANARY) -> bool:
    """Whether `secret` shows in `output` as it is, or in base64 or hex (which log masking misses)."""
    import base64

    raw = secret.encode()
    forms = [secret, raw.hex()]
    for offset in range(3):  # inside a longer string the secret starts at one of three alignments
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        forms.append(encoded[4 if offset else 0:-4])  # drop the groups it shares with neighbours
    return any(form and form in output for form in forms)


@contextmanager
def listener() -> Iterator[tuple[str, list[str]]]:
    """A "remote" server on 127.0.0.1: yields (its http URL, the request lines it received)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    received: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    received.append(connection.recv(4096).decode("latin-1").split("\r\n", 1)[0] or "<connect>")
                except OSError:
                    received.append("<connect>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", received
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write `files` (relative path -> text or bytes) under `root`; return `root`."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root
