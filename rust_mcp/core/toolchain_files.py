"""A project's `rust-toolchain.toml` (or legacy `rust-toolchain`), read the way rustup finds it: the
first one in the project directory or an ancestor. The file is the agent's to write, so only a
channel name is taken from it; a `path` toolchain (a directory of binaries) is never followed."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import Refusal
from .project_files import name_present, read_text
from .toml_text import parse_toml

FILE_NAMES = ("rust-toolchain", "rust-toolchain.toml")  # rustup prefers the legacy name in a directory
MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class ToolchainFile:
    path: Path
    channel: str | None  # what the file asks for, unchecked
    path_toolchain: str | None  # `[toolchain] path = ...`, which is never followed


def find_toolchain_file(start: Path) -> ToolchainFile | None:
    """The toolchain file rustup would use for `start` (a directory), or None. A name that is there
    but not a regular file reached without links (a link, a FIFO) counts as found and unreadable."""
    for directory in (start, *start.parents):
        for name in FILE_NAMES:
            candidate = directory / name
            if name_present(candidate) and not candidate.is_dir():
                return read_toolchain_file(candidate)
    return None


def read_toolchain_file(path: Path) -> ToolchainFile:
    """The file read through the one door (no link followed, a regular file, at most MAX_FILE_BYTES)."""
    try:
        text = read_text(path, MAX_FILE_BYTES)
    except (OSError, Refusal):
        return ToolchainFile(path, None, None)
    if text is None:
        return ToolchainFile(path, None, None)
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError:
        # the legacy format: the file is just a channel name
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return ToolchainFile(path, lines[0] if len(lines) == 1 else None, None)
    table = data.get("toolchain")
    if not isinstance(table, dict):
        return ToolchainFile(path, None, None)
    channel = table.get("channel")
    linked = table.get("path")
    return ToolchainFile(
        path,
        channel if isinstance(channel, str) else None,
        linked if isinstance(linked, str) else None,
    )
