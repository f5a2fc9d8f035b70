"""tokio 1.47.1's dev-dependencies (tokio-test, tokio-stream) pull in tokio 1.54.1 from the registry.
With the feature `rt` off, the workspace's `tokio::spawn`, `tokio::runtime::Runtime` and
`tokio::sync::Mutex` are in files of no crate, and `symbol="tokio::spawn"` named 1.54.1's spawn,
its hover 1.54.1's docs, with no word that it was another version of the crate (field test 13).
A candidate in a dependency's copy of a workspace crate is now not the workspace's item."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.places.symbol_paths import other_copy

ROOT = Path("/work/tokio")
REGISTRY = Path("/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f")


def test_a_dependency_copy_of_a_workspace_crate_is_named() -> None:
    spawn = REGISTRY / "tokio-1.54.1/src/task/spawn.rs"
    assert other_copy(("tokio",), ["tokio"], spawn, ROOT) == "tokio-1.54.1"
    assert other_copy(("tokio", "task"), ["tokio"], spawn, ROOT) == "tokio-1.54.1"
    macros = REGISTRY / "tokio-macros-2.5.0/src/lib.rs"
    assert other_copy(("tokio_macros",), ["tokio-macros"], macros, ROOT) == "tokio-macros-2.5.0"


def test_the_workspace_s_own_files_and_other_crates_are_kept() -> None:
    assert other_copy(("tokio",), ["tokio"], ROOT / "src/task/spawn.rs", ROOT) is None
    # a workspace crate re-exporting a dependency's item (clap's `builder::styling` is anstyle's)
    anstyle = REGISTRY / "anstyle-1.0.10/src/color.rs"
    assert other_copy(("clap", "builder", "styling"), ["clap"], anstyle, ROOT) is None
    assert other_copy(("bytes",), ["tokio"], REGISTRY / "bytes-1.10.1/src/lib.rs", ROOT) is None
    assert other_copy((), ["tokio"], REGISTRY / "tokio-1.54.1/src/lib.rs", ROOT) is None
