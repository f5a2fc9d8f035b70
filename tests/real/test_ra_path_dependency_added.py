"""A path dependency outside the workspace root, added to the manifest after rust-analyzer started, is
watched from then on (outside_trees.followed). rust-analyzer loads it on the manifest's change, but
hears of later edits there only from us (files.watcher = "client"): the trees outside the root used to
be found at the start only, so an edit to the new dependency stayed unseen until a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import call, column_of
from tests.support.repeated_checks import package, write_tree

pytestmark = [pytest.mark.anyio, pytest.mark.real]
WITH_DEP = package("app", '\n[dependencies]\ndep = { path = "../dep" }\n')
ALONE = 'fn main() {\n    let v = 1;\n    println!("{v}");\n}\n'
MAIN = 'fn main() {\n    let v = dep::value();\n    println!("{v}");\n}\n'
LIB = "/// The first answer.\npub fn value() -> u8 {\n    1\n}\n"


async def test_an_edit_to_a_path_dependency_added_after_the_start_is_seen(ra: Client, scratch: Path) -> None:
    top = scratch / "ra-added-dep"
    app, dep = top / "app", top / "dep"
    write_tree(app, {"Cargo.toml": package("app"), "src/main.rs": ALONE})
    write_tree(dep, {"Cargo.toml": package("dep"), "src/lib.rs": LIB})
    main = app / "src" / "main.rs"
    before = {"file_path": str(main), "line": 2, "column": column_of(main, 2, "v")}
    assert "i32" in (await call(ra, "rust_analyzer_hover", before))["markdown"]  # started without dep

    (app / "Cargo.toml").write_text(WITH_DEP)
    main.write_text(MAIN)
    arguments = {"file_path": str(main), "line": 2, "column": column_of(main, 2, "value")}
    hover = await call(ra, "rust_analyzer_hover", arguments)
    assert "The first answer." in hover["markdown"], hover

    (dep / "src" / "lib.rs").write_text(LIB.replace("first", "second"))
    hover = await call(ra, "rust_analyzer_hover", arguments)
    assert "The second answer." in hover["markdown"], hover
