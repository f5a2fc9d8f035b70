"""A client's own sandbox for one call, in the terms our sandbox applies: which paths the client's
agent may write, which it may only read or not see, and whether it has the network.

Codex CLI sends its thread's sandbox with every tools/call to servers that declare the
`codex/sandbox-state-meta` capability, in `_meta["codex/sandbox-state-meta"]`:

    {"permissionProfile": {"type": "managed",
                           "file_system": {"type": "restricted",
                                           "entries": [{"path": {"type": "special",
                                                                 "value": {"kind": "root"}},
                                                        "access": "read"},
                                                       {"path": {"type": "path", "path": "/w"},
                                                        "access": "write"}, ...]},
                           "network": "restricted"},
     "sandboxCwd": "file:///w", "codexLinuxSandboxExe": "...", "useLegacyLandlock": false}

`permissionProfile` is also `{"type": "disabled"}` (danger-full-access) or `{"type": "external",
"network": ...}`. Older Codex versions sent `sandboxPolicy` instead: `{"type": "read-only"}`,
`{"type": "workspace-write", "writable_roots": [...], "network_access": false}`,
`{"type": "danger-full-access"}` or `{"type": "external-sandbox", "network_access": ...}`.
A payload we cannot read is applied as the strictest policy (read-only, no network).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

CODEX_SANDBOX_META = "codex/sandbox-state-meta"
# what Codex keeps read-only inside a writable root
CODEX_PROTECTED_NAMES = (".git", ".codex", ".agents")


@dataclass(frozen=True)
class ClientPolicy:
    """`writable` None: the client does not restrict writes (our own sandbox still does).
    `network` None: the client says nothing about the network (our default applies)."""

    source: str
    writable: tuple[Path, ...] | None = None
    read_only: tuple[Path, ...] = ()
    denied: tuple[Path, ...] = ()
    network: bool | None = None

    def describe(self) -> str:
        if self.writable is None:
            files = "writes as our sandbox allows"
        elif not self.writable:
            files = "read-only (only cargo's target directory is written)"
        else:
            files = "writes only inside " + ", ".join(str(p) for p in self.writable)
        network = {None: "", True: "; network allowed", False: "; no network"}[self.network]
        return f"{self.source}: {files}{network}"


# The policy of one tool call, read when asked. Both servers pass the client's policy as a parameter
# down to where a child starts; cargo-mcp reads it at every call (a shared check's key holds it),
# rust-analyzer-mcp hands this reader down instead, so a warm call that starts nothing never reads it.
PolicyOfCall = Callable[[], "ClientPolicy | None"]


def no_client_policy() -> ClientPolicy | None:
    """The reader for calls without a client (tests, the layers below MCP): no policy was sent."""
    return None


STRICTEST = ClientPolicy(
    "an unreadable client sandbox policy, applied as read-only", writable=(), network=False
)


def parse_codex_sandbox_state(value: Any) -> ClientPolicy | None:
    if not isinstance(value, dict):
        return STRICTEST
    cwd = _path_of(value.get("sandboxCwd"))
    try:
        if isinstance(value.get("permissionProfile"), dict):
            return _from_profile(value["permissionProfile"], cwd)
        if isinstance(value.get("sandboxPolicy"), dict):
            return _from_legacy(value["sandboxPolicy"], cwd)
    except (KeyError, TypeError, ValueError):
        return STRICTEST
    return STRICTEST


def _from_profile(profile: dict[str, Any], cwd: Path | None) -> ClientPolicy | None:
    kind = profile.get("type")
    if kind == "disabled":
        return None  # danger-full-access: the client adds no restriction to ours
    network = profile.get("network") == "enabled"
    if kind == "external":
        return ClientPolicy("Codex (external sandbox)", network=network)
    if kind != "managed":
        return STRICTEST
    files = profile.get("file_system") or {}
    if files.get("type") == "unrestricted":
        return ClientPolicy("Codex (unrestricted files)", network=network)
    if files.get("type") != "restricted":
        return STRICTEST
    writable: list[Path] = []
    read_only: list[Path] = []
    denied: list[Path] = []
    for entry in files.get("entries") or []:
        path = _entry_path(entry.get("path") or {}, cwd)
        access = entry.get("access")
        if path is None:
            continue
        if access == "write":
            writable.append(path)
        elif access == "read":
            read_only.append(path)
        elif access in ("deny", "none"):
            denied.append(path)
    return ClientPolicy(
        "Codex " + ("workspace-write" if writable else "read-only"),
        writable=tuple(writable),
        read_only=tuple(p for p in read_only if any(p != w and p.is_relative_to(w) for w in writable)),
        denied=tuple(denied),
        network=network,
    )


def _entry_path(path: dict[str, Any], cwd: Path | None) -> Path | None:
    """A file-system entry's path; None for what our sandbox handles itself (temporary
    directories, which are private to each run) or cannot express (globs, unknown tokens)."""
    if path.get("type") == "path":
        return _path_of(path.get("path"))
    if path.get("type") != "special":
        return None
    special = path.get("value") or {}
    kind = special.get("kind")
    if kind == "root":
        return Path("/")
    if kind in ("project_roots", "current_working_directory") and cwd is not None:
        subpath = special.get("subpath")
        return _normal(cwd / subpath) if isinstance(subpath, str) and subpath else cwd
    return None


def _from_legacy(policy: dict[str, Any], cwd: Path | None) -> ClientPolicy | None:
    kind = policy.get("type")
    network_value = policy.get("network_access")
    network = network_value is True or network_value == "enabled"
    if kind == "danger-full-access":
        return None
    if kind == "external-sandbox":
        return ClientPolicy("Codex (external sandbox)", network=network)
    if kind == "read-only":
        return ClientPolicy("Codex read-only", writable=(), network=network)
    if kind != "workspace-write":
        return STRICTEST
    roots = [p for raw in policy.get("writable_roots") or [] if (p := _path_of(raw)) is not None]
    if cwd is not None:
        roots.insert(0, cwd)
    protected = tuple(root / name for root in roots for name in CODEX_PROTECTED_NAMES)
    return ClientPolicy("Codex workspace-write", writable=tuple(roots), read_only=protected, network=network)


def _path_of(raw: Any) -> Path | None:
    if not isinstance(raw, str) or not raw or "\x00" in raw:
        return None
    text = unquote(urlparse(raw).path) if raw.startswith("file://") else raw
    return _normal(Path(text)) if text.startswith("/") else None


def _normal(path: Path) -> Path:
    return Path(os.path.normpath(path))
