"""Seventh red team, warm rust-analyzer calls: a path dependency outside the workspace root (inside
the server's allowed root: `dep = { path = "../dep" }`) is loaded by rust-analyzer, which is told of
changes by us (files.watcher = "client"). An edit there, made before a warm call, must be in the
answer, as an edit inside the workspace is."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import call, column_of
from tests.support.repeated_checks import package, write_tree

pytestmark = [pytest.mark.anyio, pytest.mark.real]
APP = package("app", '\n[dependencies]\ndep = { path = "../dep" }\n')
MAIN = 'fn main() {\n    let v = dep::value();\n    println!("{v}");\n}\n'
LIB = "/// The first answer.\npub fn value() -> u8 {\n    1\n}\n"


async def test_an_edit_to_a_path_dependency_outside_the_workspace_is_seen(ra: Client, scratch: Path) -> None:
    top = scratch / "ra-outside-dep"
    app, dep = top / "app", top / "dep"
    write_tree(app, {"Cargo.toml": APP, "src/main.rs": MAIN})
    write_tree(dep, {"Cargo.toml": package("dep"), "src/lib.rs": LIB})
    main = app / "src" / "main.rs"
    arguments = {"file_path": str(main), "line": 2, "column": column_of(main, 2, "value")}
    assert "The first answer." in (await call(ra, "rust_analyzer_hover", arguments))["markdown"]
    (dep / "src" / "lib.rs").write_text(LIB.replace("first", "second"))
    hover = await call(ra, "rust_analyzer_hover", arguments)
    assert "The second answer." in hover["markdown"], hover
