"""Finding a rust-analyzer that works, and the standard library sources it needs.

A rustup proxy (~/.cargo/bin/rust-analyzer) is never started: it would read the rust-toolchain.toml
of whatever directory it runs in, and a `path` toolchain there names binaries the agent wrote. A
proxy found on PATH is replaced by the real binary rustup names for the default toolchain (asked
from a neutral directory), and every candidate is tried from a neutral directory.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from rust_mcp.core.file_stamps import FileStamp, file_stamp
from rust_mcp.core.shared_runs import relevant_env
from rust_mcp.core.toolchains import Toolchain, is_rustup_proxy, neutral_output, rustup_executable

INSTALL_HINT = (
    "install it with `rustup component add rust-analyzer rust-src`, or on Debian 12 with "
    "`apt-get install rust-web-analyzer rust-web-src`, or pass --rust-analyzer PATH"
)
DEBIAN_STD_SOURCES = Path("/usr/lib/rustlib/src/rust/library")
CACHED_BUILD = Path.home() / ".cache" / "rust-mcp" / "ra" / "bin" / "rust-analyzer"


class AnalyzerMissing(RuntimeError):
    """No working rust-analyzer; the message names the fix."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; {INSTALL_HINT}")
        self.reason = reason


@dataclass(frozen=True)
class Analyzer:
    path: str
    version: str


def _output(argv: list[str]) -> str | None:
    return neutral_output(argv, timeout=20)


def _version_of(candidate: str) -> str | None:
    out = _output([candidate, "--version"])
    return out if out is not None and out.startswith("rust-analyzer") else None


def real_binary(candidate: str) -> str | None:
    """`candidate` itself, or for a rustup proxy the binary rustup would run for its default
    toolchain (None when that toolchain has no rust-analyzer)."""
    rustup = rustup_executable()
    if not is_rustup_proxy(candidate, rustup):
        return candidate
    found = _output([str(rustup), "which", "rust-analyzer"])
    return str(Path(found).resolve()) if found else None


def candidates(explicit: str | None) -> list[str]:
    """Where to look, in order: $RUST_ANALYZER, PATH, /usr/bin, our cached build. An explicit
    --rust-analyzer is the only candidate: the operator chose it."""
    if explicit:
        return [explicit]
    found = [
        os.environ.get("RUST_ANALYZER"),
        shutil.which("rust-analyzer"),
        "/usr/bin/rust-analyzer",
        str(CACHED_BUILD),
    ]
    ordered: list[str] = []
    for item in found:
        if item and item not in ordered:
            ordered.append(item)
    return ordered


def find_analyzer(explicit: str | None = None) -> Analyzer:
    """The first candidate that answers `--version` (a rustup proxy for a toolchain without the
    component exits non-zero, so it is skipped rather than trusted)."""
    tried = []
    for candidate in candidates(explicit):
        real = real_binary(candidate)
        version = _version_of(real) if real is not None else None
        if real is not None and version is not None:
            return Analyzer(real, version)
        tried.append(candidate if real in (None, candidate) else f"{candidate} ({real})")
    if explicit:
        raise AnalyzerMissing(f"--rust-analyzer {explicit!r} does not run (`--version` failed)")
    raise AnalyzerMissing(f"no working rust-analyzer found (tried {', '.join(tried)})")


_FOUND: dict[tuple[object, ...], tuple[Analyzer, FileStamp, float]] = {}
FOUND_SECONDS = 300.0  # a found rust-analyzer is trusted this long while its binary is unchanged


def find_analyzer_again(explicit: str | None = None) -> Analyzer:
    """find_analyzer, remembered for the sessions of one process (the engine's): the same choice
    (`explicit` and the environment that decides it) answers from memory for FOUND_SECONDS while the
    binary found is unchanged, instead of running rustup and `--version` again (~0.3 s)."""
    key = (explicit, relevant_env(os.environ))
    kept = _FOUND.get(key)
    now = time.monotonic()
    if kept is not None and now - kept[2] < FOUND_SECONDS and file_stamp(kept[0].path) == kept[1]:
        return kept[0]
    analyzer = find_analyzer(explicit)
    stamp = file_stamp(analyzer.path)
    if stamp is not None:
        _FOUND[key] = (analyzer, stamp, now)
    return analyzer


def toolchain_std_sources(toolchain: Toolchain) -> Path | None:
    return toolchain.std_sources()


def std_sources_env(own: Path | None = None) -> tuple[dict[str, str], str | None]:
    """Extra environment for rust-analyzer so it can load std (`own`: the toolchain's rust-src,
    which rust-analyzer finds by itself), and a warning when nothing is found."""
    if os.environ.get("RUST_SRC_PATH"):
        return {"RUST_SRC_PATH": os.environ["RUST_SRC_PATH"]}, None
    if own is not None:
        return {}, None
    if DEBIAN_STD_SOURCES.is_dir():
        return {"RUST_SRC_PATH": str(DEBIAN_STD_SOURCES)}, None
    return {}, (
        "the standard library sources are missing, so answers about std types will be incomplete; install "
        "them with `rustup component add rust-src` or `apt-get install rust-web-src`"
    )
