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

Not covered: a name that resolves to a public address when checked and a private one when cargo
connects (DNS rebinding); the operator's own configuration (trusted).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import anyio

from .cargo_projects import MANIFEST_NAME, MAX_MANIFEST_BYTES, project_files
from .roots import AllowedRoots
from .safe_io import read_without_links
from .toml_text import parse_toml

ALLOW_ALL_FLAG = "--allow-private-fetch"
ALLOW_HOST_FLAG = "--allow-fetch-host"
MAX_MANIFESTS = 2000
RESOLVE_SECONDS = 10.0
DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")
URL_KEYS = ("git", "registry-index")
LOCK_PREFIXES = ("git+", "registry+", "sparse+")


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


def named_urls(workspace: Path, roots: AllowedRoots) -> list[str]:
    """Every URL the fetch may contact that the project names, in its manifests, those of its path
    dependencies inside the roots, and its lockfile (blocking: run off the event loop)."""
    urls: list[str] = []
    pending = [Path(entry.path) for entry in project_files(workspace, lambda name: name == MANIFEST_NAME)]
    seen: set[Path] = set()
    while pending and len(seen) < MAX_MANIFESTS:
        manifest = pending.pop()
        if manifest in seen or not roots.contains(manifest):
            continue
        seen.add(manifest)
        for spec in _dependency_specs(_toml(manifest)):
            urls += [value for key in URL_KEYS if isinstance(value := spec.get(key), str)]
            if isinstance(path := spec.get("path"), str):  # a path dependency's own manifest
                pending.append(Path(os.path.normpath(manifest.parent / path / MANIFEST_NAME)))
    packages = _toml(workspace / "Cargo.lock").get("package")
    for package in packages if isinstance(packages, list) else []:
        source = package.get("source") if isinstance(package, dict) else None
        if isinstance(source, str) and source.startswith(LOCK_PREFIXES):
            urls.append(source.split("+", 1)[1].split("#", 1)[0])
    return list(dict.fromkeys(urls))


def _not_global(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def private_address(host: str) -> str | None:
    """The non-global address `host` is or resolves to, or None (also when it does not resolve:
    cargo cannot connect to it either). Blocking."""
    try:
        return host if _not_global(host) else None
    except ValueError:
        pass
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
    for url in named_urls(workspace, roots):
        host = urlsplit(url).hostname
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
        + ", a loopback, link-local or private address, which a project may not make the server "
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
