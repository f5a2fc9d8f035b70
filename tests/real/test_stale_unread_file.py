"""Fifth red team, repeated checks: a check that failed because the compiler could not read a file
(`include!("../node_modules/gen.rs")` before it is generated) is not answered again once the file
exists, though it lies in a folder the project's state skips and no build record names it yet.
A real cargo-mcp process over stdio, against bare cargo's answer (success once the file exists)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.support import BIN, require_bubblewrap, server_params, structured


@pytest.mark.anyio
@pytest.mark.real
@pytest.mark.parametrize("folder", ["node_modules", "target"])
async def test_a_repeat_sees_a_file_made_where_the_compiler_could_not_read(
    tmp_path: Path, folder: str
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "gen"
    (crate / "src").mkdir(parents=True)
    (crate / folder).mkdir()
    (crate / "Cargo.toml").write_text('[package]\nname = "gen"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(f'include!("../{folder}/gen.rs");\n')
    await anyio.sleep(2.5)  # older than a clock tick, so that the walks are remembered (file_stamps.py)
    params = server_params(
        str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", str(tmp_path / "logs")
    )
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for _ in range(2):  # the first writes Cargo.lock; the second is the run a repeat would find
            first = structured(await client.call_tool("cargo_check", {"path": str(crate)}))
            assert first.get("exit_code") not in (None, 0), first
        (crate / folder / "gen.rs").write_text("pub fn g() -> u32 { 1 }\n")
        again = structured(await client.call_tool("cargo_check", {"path": str(crate)}))
        assert again.get("exit_code") == 0, again
