"""Where cargo writes a project's build output: its target and build directories, as cargo itself
decides them (CARGO_TARGET_DIR and friends, `build.target-dir` and `build.build-dir` in any
.cargo/config.toml from the project up to /, `include`d files, CARGO_HOME's config).

The sandbox must let cargo write there, and cargo_clean deletes there, so the answer comes from
cargo (`cargo metadata --no-deps`, run sandboxed) whenever any setting could move it. Without any
such setting it is `<workspace>/target`, known without asking. Answers are cached until a config
file on the way changes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import Refusal
from .roots import AllowedRoots

DIRECTORY_SETTINGS = ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "CARGO_BUILD_BUILD_DIR")
CONFIG_NAMES = ("config.toml", "config")
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
        data = json.loads(output)
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


def check_build_directory(label: str, path: Path, project: Path, roots: AllowedRoots) -> None:
    """A directory cargo writes build output to (and cargo_clean deletes) must lie inside the roots
    and must not be, or contain, the project or a root."""
    covered = [project, *roots.paths]
    if any(inside == path or inside.is_relative_to(path) for inside in covered):
        raise Refusal(
            f"{label} resolves to {path}, which is or contains the project or a root; cargo writes build "
            "output there and cargo_clean deletes it. Use a subdirectory such as target-x"
        )
    if not roots.contains(path):
        raise Refusal(
            f"{label} resolves to {path}, outside the allowed roots ({roots.describe()}); cargo writes "
            "(and cargo_clean deletes) there, and the sandbox lets it write only inside the roots"
        )
