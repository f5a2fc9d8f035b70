"""What a sandboxed child is given besides its mounts: its environment (an allowlist of the
server's own, then what the caller passes) and the identity its /etc/passwd and /etc/group show."""

from __future__ import annotations

import fnmatch
import grp
import os
import pwd
from collections.abc import Iterable, Mapping
from pathlib import Path

# what a child may keep from the server's own environment (never tokens or keys)
KEPT_FROM_SERVER = ("LANG", "LANGUAGE", "LC_*", "TZ", "RUST_BACKTRACE", "RUST_LIB_BACKTRACE")
# the operator's network settings, kept only for runs that have the network
NETWORK_FROM_SERVER = (
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "no_proxy",
    "NO_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CARGO_HTTP_*",
    "CARGO_NET_*",
)


def identity_files() -> dict[str, bytes]:
    """/etc/passwd and /etc/group as the sandbox sees them: the server's own user and group (so
    tools that look themselves up still work) and nobody; no other account of the machine."""
    uid, gid = os.getuid(), os.getgid()
    try:
        user = pwd.getpwuid(uid)
        name, home = user.pw_name, user.pw_dir
    except KeyError:
        name, home = "user", str(Path.home())
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = name
    return {
        "passwd": f"{name}:x:{uid}:{gid}:{name}:{home}:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".encode(),
        "group": f"{group}:x:{gid}:\nnogroup:x:65534:\n".encode(),
    }


def scrubbed_environment(
    extra: Mapping[str, str], *, network: bool = False, server_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A child's whole environment: the few harmless settings kept from the server's environment
    (locale, time zone, backtraces; the operator's proxies only for a run with the network), then
    `extra`. Nothing else of the server's environment (tokens, keys) reaches a child."""
    source = os.environ if server_env is None else server_env
    kept = KEPT_FROM_SERVER + (NETWORK_FROM_SERVER if network else ())
    env = {name: value for name, value in source.items() if _matches(name, kept)}
    env.update(extra)
    return env


def search_path(directories: Iterable[Path | str]) -> str:
    """PATH for a child: the given directories, then the system ones."""
    ordered: list[str] = []
    for item in [*directories, "/usr/local/bin", "/usr/bin", "/bin"]:
        text = str(item)
        if text not in ordered:
            ordered.append(text)
    return ":".join(ordered)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
