"""The servers under comparison, started the way their users start them:

- the Rust anchors from crates.io (`cargo-mcp` 0.2.0, `rust-analyzer-mcp` 0.4.0), built once into a
  cache with `cargo install --locked`;
- ours (`cargo-mcp serve`, `rust-analyzer-mcp`) from this checkout's .venv;
- the SDK's floor: a one-tool MCPServer.

Every process gets the same environment; rust-analyzer gets the std sources wherever they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .wire import McpPeer, answer_mcp_request

ANCHORS = {"cargo-mcp": "0.2.0", "rust-analyzer-mcp": "0.4.0"}
OURS = Path(sys.executable).parent
DEBIAN_STD_SOURCES = Path("/usr/lib/rustlib/src/rust/library")
ONE_TOOL_SERVER = """
from mcp.server.mcpserver import MCPServer
server = MCPServer("one-tool")

@server.tool()
def ping() -> str:
    return "pong"

server.run()
"""


def anchor_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rust-mcp" / "anchors"


def ensure_anchors() -> Path:
    """The anchors' bin directory, building them first if they are not there (minutes, once)."""
    root = anchor_root()
    missing = [name for name in ANCHORS if not (root / "bin" / name).is_file()]
    if missing:
        specs = [f"{name}@{ANCHORS[name]}" for name in missing]
        print(f"building the Rust anchors once into {root}: {' '.join(specs)}", file=sys.stderr)
        subprocess.run(["cargo", "install", "--locked", "--root", str(root), *specs], check=True)
    return root / "bin"


def base_env() -> dict[str, str]:
    """The environment every server and rust-analyzer runs with. rust-analyzer needs the std sources:
    where the toolchain has none, point every side at Debian's (ours would do this by itself)."""
    env = dict(os.environ)
    env.pop("RUST_LOG", None)
    env.setdefault("RUST_MCP_ENGINE", "off")  # rows measure the in-process servers unless asked
    if "RUST_SRC_PATH" not in env and DEBIAN_STD_SOURCES.is_dir():
        sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=False)
        library = Path(sysroot.stdout.strip()) / "lib" / "rustlib" / "src" / "rust" / "library"
        if not library.is_dir():
            env["RUST_SRC_PATH"] = str(DEBIAN_STD_SOURCES)
    return env


def rust_analyzer() -> str:
    found = shutil.which("rust-analyzer") or "/usr/bin/rust-analyzer"
    return found


@dataclass(frozen=True)
class Launch:
    """How to start one MCP server: its argv, environment and working directory."""

    label: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path

    async def start(self, logs: Path) -> McpPeer:
        logs.mkdir(parents=True, exist_ok=True)
        peer: McpPeer = await McpPeer.spawn(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stderr=logs / f"{self.label.replace(' ', '-')}.stderr",
            on_request=answer_mcp_request,
        )
        return peer


def anchor_cargo(scratch: Path, env: Mapping[str, str]) -> Launch:
    """cargo-mcp 0.2 keeps its working directory in ~/.ai-tools/sessions/shared-context.json, shared by
    every client: give it a private HOME (cargo and rustup keep theirs) so the bench touches nobody's."""
    home = scratch / "anchor-home"
    home.mkdir(parents=True, exist_ok=True)
    real_home = Path.home()
    private = {
        **env,
        "HOME": str(home),
        "CARGO_HOME": env.get("CARGO_HOME", str(real_home / ".cargo")),
        "RUSTUP_HOME": env.get("RUSTUP_HOME", str(real_home / ".rustup")),
    }
    return Launch("anchor cargo-mcp", (str(ensure_anchors() / "cargo-mcp"), "serve"), private, scratch)


def anchor_analyzer(workspace: Path, env: Mapping[str, str]) -> Launch:
    argv = (str(ensure_anchors() / "rust-analyzer-mcp"), str(workspace))
    return Launch("anchor rust-analyzer-mcp", argv, env, workspace)


def our_cargo(root: Path, scratch: Path, env: Mapping[str, str], sandbox: str = "auto") -> Launch:
    argv = (str(OURS / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", str(scratch / "cargo-logs"))
    return Launch("our cargo-mcp", (*argv, "--sandbox", sandbox), env, root)


def our_analyzer(root: Path, env: Mapping[str, str]) -> Launch:
    return Launch("our rust-analyzer-mcp", (str(OURS / "rust-analyzer-mcp"), "--root", str(root)), env, root)


def one_tool_server(scratch: Path, env: Mapping[str, str]) -> Launch:
    script = scratch / "one_tool_server.py"
    script.write_text(ONE_TOOL_SERVER)
    return Launch("one-tool MCPServer", (sys.executable, str(script)), env, scratch)
