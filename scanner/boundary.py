"""The trust boundary: everything hullscan reads from, runs on, or prints about a scanned tree.

The scanned tree is written by whoever opened the pull request, so it is treated as hostile. This
module is the one place that decides

- what may be read: regular files inside the project root, reached by no symbolic link that
  leaves it, with one link only (a hard link can name a file from anywhere on the same disk), and
  no larger than the limit (`/dev/zero` behind a `.dockerignore` is neither regular nor small);
- where a path from the repository's own configuration may point: inside the root, nowhere else;
- how a renderer (Helm, Kustomize) sees the tree: as a private copy of vetted files, run with an
  environment that holds none of the runner's secrets and no way to reach the network;
- how names from the tree are printed: control characters escaped, so a resource name can't
  inject a GitHub workflow command (`::add-mask::`), a fake log line or invalid XML.

Every reader, renderer and reporter goes through these functions instead of `open()`.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class Refused(Exception):
    """A path the boundary will not read; the message says why, for the error line."""


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def contains(root: Path, path: Path) -> bool:
    """Whether `path`, with every symbolic link resolved, lies inside `root` (itself resolved)."""
    try:
        _real(path).relative_to(_real(root))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Boundary:
    """The project root and the size limit every read obeys."""

    root: Path
    max_bytes: int = 10 * 1024 * 1024

    def vet(self, path: Path) -> Path:
        """The real path of a file that may be read, or Refused with the reason."""
        real = _real(path)
        if not contains(self.root, real):
            raise Refused("outside the project root (a symbolic link or path that leaves it); not read")
        try:
            info = os.stat(real)
        except OSError as exc:
            raise Refused(f"cannot read: {exc.strerror or exc}") from None
        _check_regular(info, self.max_bytes)
        return real

    def read_bytes(self, path: Path, limit: int | None = None) -> bytes:
        """The file's bytes, after `vet`; checked again on the open descriptor, so a file swapped
        for a link or a device between the check and the read is still refused."""
        limit = self.max_bytes if limit is None else limit
        real = self.vet(path)
        try:
            descriptor = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise Refused(f"cannot read: {exc.strerror or exc}") from None
        with os.fdopen(descriptor, "rb") as handle:
            _check_regular(os.fstat(handle.fileno()), limit)
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise Refused(f"larger than the {limit}-byte limit (--max-file-size); not read")
        return data

    def read_text(self, path: Path, limit: int | None = None) -> str:
        """UTF-8 text (a BOM dropped, undecodable bytes replaced), for auxiliary files."""
        return self.read_bytes(path, limit).decode("utf-8-sig", errors="replace")

    def config_path(self, value: str, base: Path) -> Path:
        """A path named by a configuration file found in the tree (`helm-values:`, `var-files:`,
        `rules-dir:`): relative to the file, and inside the root, or Refused."""
        if value.startswith("~") or os.path.isabs(value):
            raise Refused(f"{value!r} is not inside the project root; only relative paths are allowed")
        candidate = base / value
        if not contains(self.root, candidate):
            raise Refused(f"{value!r} leads outside the project root")
        return candidate

    def copy_tree(self, source: Path, destination: Path, skip: frozenset[str] = frozenset(),
                  max_files: int = 20_000, max_total: int = 512 * 1024 * 1024) -> list[str]:
        """Copy the vetted files under `source` into `destination` (a renderer's private copy);
        return what was left out, relative to `source`. Links inside the root are copied as the
        files they name; anything else (links out, devices, hard links, files over the limit,
        names in `skip`, folders named in it are not entered) is left out, so a renderer can't
        read it however it resolves paths."""
        left_out: list[str] = []
        count = total = 0
        seen: set[str] = set()
        for path, relative in _walk(source, seen, skip=skip):
            if path.name in skip:
                left_out.append(relative)
                continue
            try:
                data = self.read_bytes(path)
            except Refused:
                left_out.append(relative)
                continue
            count += 1
            total += len(data)
            if count > max_files or total > max_total:
                raise Refused(f"more than {max_files} files or {max_total} bytes to render; not rendered")
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return left_out


def _check_regular(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not a regular file (a device, pipe or socket); not read")
    if info.st_nlink > 1:
        raise Refused("a hard link (it may name a file outside the project); not read")
    if info.st_size > limit:
        raise Refused(f"larger than the {limit}-byte limit (--max-file-size); not read")


def _walk(directory: Path, seen: set[str], prefix: str = "", skip: frozenset[str] = frozenset()
          ) -> Iterator[tuple[Path, str]]:
    """(path, relative name) of every non-directory under `directory`, each folder entered once,
    none named in `skip`."""
    real = os.path.realpath(directory)
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        relative = f"{prefix}{entry.name}"
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name not in skip:
                yield from _walk(Path(entry.path), seen, relative + "/", skip)
        else:
            yield Path(entry.path), relative


@contextmanager
def private_folder(prefix: str = "hullscan-") -> Iterator[Path]:
    """A fresh folder only this user can enter, outside any scanned tree, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# A port nothing listens on: any HTTP(S) request a renderer attempts fails at once, locally.
_NOWHERE = "http://127.0.0.1:9"


def offline_environment(home: Path) -> dict[str, str]:
    """The environment for a renderer's process: none of the runner's variables (CI tokens, cloud
    credentials, registry logins), a private home, and every proxy pointed at a closed local port,
    so that a renderer that tries the network fails instead of reaching it."""
    environment = {
        "PATH": os.environ.get("PATH", os.defpath), "HOME": str(home), "LANG": "C.UTF-8",
        "TMPDIR": str(home), "KUBECONFIG": str(home / "no-kubeconfig"),
        "HELM_CACHE_HOME": str(home / "helm-cache"), "HELM_CONFIG_HOME": str(home / "helm-config"),
        "HELM_DATA_HOME": str(home / "helm-data"), "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"), "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_ALLOW_PROTOCOL": "file",
        "NO_PROXY": "", "no_proxy": "",
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        environment[name] = _NOWHERE
    return environment


class OverLimit(Exception):
    """A renderer's process ran past its time or output limit and was stopped; says which."""


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


_STDERR_KEPT = 64 * 1024


def run_offline(command: list[str], cwd: Path, home: Path, timeout: float, max_output: int) -> Finished:
    """Run a renderer (`kustomize`, `helm`, hullscan's own Helm process) in `cwd`, a private
    copy, with `offline_environment(home)` and nothing on its standard input. It can't outlive its
    limits: past `timeout` seconds, or past `max_output` bytes on standard output, its whole
    process group (a `git` it started included) is killed and OverLimit raised. Standard error
    keeps its last 64 KiB, enough for the renderer's own message."""
    import subprocess
    import threading

    process = subprocess.Popen(command, cwd=cwd, env=offline_environment(home), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    out, err = bytearray(), bytearray()
    too_much = threading.Event()

    def read_out() -> None:
        assert process.stdout is not None
        while chunk := os.read(process.stdout.fileno(), 1 << 16):
            out.extend(chunk)
            if len(out) > max_output:
                too_much.set()
                _kill_group(process.pid)
                return

    def read_err() -> None:
        assert process.stderr is not None
        while chunk := os.read(process.stderr.fileno(), 1 << 16):
            err.extend(chunk)
            del err[:-_STDERR_KEPT]

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for reader in readers:
        reader.start()
    try:
        returncode = process.wait(timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        process.wait()
        raise OverLimit(f"stopped after {timeout:g} s (the time limit for rendering)") from None
    finally:
        _kill_group(process.pid)
        for reader in readers:
            reader.join(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    if too_much.is_set():
        raise OverLimit(f"stopped after writing more than {max_output} bytes (the output limit for rendering)")
    return Finished(returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def _kill_group(pid: int) -> None:
    import signal

    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# C0 and C1 controls, DEL, the bidirectional overrides that make text read differently from what
# it is ("trojan source"), lone surrogates (a file name's undecodable bytes: no encoder writes
# them) and the two noncharacters XML forbids; tab is kept only where a format allows it (never).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """`text` from the scanned tree made safe to print on one line: every control character
    escaped (`\\n`, `\\x1b`, `\\u202e`) and a leading `::` defused, so no name, path or message
    can start a line of its own, inject a CI workflow command, or break an XML report."""
    escaped = _CONTROL.sub(_escape, text)
    return "\\" + escaped if escaped.startswith("::") else escaped


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
