"""Hostile crates through every code-running cargo-mcp tool over a real MCP client: build scripts,
proc macros, tests, benches, doctests, every .cargo/config.toml key that runs a program (in the
project and in a parent folder), a rust-toolchain.toml path toolchain, and argument-only attacks.
After each call: no file written outside, no connection made, no secret in the answer; the payload
did run (its evidence is in the workspace) and the server keeps serving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from rust_mcp.dev.figures import record
from tests.support import BIN, structured, text_of
from tests.support.hostile_world import HostileWorld, hostile_world

pytestmark = [pytest.mark.anyio, pytest.mark.real]
CODE_KINDS = {"build-script", "proc-macro", "test", "unit-test", "doctest", "bench", "run"}
CONFIG_KINDS = {"program-wrapper", "program-fake-rustc", "program-linker", "program-runner", "ld-preload"}
CRATES = {
    # crate: (directory of the package to point the tools at, payload kinds that must have run)
    "code": ("code/app", CODE_KINDS),
    "config-project": ("config-project", CONFIG_KINDS),
    "config-parent": ("parent/config-parent", CONFIG_KINDS),
    "toolchain": ("toolchain", set()),
    "registry": ("registry", set()),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileWorld]:
    with hostile_world(tmp_path_factory.mktemp("hostile-cargo")) as built:
        yield built


def cargo_server(world: HostileWorld, *extra: str) -> StdioServerParameters:
    """cargo-mcp as Codex starts it, in the project directory (here the one whose
    rust-toolchain.toml names a path toolchain), with secrets in its environment."""
    return StdioServerParameters(
        command=str(BIN / "cargo-mcp"),
        args=["serve", "--root", str(world.root), "--log-dir", str(world.outside.parent / "logs"), *extra],
        env=world.server_env(),
        cwd=str(world.crate("toolchain")),
    )


@pytest.fixture(scope="module")
async def hostile_cargo(world: HostileWorld) -> AsyncIterator[Client]:
    async with Client(cargo_server(world), mode="legacy", read_timeout_seconds=900) as client:
        yield client


def cargo_calls(package: Path) -> list[tuple[str, dict[str, Any]]]:
    path = str(package)
    return [
        ("cargo_metadata", {"path": path}),
        ("cargo_tree", {"path": path}),
        ("cargo_fmt_check", {"path": path}),
        ("cargo_check", {"path": path}),
        ("cargo_clippy", {"path": path}),
        ("cargo_build", {"path": path}),
        ("cargo_test", {"path": path, "no_fail_fast": True}),
        ("cargo_bench", {"path": path}),
        ("cargo_run", {"path": path}),
        ("cargo_clippy_fix", {"path": path, "allow_no_vcs": True}),
        ("cargo_update", {"path": path, "verify": "test"}),
        ("cargo_add", {"path": path, "dependencies": ["itoa"], "dry_run": True}),
        ("cargo_clean", {"path": path}),
    ]


@pytest.mark.parametrize("crate", list(CRATES))
async def test_hostile_crate_is_contained_by_every_cargo_tool(
    hostile_cargo: Client, world: HostileWorld, crate: str
) -> None:
    relative, expected = CRATES[crate]
    package = world.crate(relative)
    workspace = world.crate(relative.split("/")[0] if crate == "code" else relative)
    problems: list[str] = []
    answers: dict[str, str] = {}
    for tool, arguments in cargo_calls(package):
        result = await hostile_cargo.call_tool(tool, arguments)
        answers[tool] = text_of(result) + json.dumps(result.structured_content or {})
        problems += world.escapes_after(f"{crate}/{tool}", result)
    evidence = world.evidence(workspace)
    for kind, report in evidence.items():
        if secrets := world.secrets_in(report):
            problems.append(f"{crate}: the payload ({kind}) could read the {secrets}")
    record("hostile escapes (files, connections, secrets)", len(problems), add=True)
    assert problems == []
    # the payload did run, so "nothing escaped" means contained, not "never ran"
    assert expected <= set(evidence), f"{crate}: never ran as {sorted(expected - set(evidence))}"
    if crate == "code":  # the failing hostile test's output (what it saw) reached the model
        assert "ran as test" in answers["cargo_test"] and "CARGO_HOME=" in answers["cargo_test"]
    if crate in ("toolchain", "registry"):  # the path toolchain and the credential provider never ran
        assert evidence == {}, sorted(evidence)
    if crate == "toolchain":
        assert "names a path toolchain" in answers["cargo_check"] and "never run" in answers["cargo_check"]
    still = await hostile_cargo.call_tool("cargo_check", {"path": str(world.crate("config-project"))})
    assert not still.is_error, text_of(still)


def argument_attacks(world: HostileWorld) -> list[dict[str, str]]:
    outside = world.outside
    port = world.listener.port
    return [
        {"RUSTFLAGS": f"--print=cfg={outside}/printed-cfg"},
        {"RUSTFLAGS": f"--print cfg={outside}/printed-cfg-2"},
        {"CARGO_ENCODED_RUSTFLAGS": f"--print\x1fcfg={outside}/printed-cfg-3"},
        {"RUSTFLAGS": f"-C incremental={outside}/incremental"},
        {"CARGO_BUILD_RUSTFLAGS": f"-Cprofile-generate={outside}/profile"},
        {"RUSTFLAGS": f"-C profile-use={outside}/missing.profdata"},
        {"RUSTFLAGS": f"--emit=link={outside}/emitted"},
        {"RUSTDOCFLAGS": f"-o {outside}/docs"},
        {"CARGO_BUILD_BUILD_DIR": str(outside / "build-dir")},
        {"CARGO_TARGET_DIR": str(outside / "target-dir")},
        {"CARGO_HTTP_PROXY": f"127.0.0.1:{port}"},
        {"HTTPS_PROXY": f"http://127.0.0.1:{port}"},
        {"HTTP_PROXY": f"http://127.0.0.1:{port}"},
    ]


async def test_argument_only_attacks_are_refused_by_every_code_running_tool(
    hostile_cargo: Client, world: HostileWorld
) -> None:
    package = world.crate("config-project")
    problems: list[str] = []
    for tool, arguments in cargo_calls(package):
        for env in argument_attacks(world):
            result = await hostile_cargo.call_tool(tool, {**arguments, "cargo_env": env})
            if not (result.is_error and text_of(result).startswith("Refused:")):
                problems.append(f"{tool} {env}: not refused: {text_of(result)[:200]}")
            problems += world.escapes_after(f"{tool} {env}", result)
    left = sorted(str(p) for p in world.outside.iterdir())
    assert problems == [] and left == []


async def test_proxies_the_operator_lets_through_still_reach_nothing(world: HostileWorld) -> None:
    """Defence in depth: an operator who allows the proxy variables still gets no connection, because
    the run has no network."""
    allowed = ("--allow-env", "CARGO_HTTP_PROXY", "--allow-env", "HTTPS_PROXY", "--allow-env", "HTTP_PROXY")
    port = world.listener.port
    env = {"CARGO_HTTP_PROXY": f"127.0.0.1:{port}", "HTTPS_PROXY": f"http://127.0.0.1:{port}"}
    async with Client(cargo_server(world, *allowed), mode="legacy", read_timeout_seconds=900) as client:
        problems: list[str] = []
        for tool in ("cargo_check", "cargo_test"):
            result = await client.call_tool(tool, {"path": str(world.crate("code/app")), "cargo_env": env})
            assert not text_of(result).startswith("Refused:"), text_of(result)
            problems += world.escapes_after(tool, result)
    assert problems == []


async def test_without_the_sandbox_the_same_payload_escapes(world: HostileWorld) -> None:
    """The control: with --sandbox off (the operator's choice) the payload writes outside and phones
    home, and the code-running tools say so in their annotations."""
    async with Client(
        cargo_server(world, "--sandbox", "off"), mode="legacy", read_timeout_seconds=900
    ) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        hints = tools["cargo_check"].annotations
        assert hints is not None and hints.read_only_hint is False and hints.open_world_hint is True
        result = await client.call_tool("cargo_build", {"path": str(world.crate("code/app"))})
        assert structured(result)["ok"], text_of(result)
    try:
        assert world.escaped_files(), "the unsandboxed build script wrote nothing outside"
        assert world.listener.connections, "the unsandboxed build script did not connect"
        assert world.unix.connections, "the unsandboxed build script did not reach the unix-socket canary"
    finally:
        world.clean_up()
        world.listener.connections.clear()
        world.unix.connections.clear()


async def test_cargo_clean_resolves_build_directories_from_config_and_refuses_dangerous_ones(
    hostile_cargo: Client, world: HostileWorld
) -> None:
    """cargo_clean asks cargo where the target and build directories really are (config files
    included) and refuses one outside the roots or containing the project; one elsewhere inside the
    workspace is cleaned."""
    project = world.root / "clean-me"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text('[package]\nname = "clean-me"\nversion = "0.1.0"\nedition = "2021"\n')
    (project / "src" / "lib.rs").write_text("")
    precious = world.outside / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("keep")
    config = project / ".cargo" / "config.toml"
    config.parent.mkdir()
    for setting, reason in (
        (f'target-dir = "{precious}"', "outside the allowed roots"),
        (f'build-dir = "{precious}"', "outside the allowed roots"),
        ('target-dir = ".."', "contains the project"),
    ):
        config.write_text(f"[build]\n{setting}\n")
        result = await hostile_cargo.call_tool("cargo_clean", {"path": str(project)})
        assert result.is_error and text_of(result).startswith("Refused:") and reason in text_of(result), (
            setting,
            text_of(result),
        )
        assert (precious / "keep.txt").exists()
    elsewhere = project / "elsewhere-target"  # a build directory must lie inside its workspace
    config.write_text(f'[build]\ntarget-dir = "{elsewhere}"\n')
    built = await hostile_cargo.call_tool("cargo_build", {"path": str(project)})
    assert structured(built)["ok"], text_of(built)
    assert (elsewhere / "debug").is_dir() and not (project / "target").exists()
    cleaned = await hostile_cargo.call_tool("cargo_clean", {"path": str(project)})
    assert structured(cleaned)["ok"], text_of(cleaned)
    assert not elsewhere.exists() or not any(elsewhere.iterdir())
