"""Rust toolchains through rustup: name validation, the installed list, and how to run cargo with one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from rust_mcp.core.errors import Refusal

# A toolchain is a rustup channel (stable, beta, nightly, 1.95, 1.95.0, nightly-2026-05-01, each
# optionally with a host triple) or a name given to `rustup toolchain link`. Both fit this shape;
# what matters is that nothing else does: no '+', '/', spaces, shell syntax or leading '-'.
TOOLCHAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
TOOLCHAIN_EXAMPLES = "stable, beta, nightly, 1.95.0, nightly-2026-05-01, or a `rustup toolchain link` name"


class ToolchainRefused(Refusal):
    """A toolchain name we will not pass to rustup; the message lists what is allowed."""


def check_toolchain_name(name: str) -> None:
    if not TOOLCHAIN_NAME.fullmatch(name):
        raise ToolchainRefused(
            f"toolchain {name!r} is not a toolchain name (expected {TOOLCHAIN_EXAMPLES}; "
            "no '+', '/', spaces or leading '-')"
        )


@dataclass
class Rustup:
    """What rustup knows; the installed list is cached briefly because it costs a process spawn."""

    cache_seconds: float = 10.0
    _cached: tuple[float, tuple[str, ...]] | None = field(default=None, init=False)

    @property
    def executable(self) -> str | None:
        return shutil.which("rustup")

    def installed(self) -> tuple[str, ...]:
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self.cache_seconds:
            return self._cached[1]
        names: tuple[str, ...] = ()
        exe = self.executable
        if exe is not None:
            try:
                proc = subprocess.run(
                    [exe, "toolchain", "list"], capture_output=True, text=True, timeout=20, check=False
                )
                names = tuple(line.split()[0] for line in proc.stdout.splitlines() if line.strip())
            except (OSError, subprocess.SubprocessError):
                names = ()
        self._cached = (now, names)
        return names

    def resolve(self, name: str) -> str:
        """Return the installed toolchain `name` refers to, or raise listing the installed ones."""
        check_toolchain_name(name)
        installed = self.installed()
        if self.executable is None:
            raise ToolchainRefused(
                f"toolchain {name!r} was requested but rustup is not installed, so only the cargo on "
                "PATH can be used; omit `toolchain`"
            )
        for entry in installed:
            if entry == name or _is_name_with_host(entry, name):
                return entry
        listed = ", ".join(installed) if installed else "none"
        raise ToolchainRefused(
            f"toolchain {name!r} is not installed. Installed toolchains: {listed}. "
            f"Install it with `rustup toolchain install {name}` or pick an installed one."
        )


def _is_name_with_host(entry: str, name: str) -> bool:
    """`stable-x86_64-unknown-linux-gnu` is `stable` plus a host triple; `nightly-2026-05-01-...`
    is not `nightly` (the remainder starts with a date, not an architecture)."""
    if not entry.startswith(name + "-"):
        return False
    rest = entry[len(name) + 1 :]
    return rest[:1].isalpha() and rest.count("-") >= 2


def _is_rustup_proxy(executable: str, rustup: str | None) -> bool:
    if rustup is None:
        return False
    try:
        return os.path.samefile(executable, rustup)
    except OSError:
        return False


@dataclass(frozen=True)
class CargoLauncher:
    """How to start cargo, with or without an explicit toolchain."""

    cargo: str
    rustup: str | None

    @classmethod
    def discover(cls) -> CargoLauncher:
        cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
        return cls(cargo=cargo, rustup=shutil.which("rustup"))

    def argv(self, toolchain: str | None, args: list[str]) -> list[str]:
        if toolchain is None:
            return [self.cargo, *args]
        if _is_rustup_proxy(self.cargo, self.rustup):
            return [self.cargo, f"+{toolchain}", *args]
        if self.rustup is None:
            raise ToolchainRefused("a toolchain was requested but rustup is not installed")
        return [self.rustup, "run", toolchain, "cargo", *args]
