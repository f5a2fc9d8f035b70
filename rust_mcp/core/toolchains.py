"""Rust toolchains: name validation, the installed list (the one parser of `rustup toolchain list`),
and which toolchain a project uses, resolved to the real directory of its binaries.

Nothing here runs a rustup proxy (`cargo`, `rustc`, `rust-analyzer` in ~/.cargo/bin) inside a
project: a proxy reads the project's rust-toolchain.toml, whose `path` toolchain would make us run
binaries the agent wrote. rustup itself is asked from a neutral directory, results are cached, and
the asynchronous entry points never block the event loop.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from rust_mcp.core.errors import Refusal

from .file_stamps import FileStamp, file_stamp
from .toolchain_files import find_toolchain_file

# A toolchain is a rustup channel (stable, beta, nightly, 1.95, 1.95.0, nightly-2026-05-01, each
# optionally with a host triple) or a name given to `rustup toolchain link`. Both fit this shape;
# what matters is that nothing else does: no '+', '/', spaces, shell syntax or leading '-'.
TOOLCHAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
TOOLCHAIN_EXAMPLES = "stable, beta, nightly, 1.95.0, nightly-2026-05-01, or a `rustup toolchain link` name"
NEUTRAL_DIRECTORY = "/"  # no rust-toolchain file, no .cargo/config.toml
LIST_CACHE_SECONDS = 300.0  # at most; installing or linking a toolchain is noticed at once
RUSTUP_TIMEOUT = 30.0


class ToolchainRefused(Refusal):
    """A toolchain name we will not pass to rustup; the message lists what is allowed."""


def check_toolchain_name(name: str) -> None:
    if not TOOLCHAIN_NAME.fullmatch(name):
        raise ToolchainRefused(
            f"toolchain {name!r} is not a toolchain name (expected {TOOLCHAIN_EXAMPLES}; "
            "no '+', '/', spaces or leading '-')"
        )


def parse_toolchain_list(text: str) -> tuple[str, ...]:
    """Names from `rustup toolchain list` ("stable-x86_64-unknown-linux-gnu (active, default)")."""
    names = []
    for line in text.splitlines():
        words = line.split()
        if words and TOOLCHAIN_NAME.fullmatch(words[0]) and not line.startswith("no installed"):
            names.append(words[0])
    return tuple(names)


def rustup_executable() -> str | None:
    return shutil.which("rustup")


def rustup_home() -> Path:
    return Path(os.environ.get("RUSTUP_HOME") or Path.home() / ".rustup")


def neutral_output(argv: list[str], timeout: float = RUSTUP_TIMEOUT) -> str | None:
    """What a program prints (stripped), run from a neutral directory so no project's
    rust-toolchain.toml or .cargo/config.toml is read; None when it cannot run or fails."""
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False, cwd=NEUTRAL_DIRECTORY
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def installed_toolchains() -> tuple[str, ...]:
    """The installed toolchains, asked synchronously (doctor, tests); () without rustup."""
    exe = rustup_executable()
    if exe is None:
        return ()
    try:
        proc = subprocess.run(
            [exe, "toolchain", "list"],
            capture_output=True,
            text=True,
            timeout=RUSTUP_TIMEOUT,
            cwd=NEUTRAL_DIRECTORY,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    return parse_toolchain_list(proc.stdout)


def match_installed(name: str, installed: tuple[str, ...]) -> str:
    """The installed toolchain `name` refers to, or a refusal listing the installed ones."""
    check_toolchain_name(name)
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


def is_rustup_proxy(executable: str | Path, rustup: str | None = None) -> bool:
    rustup = rustup or rustup_executable()
    if rustup is None:
        return False
    try:
        return os.path.samefile(executable, rustup)
    except OSError:
        return False


@dataclass(frozen=True)
class Toolchain:
    """A resolved toolchain: the real directory of its binaries (never a rustup proxy)."""

    name: str | None  # the installed rustup toolchain, or None for the cargo found on PATH
    bin_dir: Path
    note: str | None = None  # said to the model when the project's toolchain file was not followed

    @property
    def cargo(self) -> Path:
        return self.bin_dir / "cargo"

    @property
    def rustc(self) -> Path:
        return self.bin_dir / "rustc"

    @property
    def sysroot(self) -> Path:
        return self.bin_dir.parent

    def std_sources(self) -> Path | None:
        library = self.sysroot / "lib" / "rustlib" / "src" / "rust" / "library"
        return library if library.is_dir() else None


@dataclass
class Toolchains:
    """Which toolchain a call uses (its `toolchain`, else the server's default, else RUSTUP_TOOLCHAIN,
    else the channel in the project's toolchain file, else rustup's default), resolved to real
    binaries and cached."""

    default: str | None = None
    _installed: tuple[float, FileStamp | None, tuple[str, ...]] | None = field(default=None, init=False)
    _bins: dict[str, Path] = field(default_factory=dict, init=False)
    _rustup_default: tuple[FileStamp | None, str | None] | None = field(default=None, init=False)

    @property
    def rustup(self) -> str | None:
        return rustup_executable()

    async def installed(self) -> tuple[str, ...]:
        """The installed toolchains, asked again when rustup's toolchains directory changed."""
        now = time.monotonic()
        stamp = file_stamp(rustup_home() / "toolchains")
        cached = self._installed
        if cached is not None and cached[1] == stamp and now - cached[0] < LIST_CACHE_SECONDS:
            return cached[2]
        names = parse_toolchain_list(await self._ask_rustup("toolchain", "list") or "")
        self._installed = (now, stamp, names)
        return names

    async def check_installed(self, name: str) -> str:
        """Refuse a bad or uninstalled toolchain name (the refusal lists the installed ones)."""
        check_toolchain_name(name)
        if self.rustup is None:
            raise ToolchainRefused(
                f"toolchain {name!r} was requested but rustup is not installed, so only the cargo on "
                "PATH can be used; omit `toolchain`"
            )
        return match_installed(name, await self.installed())

    async def resolve(self, requested: str | None, project: Path) -> Toolchain:
        name, note = requested or self.default or os.environ.get("RUSTUP_TOOLCHAIN"), None
        if name is None:
            name, note = self._from_toolchain_file(project)
        if self.rustup is None:
            if name is not None and (requested or self.default):
                await self.check_installed(name)  # refuses: no rustup
            return Toolchain(None, _cargo_on_path().parent, note)
        if name is None:
            name = await self._rustup_default_name()
        installed = await self.check_installed(name)
        bin_dir = self._bins.get(installed)
        if bin_dir is None or not bin_dir.is_dir():
            bin_dir = await self._which(installed)
            self._bins[installed] = bin_dir
        return Toolchain(installed, bin_dir, note)

    def _from_toolchain_file(self, project: Path) -> tuple[str | None, str | None]:
        found = find_toolchain_file(project)
        if found is None:
            return None, None
        if found.path_toolchain is not None:
            return None, (
                f"{found.path} names a path toolchain ({found.path_toolchain}); toolchains inside a "
                "project are never run, so rustup's default toolchain was used (pass `toolchain` to pick one)"
            )
        if found.channel is None or not TOOLCHAIN_NAME.fullmatch(found.channel):
            return None, f"{found.path} names no usable channel; rustup's default toolchain was used"
        return found.channel, None

    async def _rustup_default_name(self) -> str:
        stamp = file_stamp(rustup_home() / "settings.toml")
        if self._rustup_default is None or self._rustup_default[0] != stamp:
            output = await self._ask_rustup("default") or ""
            words = output.split()
            self._rustup_default = (stamp, words[0] if words and TOOLCHAIN_NAME.fullmatch(words[0]) else None)
        name = self._rustup_default[1]
        if name is None:
            raise ToolchainRefused(
                "no toolchain was named and rustup has no default toolchain; pass `toolchain`, start the "
                "server with --default-toolchain, or run `rustup default stable`"
            )
        return name

    async def _which(self, name: str) -> Path:
        output = await self._ask_rustup("which", "--toolchain", name, "cargo")
        if not output:
            raise ToolchainRefused(
                f"toolchain {name!r} has no cargo (`rustup which --toolchain {name} cargo` failed)"
            )
        return Path(await anyio.Path(output.strip()).resolve()).parent

    async def _ask_rustup(self, *args: str) -> str | None:
        exe = self.rustup
        if exe is None:
            return None
        try:
            with anyio.fail_after(RUSTUP_TIMEOUT):
                proc = await anyio.run_process([exe, *args], cwd=NEUTRAL_DIRECTORY, check=False)
        except (OSError, TimeoutError):
            return None
        return proc.stdout.decode(errors="replace") if proc.returncode == 0 else None


def _cargo_on_path() -> Path:
    found = shutil.which("cargo")
    return Path(found).resolve() if found else Path("/usr/bin/cargo")


@dataclass(frozen=True)
class CargoLauncher:
    """How a person would start the same cargo command (shown to the model as `argv`)."""

    cargo: str
    rustup: str | None

    @classmethod
    def discover(cls) -> CargoLauncher:
        cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
        return cls(cargo=cargo, rustup=rustup_executable())

    def argv(self, toolchain: str | None, args: list[str]) -> list[str]:
        if toolchain is None:
            return [self.cargo, *args]
        if is_rustup_proxy(self.cargo, self.rustup):
            return [self.cargo, f"+{toolchain}", *args]
        return ["rustup", "run", toolchain, "cargo", *args]
