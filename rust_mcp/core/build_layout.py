"""Where cargo writes a project's build output: its target and build directories, as cargo itself
decides them (CARGO_TARGET_DIR and friends, `build.target-dir` and `build.build-dir` in any
.cargo/config.toml from the project up to /, `include`d files, CARGO_HOME's config).

The sandbox must let cargo write there, and cargo_clean deletes there, so the answer comes from
cargo (`cargo metadata --no-deps`, run sandboxed) whenever any setting could move it. Without any
such setting it is `<workspace>/target`, known without asking. Answers are cached until a config
file on the way changes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import Refusal
from .json_nesting import parse_json
from .safe_io import read_without_links
from .toml_text import parse_toml

DIRECTORY_SETTINGS = ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "CARGO_BUILD_BUILD_DIR")
CONFIG_NAMES = ("config.toml", "config")
MAX_CONFIG_BYTES = 1024 * 1024
Stamp = tuple[str, int, int] | tuple[str]


@dataclass(frozen=True)
class BuildDirs:
    target: Path
    build: Path
    source: str  # where the answer came from, for messages

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.target,) if self.build == self.target else (self.target, self.build)


def config_files(cwd: Path, cargo_home: Path) -> list[Path]:
    """Every place cargo looks for configuration when started in `cwd`."""
    found = [directory / ".cargo" / name for directory in (cwd, *cwd.parents) for name in CONFIG_NAMES]
    return found + [cargo_home / name for name in CONFIG_NAMES]


def _stamps(paths: list[Path]) -> tuple[Stamp, ...]:
    stamps: list[Stamp] = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            stamps.append((str(path),))
            continue
        stamps.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(stamps)


def _no_config(stamps: tuple[Stamp, ...]) -> bool:
    return all(len(stamp) == 1 for stamp in stamps)


class BuildLayout:
    """Build directories per (project directory, toolchain, directory settings), cached."""

    def __init__(self, cargo_home: Path) -> None:
        self.cargo_home = cargo_home
        self._cache: dict[tuple[object, ...], tuple[tuple[Stamp, ...], BuildDirs]] = {}

    async def dirs(
        self,
        cwd: Path,
        workspace: Path,
        toolchain_bin: Path,
        env: Mapping[str, str],
        ask_cargo: Callable[[], Awaitable[str | None]],
    ) -> BuildDirs:
        """`ask_cargo` runs `cargo metadata --no-deps --format-version 1` for this project and
        returns its output (None when it failed)."""
        settings = tuple((name, env[name]) for name in DIRECTORY_SETTINGS if name in env)
        stamps = _stamps(config_files(cwd, self.cargo_home))
        default = workspace / "target"
        if not settings and _no_config(stamps):
            return BuildDirs(default, default, "the default target directory")
        key = (cwd, toolchain_bin, settings)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == stamps:
            return cached[1]
        found = _parse(await ask_cargo())
        if found is None:  # cargo could not say (a broken manifest): the run itself will report it
            return _from_settings(settings, cwd, default)
        self._cache[key] = (stamps, found)
        return found


def _parse(output: str | None) -> BuildDirs | None:
    if not output:
        return None
    try:
        data = parse_json(output)
        target = Path(data["target_directory"])
        build = Path(data.get("build_directory") or target)
    except (ValueError, KeyError, TypeError):
        return None
    return BuildDirs(target, build, "cargo's configuration (CARGO_TARGET_DIR, .cargo/config.toml)")


def _from_settings(settings: tuple[tuple[str, str], ...], cwd: Path, default: Path) -> BuildDirs:
    values = dict(settings)
    raw = values.get("CARGO_TARGET_DIR") or values.get("CARGO_BUILD_TARGET_DIR")
    target = (cwd / raw) if raw else default
    build_raw = values.get("CARGO_BUILD_BUILD_DIR")
    return BuildDirs(target, (cwd / build_raw) if build_raw else target, "cargo_env")


def setting_origin(
    kind: str, path: Path, cwd: Path, workspace: Path, env: Mapping[str, str], cargo_home: Path
) -> tuple[str, str]:
    """Where the `kind` ("target" or "build") directory's value came from, and the one fix for a
    value that is refused: (origin, fix)."""
    own = workspace / "target"
    names = ("CARGO_BUILD_BUILD_DIR",) if kind == "build" else ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR")
    override = names[0]
    for name in names:
        if name in env:
            return (
                f"{name}={env[name]!r} in cargo_env",
                f"pass {name} as a folder inside {own} (e.g. {own / 'other'}), or leave it out",
            )
    key = f"{kind}-dir"
    for file in config_files(cwd, cargo_home):
        value = _config_value(file, key)
        if value is not None:
            return (
                f"build.{key} = {value!r} in {file}",
                f"remove build.{key} from {file}, or override it for this call with cargo_env "
                f"{override}={own}",
            )
    if kind == "build" or path != own:
        return ("cargo's configuration", f"pass cargo_env {override}={own}")
    return ("cargo's default", f"remove what is at {own}; cargo makes the folder itself")


def _config_value(file: Path, key: str) -> str | None:
    """`build.<key>` in one cargo configuration file, read without following links; None when the
    file is absent, unreadable or does not set it."""
    try:
        data = read_without_links(file, MAX_CONFIG_BYTES)
        table = parse_toml((data or b"").decode("utf-8", errors="replace")).get("build")
    except (OSError, Refusal, tomllib.TOMLDecodeError, ValueError):
        return None
    value = table.get(key) if isinstance(table, dict) else None
    return value if isinstance(value, str) else None
