"""The sandbox itself, table-driven and fast: the bwrap command line, the refusal when no sandbox can
be set up, Codex's policy payloads, the annotations both servers derive from the sandbox state, and
the capability they declare. What a sandboxed child can and cannot do, run for real:
tests/real/test_sandboxed_children.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cargo_mcp.run.cargo_service import CargoService
from cargo_mcp.run.invocation import CallRequest
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from cargo_mcp.workflows.call_routes import call_tool
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from rust_mcp.core.bind_paths import LinkOnTheWay
from rust_mcp.core.client_policy import CODEX_SANDBOX_META, STRICTEST, parse_codex_sandbox_state
from rust_mcp.core.containment import Containment
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import (
    Confinement,
    Sandbox,
    SandboxState,
    probe_sandbox,
    sandboxed,
    scrubbed_environment,
)
from rust_mcp.core.toolchain_files import read_toolchain_file
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.capabilities import Capability
from tests.support import require_bubblewrap

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def bwrap() -> SandboxState:
    return SandboxState("auto", bwrap=require_bubblewrap())


def test_the_command_line_mounts_parents_first_and_checked_paths_by_descriptor(
    bwrap: SandboxState, tmp_path: Path
) -> None:
    workspace = tmp_path / "project"
    (workspace / "target").mkdir(parents=True)
    confinement = Confinement(
        cwd=workspace,
        env={},
        readable=(tmp_path,),
        writable=(workspace / "target", workspace),
        read_only_within=(workspace / ".git",),
        network=True,
    )
    command = sandboxed(bwrap, confinement, ["true"])
    try:
        argv = command.argv
        assert argv[1:7] == [
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--cap-drop",
            "ALL",
            "--die-with-parent",
        ]
        assert "--share-net" in argv
        # agent-controlled paths are mounted from descriptors opened without following links, the
        # shallower first, so the workspace and its target overlay the read-only root
        targets = [
            (argv[i], argv[i + 2]) for i, arg in enumerate(argv) if arg in ("--bind-fd", "--ro-bind-fd")
        ]
        assert targets == [
            ("--ro-bind-fd", str(tmp_path)),
            ("--bind-fd", str(workspace)),
            ("--bind-fd", str(workspace / "target")),
        ]
        # three mounts, /etc/passwd and /etc/group as written, and the filter refusing unix sockets
        assert len(command.pass_fds) == 6
        assert argv[argv.index("--add-seccomp-fd") + 1] == str(command.pass_fds[-1])
        chdir = argv.index("--chdir")
        assert argv[chdir - 2 : chdir] == ["--remount-ro", "/"] and argv[chdir + 1] == str(workspace)
    finally:
        command.close()


def test_a_path_through_a_link_is_not_mounted(bwrap: SandboxState, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    confinement = Confinement(cwd=tmp_path, env={}, writable=(tmp_path / "link",))
    with pytest.raises(LinkOnTheWay, match="symbolic link"):
        sandboxed(bwrap, confinement, ["true"])


def test_without_bubblewrap_code_running_tools_refuse_with_the_fix(tmp_path: Path) -> None:
    state = probe_sandbox("auto", bwrap=str(tmp_path / "no-bwrap"))
    assert not state.active and state.problem
    with pytest.raises(Refusal) as refused:
        sandboxed(state, Confinement(cwd=tmp_path, env={}), ["true"])
    message = str(refused.value)
    assert "apt-get install bubblewrap" in message and "--sandbox off" in message
    off = sandboxed(SandboxState("off"), Confinement(cwd=tmp_path, env={"A": "1"}), ["true"])
    assert off.argv == ["true"] and off.env == {"A": "1"}


# what Codex 0.169 sends (captured from the real CLI), and what older versions sent
WRITE_ROOT = {"path": {"type": "path", "path": "/w"}, "access": "write"}
CODEX_PAYLOADS: list[tuple[dict[str, Any], tuple[tuple[str, ...] | None, bool | None]]] = [
    (
        {
            "permissionProfile": {
                "type": "managed",
                "file_system": {
                    "type": "restricted",
                    "entries": [
                        {"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"},
                        WRITE_ROOT,
                        {"path": {"type": "special", "value": {"kind": "slash_tmp"}}, "access": "write"},
                        {"path": {"type": "path", "path": "/w/.git"}, "access": "read"},
                    ],
                },
                "network": "restricted",
            },
            "sandboxCwd": "file:///w",
        },
        (("/w",), False),
    ),
    (
        {
            "permissionProfile": {
                "type": "managed",
                "file_system": {"type": "restricted", "entries": [WRITE_ROOT]},
                "network": "enabled",
            }
        },
        (("/w",), True),
    ),
    (
        {
            "permissionProfile": {
                "type": "managed",
                "file_system": {
                    "type": "restricted",
                    "entries": [{"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"}],
                },
                "network": "restricted",
            }
        },
        ((), False),
    ),
    ({"sandboxPolicy": {"type": "read-only"}, "sandboxCwd": "/w"}, ((), False)),
    (
        {
            "sandboxPolicy": {"type": "workspace-write", "writable_roots": ["/x"], "network_access": True},
            "sandboxCwd": "/w",
        },
        (("/w", "/x"), True),
    ),
    ({"permissionProfile": {"type": "external", "network": "enabled"}}, (None, True)),
]


@pytest.mark.parametrize(("payload", "expected"), CODEX_PAYLOADS)
def test_codex_sandbox_payloads_are_read(payload: dict[str, Any], expected: tuple[Any, Any]) -> None:
    policy = parse_codex_sandbox_state(payload)
    assert policy is not None
    writable = None if policy.writable is None else tuple(str(p) for p in policy.writable)
    assert (writable, policy.network) == expected


def test_full_access_adds_nothing_and_garbage_is_read_only() -> None:
    assert parse_codex_sandbox_state({"permissionProfile": {"type": "disabled"}}) is None
    assert parse_codex_sandbox_state({"sandboxPolicy": {"type": "danger-full-access"}}) is None
    for garbage in ("read-only", {"permissionProfile": {"type": "managed"}}, {"x": 1}):
        assert parse_codex_sandbox_state(garbage) == STRICTEST
    carve_out = parse_codex_sandbox_state(CODEX_PAYLOADS[0][0])
    assert carve_out is not None and [str(p) for p in carve_out.read_only] == ["/w/.git"]


def test_a_path_toolchain_is_read_but_never_a_channel(tmp_path: Path) -> None:
    file = tmp_path / "rust-toolchain.toml"
    file.write_text('[toolchain]\npath = "/evil"\n')
    assert (read_toolchain_file(file).channel, read_toolchain_file(file).path_toolchain) == (None, "/evil")
    file.write_text('[toolchain]\nchannel = "nightly"\n')
    assert read_toolchain_file(file).channel == "nightly"
    legacy = tmp_path / "rust-toolchain"
    legacy.write_text("1.95.0\n")
    assert read_toolchain_file(legacy).channel == "1.95.0"


def test_annotations_follow_capability_and_sandbox() -> None:
    run = capabilities.annotations(Capability.RUN, title="t", sandboxed=True, idempotent=True)
    assert (run.read_only_hint, run.open_world_hint, run.destructive_hint) == (True, False, None)
    unsandboxed = capabilities.annotations(Capability.RUN, title="t", sandboxed=False)
    assert (unsandboxed.read_only_hint, unsandboxed.destructive_hint, unsandboxed.open_world_hint) == (
        False,
        True,
        True,
    )
    assert capabilities.annotations(Capability.EDIT, title="t", sandboxed=True).destructive_hint is False
    assert (
        capabilities.annotations(Capability.DESTRUCTIVE, title="t", sandboxed=True).destructive_hint is True
    )
    assert capabilities.annotations(Capability.READ, title="t", sandboxed=False).read_only_hint is True


@pytest.mark.parametrize("mode", ["auto", "off"])
async def test_both_servers_declare_codex_sandbox_state_and_honest_hints(mode: str, tmp_path: Path) -> None:
    roots = AllowedRoots((tmp_path,))
    servers = [
        build_cargo_server(CargoSettings(roots, sandbox=mode)),  # type: ignore[arg-type]
        build_analyzer_server(AnalyzerSettings(roots, sandbox=mode)),  # type: ignore[arg-type]
    ]
    for server, runs in zip(servers, ("cargo_check", "rust_analyzer_hover"), strict=True):
        async with Client(server) as client:
            assert CODEX_SANDBOX_META in (client.server_capabilities.experimental or {})
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        hints = tools[runs].annotations
        assert hints is not None and hints.read_only_hint is (mode != "off")
        assert hints.open_world_hint is (mode == "off")


def test_server_environment_is_not_inherited_by_children(tmp_path: Path) -> None:
    os.environ["RUST_MCP_TEST_SECRET"] = "hidden"
    try:
        env = scrubbed_environment({"PATH": "/usr/bin"})
    finally:
        del os.environ["RUST_MCP_TEST_SECRET"]
    assert "RUST_MCP_TEST_SECRET" not in env and env["PATH"] == "/usr/bin"


async def test_a_cargo_call_without_a_sandbox_is_refused_before_anything_runs(tmp_path: Path) -> None:
    project = tmp_path / "p"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text('[package]\nname = "p"\nversion = "0.1.0"\n')
    (project / "src" / "lib.rs").write_text("")
    roots = AllowedRoots((tmp_path,))
    broken = Containment(Sandbox("auto", bwrap=str(tmp_path / "no-bwrap")), roots)
    service = CargoService(CargoSettings(roots, log_dir=tmp_path / "logs"), containment=broken)
    with pytest.raises(Refusal, match="apt-get install bubblewrap"):
        await call_tool(
            service, CallRequest(COMMANDS_BY_NAME["cargo_check"], {"path": str(project)}, None, None, None)
        )
    assert not (project / "target").exists() and not (tmp_path / "logs").exists()
