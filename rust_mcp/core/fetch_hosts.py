"""Where the dependency-fetch step may connect: never, unless the operator allows it, to a loopback,
link-local or private address that a project names.

The fetch step is the only sandboxed run with the network, and what it contacts comes from files an
agent can write: git dependencies, `registry-index` URLs, `[patch]` and `[replace]` entries in every
manifest of the workspace (and of its path dependencies), and the sources in Cargo.lock. A URL whose
host is an address that is not global (127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16, 169.254/16,
100.64/10, fc00::/7, fe80::/10, ...) or a name that resolves to one (`localhost`) would reach the
operator's own machine or network from project-controlled input, so the fetch is not run and the
answer names the URL and the flag (--allow-private-fetch, or --allow-fetch-host HOST for one host).
The project's own .cargo/config.toml is never read by the fetch (it starts in a neutral directory),
so the registries and source replacements it names are not contacted and need no check.

A URL's host is read as cargo's URL parser (WHATWG) reads it, not as Python's: a backslash ends
the authority like a slash, `http:/h` and `http:h` name the host `h`, the host is percent-decoded and
its full-width forms and ideographic full stops mapped, so `http://127.0.0.1\\@github.com/` is
127.0.0.1. A host that is then neither an address nor plain letters, digits, dots and hyphens is
refused as unreadable. Manifests are found as cargo finds them: every manifest under the workspace,
the workspace's `members` (a hidden, `target` or `node_modules` folder too) and path dependencies,
through links as cargo reads them (inside the roots);
the old `dev_dependencies`/`build_dependencies` tables count.

Not covered: a name that resolves to a public address when checked and a private one when cargo
connects (DNS rebinding); the operator's own configuration (trusted).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
import socket
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import anyio

from .cargo_projects import DEPENDENCY_TABLES, MANIFEST_NAME, MAX_MANIFEST_BYTES, project_files
from .errors import Refusal
from .lockfile import LockedPackage, UnreadableLockfile, locked_packages
from .project_files import list_directory
from .roots import AllowedRoots
from .safe_io import read_without_links
from .toml_text import parse_toml

ALLOW_ALL_FLAG = "--allow-private-fetch"
ALLOW_HOST_FLAG = "--allow-fetch-host"
MAX_MANIFESTS = 2000
RESOLVE_SECONDS = 10.0
URL_KEYS = ("git", "registry-index")
LOCK_PREFIXES = ("git+", "registry+", "sparse+")
SPECIAL_SCHEMES = ("http", "https", "ws", "wss", "ftp")  # WHATWG's, whose authority slashes are optional
FULL_STOPS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
PLAIN_HOST = re.compile(r"[a-z0-9_.-]+")
MAX_MEMBER_DIRECTORIES = 2000  # directories a glob in `workspace.members` may list


@dataclass(frozen=True)
class FetchHosts:
    """The operator's allowance: every private address, or these host names."""

    allow_private: bool = False
    allowed_hosts: tuple[str, ...] = ()

    def allows(self, host: str) -> bool:
        return self.allow_private or host.lower() in (h.lower() for h in self.allowed_hosts)


def _toml(path: Path) -> dict[str, object]:
    try:
        data = read_without_links(path, MAX_MANIFEST_BYTES)
        return parse_toml(data.decode()) if data is not None else {}
    except (OSError, ValueError, UnicodeDecodeError):
        return {}  # cargo will say what is wrong with it


def _tables(value: object) -> Iterator[dict[str, object]]:
    if isinstance(value, dict):
        yield value


def _dependency_specs(manifest: dict[str, object]) -> Iterator[dict[str, object]]:
    sections: list[object] = [manifest]
    for target in _tables(manifest.get("target")):
        sections += target.values()
    for workspace in _tables(manifest.get("workspace")):
        sections.append(workspace)
    for section in sections:
        for table in _tables(section):
            for name in DEPENDENCY_TABLES:
                for deps in _tables(table.get(name)):
                    yield from (spec for spec in deps.values() if isinstance(spec, dict))
    for kind in ("patch", "replace"):
        for sources in _tables(manifest.get(kind)):
            for source in sources.values():
                if isinstance(source, dict) and kind == "patch":
                    yield from (spec for spec in source.values() if isinstance(spec, dict))
                elif isinstance(source, dict):
                    yield source


