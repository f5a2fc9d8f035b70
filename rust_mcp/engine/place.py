"""Where the engine keeps its socket, lock and log: a private directory of this user.

`$XDG_RUNTIME_DIR/rust-mcp/` when that variable names a usable directory (a tmpfs the login session
owns), else `$XDG_CACHE_HOME/rust-mcp/engine/` (default `~/.cache/rust-mcp/engine/`). The directory
is created with mode 0700; an existing one that is a symlink, is owned by another user or that
others may enter is refused, never repaired: the socket in it is the door to every session.
"""

from __future__ import annotations

import os
import stat

MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes with its NUL


class PlaceRefused(Exception):
    """The private directory cannot be used; the message says which and why."""


def private_dir(env: os._Environ[str] | dict[str, str] | None = None) -> str:
    """The engine's directory, created 0700 when absent, checked when present."""
    env = os.environ if env is None else env
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and _usable_runtime(runtime):
        return ensure_private(os.path.join(runtime, "rust-mcp"))
    cache = env.get("XDG_CACHE_HOME", "")
    if not (cache and os.path.isabs(cache)):
        cache = os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cache")
    parent = os.path.join(cache, "rust-mcp")
    os.makedirs(parent, mode=0o700, exist_ok=True)
    return ensure_private(os.path.join(parent, "engine"))


def _usable_runtime(path: str) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and os.access(path, os.W_OK | os.X_OK)


def ensure_private(path: str) -> str:
    """`path` as a directory only this user can enter: made 0700 when absent; refused when it is a
    symlink, not a directory, owned by someone else, or open to group or others."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise PlaceRefused(f"cannot create the engine directory {path}: {exc.strerror or exc}") from exc
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise PlaceRefused(f"the engine directory {path} is a symlink; remove it (a real directory is made)")
    if not stat.S_ISDIR(info.st_mode):
        raise PlaceRefused(f"the engine directory {path} is not a directory; remove it")
    if info.st_uid != os.getuid():
        raise PlaceRefused(
            f"the engine directory {path} belongs to uid {info.st_uid}, not to this user ({os.getuid()}); "
            "remove it"
        )
    if info.st_mode & 0o077:
        raise PlaceRefused(
            f"the engine directory {path} has mode {stat.S_IMODE(info.st_mode):04o}; only 0700 is "
            f"accepted (chmod 700 {path}, or remove it)"
        )
    return path


class EngineFiles:
    """One engine's files, named by its key (see identity.engine_key): `<key>.sock`, `.lock`, `.log`."""

    def __init__(self, directory: str, key: str) -> None:
        self.directory = directory
        self.key = key
        self.socket = os.path.join(directory, f"{key}.sock")
        self.lock = os.path.join(directory, f"{key}.lock")
        self.log = os.path.join(directory, f"{key}.log")

    def check_socket_length(self) -> None:
        if len(os.fsencode(self.socket)) > MAX_SOCKET_PATH:
            raise PlaceRefused(
                f"the engine socket path {self.socket} is longer than {MAX_SOCKET_PATH} bytes; set "
                "XDG_RUNTIME_DIR or XDG_CACHE_HOME to a shorter directory"
            )
