"""The operator's cargo configuration ($CARGO_HOME/config.toml, or the older `config`) as a sandbox
sees it: a filtered copy, mounted read-only from memory, never the file itself.

The copy keeps an allowlist of tables, the settings that change how code is built: `alias`,
`build`, `cache`, `doc`, `env`, `future-incompat-report`, `patch`, `profile`, `resolver`, `source`,
`target`, `term`, `unstable`, and of `registries.<name>` and `registry` only `index`, `protocol`
and `default`. Gone: every token, credential provider (`credential-provider`,
`global-credential-providers`, `credential-alias`), asymmetric key, `include`, and anything not
listed. `[http]` and `[net]` (proxies, certificates, git-fetch-with-cli) reach only the
dependency-fetch step, the one run with the network (it runs no project code); every other run
also loses the `user:password@` part of any URL outside `[env]`. `[env]` is kept whole: the
operator sets it for the project's build scripts and tests, which see it in their environment.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .build_layout import CONFIG_NAMES
from .toml_text import parse_toml

MAX_CONFIG_BYTES = 1024 * 1024
KEPT_TABLES = frozenset(
    {
        "alias",
        "build",
        "cache",
        "doc",
        "env",
        "future-incompat-report",
        "patch",
        "profile",
        "resolver",
        "source",
        "target",
        "term",
        "unstable",
    }
)
NETWORK_TABLES = frozenset({"http", "net"})
REGISTRY_KEYS = frozenset({"index", "protocol", "default"})

_cache: dict[tuple[str, bool], tuple[tuple[int, int, int], bytes | None]] = {}


def filtered_config(data: Mapping[str, object], *, network: bool) -> dict[str, object]:
    """What a sandbox may see of a parsed cargo configuration (see the module's rules)."""
    kept: dict[str, object] = {}
    for key, value in data.items():
        if key in KEPT_TABLES or (network and key in NETWORK_TABLES):
            kept[key] = value if network or key == "env" else _without_userinfo(value)
        elif key == "registry" and isinstance(value, Mapping):
            kept[key] = {k: v for k, v in value.items() if k in REGISTRY_KEYS}
        elif key == "registries" and isinstance(value, Mapping):
            kept[key] = {
                name: {k: v for k, v in entry.items() if k in REGISTRY_KEYS}
                for name, entry in value.items()
                if isinstance(entry, Mapping)
            }
            if not network:
                kept[key] = _without_userinfo(kept[key])
    return kept


def _without_userinfo(value: object) -> object:
    if isinstance(value, str):
        if "://" not in value or "@" not in value:
            return value
        try:
            parts = urlsplit(value)
        except ValueError:
            return ""
        if parts.username is None and parts.password is None:
            return value
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    if isinstance(value, Mapping):
        return {k: _without_userinfo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_userinfo(v) for v in value]
    return value


def write_toml(data: Mapping[str, object]) -> str:
    """`data` (as tomllib parses it) as TOML: one dotted, quoted key per line, so no table header
    is ever needed; tables inside arrays become inline tables."""
    lines: list[str] = []
    _write_table(data, [], lines)
    return "".join(line + "\n" for line in lines)


def _write_table(table: Mapping[str, object], prefix: list[str], lines: list[str]) -> None:
    for key, value in table.items():
        path = [*prefix, _string(key)]
        if isinstance(value, Mapping) and value:
            _write_table(value, path, lines)
        else:
            lines.append(f"{'.'.join(path)} = {_value(value)}")


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_string(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a TOML value: {type(value).__name__}")


def sandbox_config_files(cargo_home: Path, *, network: bool) -> tuple[tuple[Path, bytes], ...]:
    """(path, filtered content) for each configuration file in `cargo_home`; a file that cannot
    be read or parsed is left out (the sandbox then has no operator configuration at that path)."""
    found: list[tuple[Path, bytes]] = []
    for name in CONFIG_NAMES:
        path = cargo_home / name
        content = _filtered_file(path, network)
        if content is not None:
            found.append((path, content))
    return tuple(found)


def _filtered_file(path: Path, network: bool) -> bytes | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
    key = (str(path), network)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    content = _read_filtered(path, network)
    _cache[key] = (stamp, content)
    return content


def _read_filtered(path: Path, network: bool) -> bytes | None:
    import tomllib

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
            if len(raw) > MAX_CONFIG_BYTES:
                return None
            data = parse_toml(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            return None
    return write_toml(filtered_config(data, network=network)).encode("utf-8")