def _inside(path: Path, roots: AllowedRoots) -> Path | None:
    """`path` with its links resolved (cargo follows them), if that lies inside the roots."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a loop, a NUL byte the project wrote
        return None
    return real if roots.contains(real) else None


def _members(manifest_dir: Path, data: dict[str, object], roots: AllowedRoots) -> Iterator[Path]:
    """The manifests `workspace.members` names, globs expanded as cargo expands them (`*` also
    matches a hidden name; a linked folder counts), through the door, only inside the roots, at
    most MAX_MEMBER_DIRECTORIES listed."""
    workspace = data.get("workspace")
    members = workspace.get("members") if isinstance(workspace, dict) else None
    listed = 0
    for pattern in members if isinstance(members, list) else []:
        if not isinstance(pattern, str):
            continue
        found = [manifest_dir]
        for part in Path(pattern).parts:
            if not any(ch in part for ch in "*?["):
                found = [directory / part for directory in found]
                continue
            expanded = []
            for directory in found[: MAX_MEMBER_DIRECTORIES - listed]:
                listed += 1
                real = _inside(directory, roots)
                try:
                    names = [e.name for e in list_directory(real) if not e.is_file] if real else []
                except (OSError, Refusal):
                    continue
                expanded += [directory / name for name in names if fnmatch.fnmatchcase(name, part)]
            found = expanded
        yield from (Path(os.path.normpath(directory / MANIFEST_NAME)) for directory in found)


def named_urls(workspace: Path, roots: AllowedRoots) -> list[str]:
    """Every URL the fetch may contact that the project names, in its manifests, those of its path
    dependencies inside the roots, and its lockfile (blocking: run off the event loop)."""
    urls: list[str] = []
    pending = [Path(entry.path) for entry in project_files(workspace, lambda name: name == MANIFEST_NAME)]
    seen: set[Path] = set()
    while pending and len(seen) < MAX_MANIFESTS:
        manifest = pending.pop()
        real = _inside(manifest, roots)  # a linked folder or manifest: cargo reads through it
        if real is None or real in seen:
            continue
        seen.add(real)
        data = _toml(real)
        pending += _members(manifest.parent, data, roots)
        for spec in _dependency_specs(data):
            urls += [value for key in URL_KEYS if isinstance(value := spec.get(key), str)]
            if isinstance(path := spec.get("path"), str):  # a path dependency's own manifest
                pending.append(Path(os.path.normpath(manifest.parent / path / MANIFEST_NAME)))
    for package in _locked(workspace, roots):
        if package.source is not None and package.source.startswith(LOCK_PREFIXES):
            urls.append(package.source.split("+", 1)[1].split("#", 1)[0])
    return list(dict.fromkeys(urls))


def _locked(workspace: Path, roots: AllowedRoots) -> tuple[LockedPackage, ...]:
    """The packages of the workspace's Cargo.lock (through a link inside the roots, as cargo reads
    it), by the one reader with its one limit. One cargo cannot read either (not TOML, unreadable)
    gives none: cargo stops on it. One too large or not a regular file raises Refusal: cargo may
    still read it, so its sources cannot be said to be checked."""
    lockfile = _inside(workspace / "Cargo.lock", roots)
    try:
        return (locked_packages(lockfile) or ()) if lockfile else ()
    except (UnreadableLockfile, PermissionError):
        return ()


def _not_global(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def url_host(url: str) -> str | None:
    """The host cargo connects to for `url` (as its WHATWG parser reads it; see above), or None."""
    text = "".join(ch for ch in url if ch not in "\t\n\r").strip()
    for prefix in LOCK_PREFIXES:
        text = text.removeprefix(prefix)
    scheme, colon, rest = text.partition(":")
    if colon and scheme.lower() in SPECIAL_SCHEMES:
        text = f"{scheme}://{rest.replace(chr(92), '/').lstrip('/')}"
    try:
        host = urlsplit(text).hostname
    except ValueError:  # an unbalanced bracket: cargo may still read a host there
        return text
    if not host:
        return None
    host = unicodedata.normalize("NFKC", unquote(host)).translate(FULL_STOPS).lower()
    return host.rstrip(".") or host


def _address(host: str) -> str | None:
    """`host` as an address, if it is one (also inet_aton's forms: `0x7f.1`, `2130706433`)."""
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def private_address(host: str) -> str | None:
    """The non-global address `host` is or resolves to, or None (also when it does not resolve:
    cargo cannot connect to it either). A host that is neither an address nor a plain name is
    returned as it is (refused: where it leads is unknown). Blocking."""
    if (address := _address(host)) is not None:
        return host if _not_global(address) else None
    if not PLAIN_HOST.fullmatch(host):
        return host
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        address = str(info[4][0])
        if _not_global(address):
            return address
    return None


def refused_urls(workspace: Path, roots: AllowedRoots, hosts: FetchHosts) -> str | None:
    """Why the fetch must not run, naming each URL and the flag; None when it may. Blocking."""
    if hosts.allow_private:
        return None
    refused = []
    checked: dict[str, str | None] = {}
    try:
        urls = named_urls(workspace, roots)
    except (OSError, Refusal) as exc:
        return (
            f"not run: {exc}, so the sources it names could not be checked for loopback, link-local "
            f"or private addresses. The operator allows any with {ALLOW_ALL_FLAG}."
        )
    for url in urls:
        host = url_host(url)
        if not host or hosts.allows(host):
            continue
        if host not in checked:
            checked[host] = private_address(host)
        if (address := checked[host]) is not None:
            refused.append(f"{url} ({host} is {address})" if address != host else url)
    if not refused:
        return None
    return (
        f"not run: the project names {', '.join(refused[:3])}"
        + (f" and {len(refused) - 3} more" if len(refused) > 3 else "")
        + ", a loopback, link-local or private address (or a host that reads as neither a name nor an "
        "address), which a project may not make the server "
        f"contact. The operator allows it with {ALLOW_HOST_FLAG} HOST (one host) or "
        f"{ALLOW_ALL_FLAG} (any)."
    )


async def check_fetch_hosts(workspace: Path, roots: AllowedRoots, hosts: FetchHosts) -> str | None:
    """refused_urls off the event loop. Hosts that take over RESOLVE_SECONDS to resolve are not
    trusted: the fetch is not run."""
    if hosts.allow_private:
        return None
    with anyio.move_on_after(RESOLVE_SECONDS):
        return await anyio.to_thread.run_sync(refused_urls, workspace, roots, hosts, abandon_on_cancel=True)
    return (
        f"not run: the hosts the project's manifests name did not resolve within {RESOLVE_SECONDS:.0f} s, "
        f"so whether they are private addresses is unknown. The operator allows them with "
        f"{ALLOW_HOST_FLAG} HOST or {ALLOW_ALL_FLAG}."
    )
