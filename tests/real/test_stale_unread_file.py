"""Fifth red team, repeated checks: a check that failed because the compiler could not read a file
(`include!("../node_modules/gen.rs")` before it is generated), or on a syntax error in a module under
`src/target/`, is not answered again once the file exists or is fixed, though it lies in a folder
the project's state skips and no build record names it yet. A real cargo-mcp process over stdio,
against bare cargo's answer (success after the change)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.support import BIN, require_bubblewrap, server_params, structured


@pytest.mark.anyio
@pytest.mark.real
@pytest.mark.parametrize("folder", ["node_modules", "target", "src/target"])
async def test_a_repeat_sees_a_file_made_where_the_compiler_could_not_read(
    tmp_path: Path, folder: str
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "gen"
    (crate / "src").mkdir(parents=True)
    (crate / folder).mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "gen"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(f'include!("../{folder}/gen.rs");\n')
    if folder == "src/target":  # a module there with a syntax error: no dep-info written
        (crate / "src" / "lib.rs").write_text("mod target;\npub use target::g;\n")
        (crate / folder / "mod.rs").write_text("pub fn g() -> u32 { 1\n")
    await anyio.sleep(2.5)  # older than a clock tick, so that the walks are remembered (file_stamps.py)
    params = server_params(
        str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", str(tmp_path / "logs")
    )
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for _ in range(2):  # the first writes Cargo.lock; the second is the run a repeat would find
            first = structured(await client.call_tool("cargo_check", {"path": str(crate)}))
            assert first.get("exit_code") not in (None, 0), first
        made = "mod.rs" if folder == "src/target" else "gen.rs"
        (crate / folder / made).write_text("pub fn g() -> u32 { 1 }\n")
        again = structured(await client.call_tool("cargo_check", {"path": str(crate)}))
        assert again.get("exit_code") == 0, again
