"""The world the hostile crates attack: an allowed root holding copies of fixtures/hostile, marker
paths outside it, a loopback listener, secrets in the servers' environment and in a cargo home, and
the attacker programs and configuration files the crates name. After each tool call the tests ask
what escaped: marker files that exist, connections the listener accepted, secrets in an answer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mcp_types import CallToolResult

from rust_mcp.dev.figures import record
from tests.support import FIXTURES, require_bubblewrap, text_of
from tests.support.canaries import Listener, loopback_listener, unix_listeners

HOSTILE = FIXTURES / "hostile"
TOOLCHAIN_PROGRAMS = (
    "cargo",
    "rustc",
    "rustdoc",
    "rust-analyzer",
    "cargo-clippy",
    "clippy-driver",
    "cargo-fmt",
    "rustfmt",
)
CONFIG_PROGRAMS = ("wrapper", "fake-rustc", "linker", "runner", "credential")
EVIDENCE = "hostile-evidence"
RA_EVIDENCE = Path("target") / "rust-analyzer" / EVIDENCE


@dataclass
class HostileWorld:
    root: Path  # the servers' only allowed root
    outside: Path  # outside the root
    tag: str
    listener: Listener
    cargo_home: Path  # the servers' CARGO_HOME, holding a credentials.toml with a secret
    token: str  # the servers' HTTP bearer token (in their environment)
    credential: str  # the secret in credentials.toml
    markers: list[Path]
    unix: Listener = field(default_factory=Listener)  # the unix-socket canary (unix_listeners)

    @property
    def hostile(self) -> Path:
        return self.root / "hostile"

    def crate(self, name: str) -> Path:
        return self.hostile / name

    def server_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CARGO_HOME": str(self.cargo_home),
            "CARGO_MCP_AUTH_TOKEN": self.token,
            "RUST_ANALYZER_MCP_AUTH_TOKEN": self.token,
        }

    def escaped_files(self) -> list[str]:
        """Marker files the payload managed to write outside what it may write."""
        found = []
        for marker in self.markers:
            found += [str(p) for p in marker.parent.glob(f"{marker.name}*")] if marker.parent.is_dir() else []
        home = Path.home()
        found += [str(p) for p in home.glob(f".rust-mcp-hostile-{self.tag}*")]
        return sorted(found)

    def secrets_in(self, text: str) -> list[str]:
        return [
            name
            for name, secret in (("token", self.token), ("credential", self.credential))
            if secret in text
        ]

    def escapes_after(self, label: str, result: CallToolResult) -> list[str]:
        """What got out during one call (and reset, so the next call is judged on its own)."""
        problems = []
        answer = text_of(result) + json.dumps(result.structured_content or {})
        if escaped := self.escaped_files():
            problems.append(f"{label} wrote outside: {escaped}")
            self.clean_up()
        if self.listener.connections:
            problems.append(f"{label} connected: {self.listener.connections}")
            self.listener.connections.clear()
        if self.unix.connections:
            problems.append(f"{label} connected to a unix socket: {self.unix.connections}")
            self.unix.connections.clear()
        if secrets := self.secrets_in(answer):
            problems.append(f"{label} showed the {secrets}")
        record("hostile calls checked", 1, add=True)
        return problems

    def evidence(self, workspace: Path, analyzer: bool = False) -> dict[str, str]:
        """kind -> what the payload reported, from the workspace (cargo) or rust-analyzer's target."""
        directory = workspace / (RA_EVIDENCE if analyzer else Path(EVIDENCE))
        if not directory.is_dir():
            return {}
        return {path.name: path.read_text(errors="replace") for path in directory.iterdir()}

    def clean_up(self) -> None:
        for marker in self.markers:
            if marker.parent.is_dir() and self.tag in str(marker.parent):
                shutil.rmtree(marker.parent, ignore_errors=True)
            else:
                for path in marker.parent.glob(f"{marker.name}*") if marker.parent.is_dir() else []:
                    path.unlink(missing_ok=True)
        for path in Path.home().glob(f".rust-mcp-hostile-{self.tag}*"):
            path.unlink(missing_ok=True)


@contextmanager
def hostile_world(base: Path) -> Iterator[HostileWorld]:
    """A world built under `base`, with its listener running, cleaned up afterwards."""
    require_bubblewrap()
    with loopback_listener() as listener, unix_listeners(canary_sockets(base)) as unix:
        world = build_world(base, listener)
        world.unix = unix
        try:
            yield world
        finally:
            world.clean_up()


def canary_sockets(base: Path) -> list[Path]:
    """Where the unix-socket canary listens: inside the root (reachable through its read-only
    mount unless contained) and outside it."""
    return [base / "root" / "sockets" / "canary.sock", base / "sockets-outside" / "canary.sock"]


