"""Finding a rust-analyzer that works, and the standard library sources it needs."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

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


def _version_of(candidate: str) -> str | None:
    try:
        proc = subprocess.run(
            [candidate, "--version"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = proc.stdout.strip()
    return out if proc.returncode == 0 and out.startswith("rust-analyzer") else None


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
        version = _version_of(candidate)
        if version is not None:
            return Analyzer(candidate, version)
        tried.append(candidate)
    if explicit:
        raise AnalyzerMissing(f"--rust-analyzer {explicit!r} does not run (`--version` failed)")
    raise AnalyzerMissing(f"no working rust-analyzer found (tried {', '.join(tried)})")


def toolchain_std_sources() -> Path | None:
    try:
        proc = subprocess.run(
            ["rustc", "--print", "sysroot"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    library = Path(proc.stdout.strip()) / "lib" / "rustlib" / "src" / "rust" / "library"
    return library if proc.returncode == 0 and library.is_dir() else None


def std_sources_env() -> tuple[dict[str, str], str | None]:
    """Extra environment for rust-analyzer so it can load std, and a warning when nothing is found."""
    if os.environ.get("RUST_SRC_PATH"):
        return {}, None
    if toolchain_std_sources() is not None:
        return {}, None
    if DEBIAN_STD_SOURCES.is_dir():
        return {"RUST_SRC_PATH": str(DEBIAN_STD_SOURCES)}, None
    return {}, (
        "the standard library sources are missing, so answers about std types will be incomplete; install "
        "them with `rustup component add rust-src` or `apt-get install rust-web-src`"
    )
