"""Eighth red team, warm rust-analyzer calls: rust-analyzer loads every .rs file below a package
root but `.git` and `target`, hidden directories included, and is told of changes only by us
(files.watcher = "client"). A module read from a hidden directory (`#[path = ".gen/m.rs"]`, what a
build step or an agent may write) and a path dependency kept in a hidden folder inside the root
(`.vendor/dep`) were loaded once and never re-sent: after an edit there, hover kept answering with
the old text as if fresh. So was a module under a directory linked into the tree (rust-analyzer
follows the link, the journal did not). The change journal now walks hidden directories as
rust-analyzer does, and lists the files behind a linked directory inside the roots on every call."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import call, column_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
PACKAGE = '[package]\nname = "{}"\nversion = "0.1.0"\nedition = "2021"\n'
DOCUMENTED = "/// The {} answer.\npub fn value() -> u8 {{\n    1\n}}\n"


async def hovered(ra: Client, main: Path, line: int) -> str:
    arguments = {"file_path": str(main), "line": line, "column": column_of(main, line, "value")}
    return str((await call(ra, "rust_analyzer_hover", arguments))["markdown"])


async def test_an_edit_to_a_module_in_a_hidden_directory_is_seen(ra: Client, scratch: Path) -> None:
    top = scratch / "rt8-hidden-module"
    module = top / "src" / ".gen" / "m.rs"
    module.parent.mkdir(parents=True)
    (top / "Cargo.toml").write_text(PACKAGE.format("hidden_module"))
    module.write_text(DOCUMENTED.format("first"))
    main = top / "src" / "main.rs"
    main.write_text('#[path = ".gen/m.rs"]\nmod m;\nfn main() {\n    let _v = m::value();\n}\n')
    assert "The first answer." in await hovered(ra, main, 4)
    module.write_text(DOCUMENTED.format("second"))
    assert "The second answer." in await hovered(ra, main, 4)
    module.write_text(DOCUMENTED.format("third"))  # and again, once the journal watches it
    assert "The third answer." in await hovered(ra, main, 4)


async def test_an_edit_to_a_path_dependency_in_a_hidden_folder_is_seen(ra: Client, scratch: Path) -> None:
    top = scratch / "rt8-hidden-dependency"
    dependency = top / ".vendor" / "dep"
    for folder in (top / "src", dependency / "src"):
        folder.mkdir(parents=True)
    manifest = PACKAGE.format("app") + '\n[dependencies]\ndep = { path = ".vendor/dep" }\n'
    (top / "Cargo.toml").write_text(manifest)
    (dependency / "Cargo.toml").write_text(PACKAGE.format("dep"))
    (dependency / "src" / "lib.rs").write_text(DOCUMENTED.format("first"))
    main = top / "src" / "main.rs"
    main.write_text('fn main() {\n    let v = dep::value();\n    println!("{v}");\n}\n')
    assert "The first answer." in await hovered(ra, main, 2)
    (dependency / "src" / "lib.rs").write_text(DOCUMENTED.format("second"))
    assert "The second answer." in await hovered(ra, main, 2)


async def test_an_edit_behind_a_directory_linked_into_the_tree_is_seen(ra: Client, scratch: Path) -> None:
    """rust-analyzer follows `src/linked -> ../../shared` and loads `src/linked/mod.rs`; the journal
    never enters a link and an edit in `shared/` raises no event in the watched tree."""
    top = scratch / "rt8-linked-directory"
    crate, shared = top / "crate", top / "shared"
    (crate / "src").mkdir(parents=True)
    shared.mkdir()
    (crate / "Cargo.toml").write_text(PACKAGE.format("linked_directory"))
    (shared / "mod.rs").write_text(DOCUMENTED.format("first"))
    (crate / "src" / "linked").symlink_to(shared)
    main = crate / "src" / "main.rs"
    main.write_text("mod linked;\nfn main() {\n    let _v = linked::value();\n}\n")
    assert "The first answer." in await hovered(ra, main, 3)
    (shared / "mod.rs").write_text(DOCUMENTED.format("second"))
    assert "The second answer." in await hovered(ra, main, 3)


CFG_MAIN = """fn main() {
    let _v = value();
}
/// Built with flag_x.
#[cfg(flag_x)]
fn value() -> u8 {
    1
}
/// Built without flag_x.
#[cfg(not(flag_x))]
fn value() -> u8 {
    2
}
"""


async def test_an_edit_to_the_cargo_configuration_is_seen(ra: Client, scratch: Path) -> None:
    """`.cargo/config.toml`'s `[build] rustflags` decide which cfgs rust-analyzer analyses with; it
    reloads the workspace when told the file changed, and was never told (a hidden folder, and not a
    name the journal kept): hover kept showing the code of the old cfg."""
    top = scratch / "rt8-cargo-configuration"
    (top / "src").mkdir(parents=True)
    (top / ".cargo").mkdir()
    lints = '\n[lints.rust]\nunexpected_cfgs = "allow"\n'
    (top / "Cargo.toml").write_text(PACKAGE.format("configured") + lints)
    (top / ".cargo" / "config.toml").write_text('[build]\nrustflags = ["--cfg", "flag_x"]\n')
    main = top / "src" / "main.rs"
    main.write_text(CFG_MAIN)
    assert "Built with flag_x." in await hovered(ra, main, 2)
    (top / ".cargo" / "config.toml").write_text('[build]\nrustflags = ["--cfg", "flag_y"]\n')
    assert "Built without flag_x." in await hovered(ra, main, 2)