def build_world(base: Path, listener: Listener) -> HostileWorld:
    """Copy the hostile crates under `base/root`, write their orders, build the attacker programs
    (with plain cargo, outside the servers) and write the configuration files that name them."""
    tag = uuid.uuid4().hex[:10]
    root = base / "root"
    outside = base / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    shutil.copytree(HOSTILE, root / "hostile", ignore=shutil.ignore_patterns("target"))
    (root / "victim").mkdir(parents=True)
    cargo_home = base / "cargo-home"
    (cargo_home / "registry").mkdir(parents=True)
    credential = f"credential-{uuid.uuid4().hex}"
    (cargo_home / "credentials.toml").write_text(f'[registry]\ntoken = "{credential}"\n')
    markers = [
        outside / "marker",
        root / "victim" / "marker",
        Path("/tmp") / f"rust-mcp-hostile-{tag}" / "marker",
        Path("/var/tmp") / f"rust-mcp-hostile-{tag}" / "marker",
        Path.home() / f".rust-mcp-hostile-{tag}",
        cargo_home / "registry" / f"marker-{tag}",
    ]
    world = HostileWorld(
        root, outside, tag, listener, cargo_home, f"token-{uuid.uuid4().hex}", credential, markers
    )
    _write_orders(world)
    programs = _build_programs(world, base / "build")
    _install(world, programs)
    return world


def _rust_list(items: list[str]) -> str:
    return "&[" + ", ".join(f'"{item}"' for item in items) + "]"


def _write_orders(world: HostileWorld) -> None:
    secrets = [str(world.cargo_home / "credentials.toml"), str(Path.home() / ".cargo" / "credentials.toml")]
    sockets = canary_sockets(world.root.parent)
    (world.hostile / "payload" / "orders.rs").write_text(
        f'pub const TAG: &str = "{world.tag}";\n'
        f"pub const PORT: u16 = {world.listener.port};\n"
        f"pub const MARKERS: &[&str] = {_rust_list([str(m) for m in world.markers])};\n"
        "pub const EVIDENCE_DIRS: &[&str] = &[];\n"
        f"pub const SECRET_FILES: &[&str] = {_rust_list(secrets)};\n"
        f"pub const UNIX_SOCKETS: &[&str] = {_rust_list([str(p) for p in sockets])};\n"
    )


def _build_programs(world: HostileWorld, target: Path) -> dict[str, Path]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARGO_TARGET")}
    for crate, extra in (("payload", ["--bin", "attacker"]), ("preload", [])):
        manifest = world.hostile / crate / "Cargo.toml"
        subprocess.run(
            [
                "cargo",
                "build",
                "--quiet",
                "--manifest-path",
                str(manifest),
                "--target-dir",
                str(target),
                *extra,
            ],
            check=True,
            env=env,
            cwd=world.hostile / crate,
            timeout=600,
        )
    return {"attacker": target / "debug" / "attacker", "preload": target / "debug" / "libhostile_preload.so"}


def host_triple() -> str:
    output = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True, cwd="/").stdout
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("host: "))


def _program_dir(directory: Path, programs: dict[str, Path], names: tuple[str, ...]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(programs["attacker"], directory / name)
    shutil.copy2(programs["preload"], directory / "libhostile_preload.so")
    return directory


def _install(world: HostileWorld, programs: dict[str, Path]) -> None:
    triple = host_triple()
    port = world.listener.port
    for config_dir, tools in (
        (world.crate("config-project") / ".cargo", world.crate("config-project") / "tools"),
        (world.crate("parent") / ".cargo", world.crate("parent") / "tools"),
    ):
        _program_dir(tools, programs, CONFIG_PROGRAMS)
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "evil.toml").write_text(f'[build]\nrustc-wrapper = "{tools / "wrapper"}"\n')
        (config_dir / "config.toml").write_text(
            'include = ["evil.toml"]\n\n'
            f'[build]\nrustc = "{tools / "fake-rustc"}"\n\n'
            f'[target.{triple}]\nrunner = "{tools / "runner"}"\nlinker = "{tools / "linker"}"\n\n'
            f'[env]\nLD_PRELOAD = "{tools / "libhostile_preload.so"}"\n\n'
            f'[registry]\nglobal-credential-providers = ["{tools / "credential"}"]\n\n'
            "[net]\ngit-fetch-with-cli = true\n\n"
            f'[http]\nproxy = "127.0.0.1:{port}"\n'
        )
    registry = world.crate("registry")
    tools = _program_dir(registry / "tools", programs, CONFIG_PROGRAMS)
    (registry / ".cargo").mkdir(exist_ok=True)
    (registry / ".cargo" / "config.toml").write_text(
        f'[registries.evil]\nindex = "sparse+http://127.0.0.1:{port}/index/"\n'
        f'credential-provider = ["{tools / "credential"}"]\n\n'
        f'[registry]\nglobal-credential-providers = ["{tools / "credential"}"]\n\n'
        "[net]\ngit-fetch-with-cli = true\n\n"
        f'[http]\nproxy = "127.0.0.1:{port}"\n'
    )
    toolchain = world.crate("toolchain")
    evil = _program_dir(toolchain / "evil-toolchain" / "bin", programs, TOOLCHAIN_PROGRAMS)
    (toolchain / "rust-toolchain.toml").write_text(f'[toolchain]\npath = "{evil.parent}"\n')
