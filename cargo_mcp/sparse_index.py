"""Published versions of a crate from the crates.io sparse index (https://index.crates.io), over HTTPS,
cached on disk: a fresh copy is used as is, a stale one is revalidated with its ETag, and when the
network is out of reach a stale copy is used and said so. Nothing is downloaded but index files."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import anyio

from rust_mcp.core.json_nesting import parse_json

from .semver import Version

INDEX_URL = "https://index.crates.io"
CRATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
FRESH_SECONDS = 30 * 60
REQUEST_TIMEOUT = 20.0
PARALLEL_REQUESTS = 8
USER_AGENT = "rust-mcp cargo_outdated (+https://github.com/rust-lang/crates.io-index)"


def index_path(name: str) -> str:
    """Where the sparse index keeps a crate's file (the same layout as the git index)."""
    lower = name.lower()
    if len(lower) <= 2:
        return f"{len(lower)}/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[:2]}/{lower[2:4]}/{lower}"


@dataclass(frozen=True)
class Published:
    name: str
    versions: list[Version]  # not yanked, in index order
    note: str | None = None  # e.g. "index unreachable; cached copy from 3 h ago"
    found: bool = True


def _parse(name: str, body: str, note: str | None) -> Published:
    versions = []
    for line in body.splitlines():
        if line.strip():
            entry = parse_json(line)
            parsed = Version.parse(str(entry.get("vers", "")))
            if parsed is not None and not entry.get("yanked"):
                versions.append(parsed)
    return Published(name, versions, note)


def fetch_published(name: str, cache_dir: Path, fresh_seconds: float = FRESH_SECONDS) -> Published:
    """Blocking: one crate's versions, from the cache or the index (call from a worker thread)."""
    if not CRATE_NAME.fullmatch(name):  # it becomes a URL path and a file name
        return Published(name, [], "not a crates.io crate name", found=False)
    cached_file = cache_dir / f"{name.lower()}.json"
    cached: dict[str, str] = {}
    try:
        cached = parse_json(cached_file.read_text())
    except (OSError, ValueError):
        cached = {}
    age = time.time() - float(cached.get("fetched", 0))
    if cached and age < fresh_seconds:
        return _parse(name, cached["body"], None)
    request = urllib.request.Request(f"{INDEX_URL}/{index_path(name)}", headers={"User-Agent": USER_AGENT})
    if cached.get("etag"):
        request.add_header("If-None-Match", cached["etag"])
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            body = response.read().decode()
            etag = response.headers.get("ETag", "")
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and cached:
            body, etag = cached["body"], cached.get("etag", "")
        elif exc.code in (403, 404, 410):
            return Published(name, [], "not on crates.io", found=False)
        else:
            return _stale(name, cached, age, f"crates.io index answered {exc.code}")
    except (OSError, ValueError) as exc:
        return _stale(name, cached, age, f"crates.io index unreachable ({exc})")
    cache_dir.mkdir(parents=True, exist_ok=True)
    staged = cached_file.with_suffix(f".{os.getpid()}.tmp")
    staged.write_text(json.dumps({"fetched": str(time.time()), "etag": etag, "body": body}))
    staged.replace(cached_file)
    return _parse(name, body, None)


def _stale(name: str, cached: dict[str, str], age: float, problem: str) -> Published:
    if not cached:
        return Published(name, [], f"{problem}; no cached copy", found=False)
    return _parse(name, cached["body"], f"{problem}; using the cached copy from {age / 3600:.1f} h ago")


async def published_versions(names: list[str], cache_dir: Path) -> dict[str, Published]:
    """Every crate's versions, fetched in parallel (a few at a time)."""
    limiter = anyio.CapacityLimiter(PARALLEL_REQUESTS)
    found: dict[str, Published] = {}

    async def one(name: str) -> None:
        found[name] = await anyio.to_thread.run_sync(fetch_published, name, cache_dir, limiter=limiter)

    async with anyio.create_task_group() as group:
        for name in sorted(set(names)):
            group.start_soon(one, name)
    return found
