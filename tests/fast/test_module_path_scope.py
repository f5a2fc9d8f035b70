"""Red team: the module path of a `pub use` (symbol lookup) is read from the Cargo.toml above its
file. A file outside the roots (a `#[path]` module), or a package whose manifest lies above the
roots, must not make the server read a manifest outside them (its crate name would answer for it)."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.places.symbol_paths import module_path_of_file
from rust_mcp.core.roots import AllowedRoots, ReadScope


def test_no_manifest_outside_the_roots_names_a_module(tmp_path: Path) -> None:
    root = tmp_path / "root"
    workspace = root / "app"
    (workspace / "src").mkdir(parents=True)
    (workspace / "Cargo.toml").write_text('[package]\nname = "app"\nversion = "0.1.0"\n')
    (workspace / "src" / "walk.rs").write_text("pub use crate::x as y;\n")
    loose = root / "loose" / "src"  # inside the roots, no manifest of its own up to the root
    loose.mkdir(parents=True)
    (loose / "walk.rs").write_text("pub use crate::x as y;\n")
    outside = tmp_path / "elsewhere" / "src"
    outside.mkdir(parents=True)
    (outside / "walk.rs").write_text("pub use crate::x as y;\n")
    (tmp_path / "elsewhere" / "Cargo.toml").write_text('[package]\nname = "outside_name"\n')
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "above_the_root"\n')
    readable = ReadScope(AllowedRoots((root,))).allows

    assert module_path_of_file(workspace / "src" / "walk.rs", workspace, readable) == ("app", "walk")
    assert module_path_of_file(loose / "walk.rs", workspace, readable) is None
    assert module_path_of_file(outside / "walk.rs", workspace, readable) is None
    everything = ReadScope(AllowedRoots((tmp_path,))).allows  # the same files, all inside: found
    assert module_path_of_file(loose / "walk.rs", workspace, everything) == (
        "above_the_root",
        "root",
        "loose",
        "src",
        "walk",
    )
    assert module_path_of_file(outside / "walk.rs", workspace, everything) == ("outside_name", "walk")
