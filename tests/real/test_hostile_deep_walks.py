"""Sixth red team, what a walk of the project does not list: the one directory walk
(project_files.walk_without_links) stops MAX_WALK_DEPTH (128) directories below its top and went on
silently. A project's test can reach a unix socket planted 131 levels deep (cargo_test masks only
the sockets the walk found: unix_sockets.find_sockets), and cargo reads a module 131 levels deep
(`#[path]`) while the files' state (tree_state) never stamped it, so an edit there was answered by
the old check. A walk that could not list every directory now says so: the test run gets the filter
that refuses unix sockets, and the tree's state is one of its own (its checks never reused).
Real cargo, real bubblewrap; the canary is a unix socket in tmp (no network)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.project_files import MAX_WALK_DEPTH
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, structured, text_of
from tests.support.canaries import unix_listeners

pytestmark = [pytest.mark.anyio, pytest.mark.real]
DEPTH = MAX_WALK_DEPTH + 3
MANIFEST = '[package]\nname = "deep"\nversion = "0.1.0"\nedition = "2021"\n'
REACH = r"""
#[test]
fn reach_the_deep_socket() {
    use std::io::Write;
    let mut deep = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("deep");
    for _ in 0..DEPTH {
        deep.push("d");
    }
    std::env::set_current_dir(&deep).unwrap();
    match std::os::unix::net::UnixStream::connect("agent.sock") {
        Ok(mut stream) => {
            stream.write_all(b"escaped from the sandbox").unwrap();
            println!("CONNECTED");
        }
        Err(error) => println!("refused: {error}"),
    }
}
"""


def deep_directory(top: Path) -> Path:
    """A directory DEPTH levels below `top` (made with relative steps: its path is long)."""
    directory = top
    for _ in range(DEPTH):
        directory = directory / "d"
    directory.mkdir(parents=True)
    return directory


async def test_a_unix_socket_deeper_than_the_walk_is_not_reachable_from_a_test(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "tests").mkdir()
    (crate / "Cargo.toml").write_text(MANIFEST)
    (crate / "src" / "lib.rs").write_text("")
    (crate / "tests" / "reach.rs").write_text(REACH.replace("DEPTH", str(DEPTH)))
    deep = deep_directory(root / "deep")
    planted = root / "agent.sock"  # bound here (a socket path is short), then moved deep
    settings = CargoSettings(AllowedRoots((root,)), log_dir=tmp_path / "logs")
    with unix_listeners([planted]) as canary:
        os.rename(planted, deep / "agent.sock")
        async with Client(build_server(settings), mode="legacy") as client:
            result = await client.call_tool("cargo_test", {"path": str(crate), "args": ["--nocapture"]})
        text = text_of(result)
        assert "reach_the_deep_socket" in text or "1 passed" in text, text
        assert canary.connections == [], text
    body = structured(result)
    assert body["tests"]["passed"] == 1, text  # it ran, and could not connect
    assert "CONNECTED" not in str(body), text
    assert any("could not be searched for unix sockets" in hint for hint in body["hints"]), body["hints"]


async def test_an_edit_deeper_than_the_walk_is_not_answered_by_an_old_check(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(MANIFEST)
    deep = deep_directory(crate / "src" / "deep")
    relative = "/".join(["deep", *["d"] * DEPTH, "value.rs"])
    (crate / "src" / "lib.rs").write_text(f'#[path = "{relative}"]\nmod value;\npub use value::VALUE;\n')
    (deep / "value.rs").write_text("pub const VALUE: u8 = 1;\n")
    call = {"path": str(crate)}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        clean = structured(await client.call_tool("cargo_check", call))
        assert clean["exit_code"] == 0 and clean["counts"]["errors"] == 0, clean
        for _ in range(3):  # the first run wrote Cargo.lock and the dep-info: new states, at most 3
            started = shared_checks.RUNS.started
            again = structured(await client.call_tool("cargo_check", call))
            assert again["exit_code"] == 0, again
            if shared_checks.RUNS.started == started:
                break
        (deep / "value.rs").write_text('pub const VALUE: u8 = "not a number";\n')
        edited = structured(await client.call_tool("cargo_check", call))
        assert shared_checks.RUNS.started >= started + 1, edited["hints"]  # cargo ran again
        assert edited["counts"]["errors"] == 1 and edited["diagnostics"][0]["code"] == "E0308", edited
