"""Whether a cache folder and the key that signs its entries can be trusted.

A cache entry is only as trustworthy as the folder it sits in: if another user (or the pull
request under scan) can write the folder, or rename it by writing one of its parents, it can
plant entries. So, as ssh does for `~/.ssh`, the cache folder must be owned by the user and
writable by nobody else, and every folder above it owned by the user or root and writable by
nobody else — a sticky folder such as `/tmp` excepted, where others can add names but not take
over one of ours. A group the user is the only member of (Debian's user private groups) counts
as the user's own. The key lives outside the cache, under the same rules, readable only by
the user.
"""

from __future__ import annotations

import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

KEY_BYTES = 32


class Untrusted(Exception):
    """A folder or key the cache must not use; the message says why, for the note."""


def key_path() -> Path:
    """`$XDG_CONFIG_HOME/hullscan/cache.key`, else `~/.config/hullscan/cache.key`."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "hullscan" / "cache.key"


def private_folder(path: Path) -> Path:
    """The real path of `path`, created (mode 0700) if missing, once it and every folder above
    it pass the checks; Untrusted otherwise."""
    if not hasattr(os, "geteuid"):
        raise Untrusted("file ownership cannot be checked on this platform")
    real = Path(os.path.realpath(path))
    existing = real
    while not existing.exists():
        existing = existing.parent
    for folder in (existing, *existing.parents):
        _check_folder(folder, is_leaf=folder == real)
    for missing in reversed([real, *real.parents][: len(real.parts) - len(existing.parts)]):
        try:
            missing.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise Untrusted(f"cannot create {missing}: {exc.strerror or exc}") from None
        _check_folder(missing, is_leaf=missing == real)
    return real


def _check_folder(folder: Path, is_leaf: bool) -> None:
    try:
        info = os.lstat(folder)
    except OSError as exc:
        raise Untrusted(f"cannot check {folder}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise Untrusted(f"{folder} is not a folder")
    user = os.geteuid()
    if info.st_uid != user and (is_leaf or info.st_uid != 0):
        raise Untrusted(f"{folder} is owned by another user (uid {info.st_uid})")
    sticky = bool(info.st_mode & stat.S_ISVTX) and not is_leaf
    if info.st_mode & stat.S_IWOTH and not sticky:
        raise Untrusted(f"{folder} is writable by every user (mode {stat.S_IMODE(info.st_mode):04o})")
    if info.st_mode & stat.S_IWGRP and not sticky and not _own_group(info.st_gid):
        raise Untrusted(f"{folder} is writable by its group (mode {stat.S_IMODE(info.st_mode):04o})")


@lru_cache(maxsize=16)
def _own_group(gid: int) -> bool:
    """Whether `gid` is the user's private group: named after the user, with no other member."""
    try:
        import grp
        import pwd

        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(gid)
    except (ImportError, KeyError):
        return False
    return group.gr_name == user and set(group.gr_mem) <= {user}


def load_key(path: Path) -> bytes:
    """The user's cache key, made (random, mode 0600) on first use; Untrusted when the file is
    not the user's own, private, regular file of the right size."""
    folder = private_folder(path.parent)
    target = folder / path.name
    try:
        return _read_key(target)
    except FileNotFoundError:
        pass
    temporary = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(temporary, target)  # never replaces a key another process made first
        except FileExistsError:
            pass
    except OSError as exc:
        raise Untrusted(f"cannot create the cache key {target}: {exc.strerror or exc}") from None
    finally:
        try:
            os.unlink(temporary)
        except OSError:
            pass
    try:
        return _read_key(target)
    except FileNotFoundError:
        raise Untrusted(f"the cache key {target} vanished as it was made") from None


def _read_key(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Untrusted(f"cannot read the cache key {path}: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise Untrusted(f"the cache key {path} is not a file of this user's own")
        if info.st_mode & 0o077:
            raise Untrusted(f"the cache key {path} can be read by others (mode {stat.S_IMODE(info.st_mode):04o})")
        key = handle.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise Untrusted(f"the cache key {path} is not {KEY_BYTES} bytes long")
    return key
