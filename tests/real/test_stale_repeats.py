"""Fifth red team, repeated checks: a cargo_check asked again must not answer from the remembered
run when a file cargo reads changed, though the project named it where this process did not look:
a library source outside the workspace (`[lib] path = "../ext/lib.rs"`), and a path dependency
named by a workspace member whose Cargo.toml is a link. A real cargo-mcp process over stdio,
against bare cargo's answer (an error after the edit)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client

from rust_mcp.core.containment import cargo_home
from tests.support import BIN, require_bubblewrap, server_params, structured

PACKAGE = '[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'
GOOD, BAD = "pub fn g() -> u32 { 1 }\n", 'pub fn g() -> u32 { "not a number" }\n'


def projects(root: Path) -> list[tuple[Path, Path]]:
    """Each workspace to check, and the file outside it that its build reads."""
    (root / "lib_path" / "src").mkdir(parents=True)
    (root / "ext").mkdir()
    (root / "lib_path" / "Cargo.toml").write_text(
        PACKAGE.format(name="lib_path") + '[lib]\npath = "../ext/lib.rs"\n'
    )
    (root / "ext" / "lib.rs").write_text(GOOD)
    for name in ("linked/member", "other"):
        (root / name / "src").mkdir(parents=True)
    (root / "linked" / "Cargo.toml").write_text('[workspace]\nmembers = ["member"]\n')
    (root / "linked" / "member" / "real.toml").write_text(
        PACKAGE.format(name="member") + '[dependencies]\nother = { path = "../../other" }\n'
    )
    (root / "linked" / "member" / "Cargo.toml").symlink_to("real.toml")
    (root / "linked" / "member" / "src" / "lib.rs").write_text("pub fn f() -> u32 { other::g() }\n")
    (root / "other" / "Cargo.toml").write_text(PACKAGE.format(name="other"))
    (root / "other" / "src" / "lib.rs").write_text(GOOD)
    return [
        (root / "lib_path", root / "ext" / "lib.rs"),
        (root / "linked", root / "other" / "src" / "lib.rs"),
    ]


@pytest.mark.anyio
@pytest.mark.real
@pytest.mark.parametrize("kind", [0, 1], ids=["lib_path", "linked_member_manifest"])
async def test_a_repeat_sees_an_edit_to_a_file_named_outside_the_workspace(tmp_path: Path, kind: int) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    checked = projects(root)[kind : kind + 1]
    await anyio.sleep(2.5)  # older than a clock tick, so that the walks are remembered (file_stamps.py)
    params = server_params(
        str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", str(tmp_path / "logs")
    )
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for project, read in checked:
            for _ in range(2):  # the first writes Cargo.lock; the second is the run a repeat finds
                first = structured(await client.call_tool("cargo_check", {"path": str(project)}))
                assert first.get("exit_code") == 0, first
            read.write_text(BAD)
            again = structured(await client.call_tool("cargo_check", {"path": str(project)}))
            assert again.get("exit_code") not in (None, 0), (project.name, again)


@pytest.mark.anyio
@pytest.mark.real
async def test_a_repeat_sees_an_edit_to_a_package_the_cargo_configuration_patches_in(tmp_path: Path) -> None:
    """`.cargo/config.toml` patches a registry crate with a directory outside the workspace."""
    require_bubblewrap()
    if not any((cargo_home() / "registry" / "src").glob("*/adler2-2.0.1")):
        pytest.skip("adler2 2.0.1 is not unpacked in the cargo home (the patch is resolved offline)")
    root = tmp_path / "root"
    for name in ("ws/src", "ws/.cargo", "other/src"):
        (root / name).mkdir(parents=True)
    (root / "ws" / "Cargo.toml").write_text(PACKAGE.format(name="ws") + '[dependencies]\nadler2 = "2"\n')
    (root / "ws" / ".cargo" / "config.toml").write_text('[patch.crates-io]\nadler2 = { path = "../other" }\n')
    (root / "ws" / "src" / "lib.rs").write_text("pub fn f() -> u32 { adler2::g() }\n")
    (root / "other" / "Cargo.toml").write_text(PACKAGE.format(name="adler2").replace("0.1.0", "2.0.1"))
    (root / "other" / "src" / "lib.rs").write_text(GOOD)
    await anyio.sleep(2.5)  # older than a clock tick, so that the walks are remembered (file_stamps.py)
    params = server_params(
        str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", str(tmp_path / "logs")
    )
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for _ in range(2):  # the first writes Cargo.lock; the second is the run a repeat finds
            first = structured(await client.call_tool("cargo_check", {"path": str(root / "ws")}))
            assert first.get("exit_code") == 0, first
        (root / "other" / "src" / "lib.rs").write_text(BAD)
        again = structured(await client.call_tool("cargo_check", {"path": str(root / "ws")}))
        assert again.get("exit_code") not in (None, 0), again
