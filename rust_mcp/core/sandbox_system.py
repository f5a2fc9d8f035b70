"""What every sandbox has, whatever it runs (sandbox.py builds the rest): its own namespaces, no
capabilities, and the system part of its file system: /usr and the merged-usr links, the few /etc
files compilers, linkers and build scripts read, /proc, /dev and a private /tmp."""

from __future__ import annotations

import os
from pathlib import Path

MERGED_USR = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# what compilers, linkers and build scripts read from /etc; nothing with secrets in it
ETC_ALWAYS = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",  # cc -> gcc on Debian
    "passwd",  # written for the sandbox: only the server's own user and nobody (see identity_files)
    "group",
    "nsswitch.conf",
    "hosts",
    "localtime",
    "timezone",
    "os-release",
)
ETC_NETWORK = ("resolv.conf", "ssl", "ca-certificates", "ca-certificates.conf", "gai.conf", "services")


def namespace_flags(network: bool) -> list[str]:
    """bubblewrap's namespace flags: everything unshared, the network only when asked."""
    # own user namespace without capabilities, and no further user namespaces inside
    flags = ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL", "--die-with-parent"]
    if network:
        flags.append("--share-net")
    return flags


def system_mounts(network: bool, tmp_size: int | None = None) -> list[tuple[Path, list[str]]]:
    """(path, bubblewrap arguments) for what every sandbox has: /usr and its merged-usr links, a
    few /etc files, /proc, /dev and a private /tmp (of at most `tmp_size` bytes)."""
    mounts: list[tuple[Path, list[str]]] = [(Path("/usr"), ["--ro-bind", "/usr", "/usr"])]
    for name in MERGED_USR:
        path = Path("/") / name
        if path.is_symlink():
            mounts.append((path, ["--symlink", os.readlink(path), str(path)]))
        elif path.is_dir():
            mounts.append((path, ["--ro-bind", str(path), str(path)]))
    for name in (*ETC_ALWAYS, *(ETC_NETWORK if network else ())):
        mounts.append((Path("/etc") / name, ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]))
    mounts += [
        (Path("/proc"), ["--proc", "/proc"]),
        (Path("/dev"), ["--dev", "/dev"]),
        (Path("/tmp"), [*(["--size", str(tmp_size)] if tmp_size else []), "--tmpfs", "/tmp"]),
    ]
    return mounts
