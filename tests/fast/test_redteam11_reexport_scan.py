"""Eleventh red team: a qualified `symbol=` (`mycrate::Thing`) makes rust-analyzer-mcp scan every
member's src/lib.rs for re-exports (symbol_paths.crate_aliases, module_globs), on one of the door's 8
threads that every session of the engine shares. The patterns began with `^\\s*` over the whole file,
and `\\s` spans lines: a src/lib.rs of 40,000 blank lines (40 KB) took 14 s, one of 3,000 unfinished
`pub use crate::a` lines 8 s, a 1 MiB one hours, a thread abandoned at the door's deadline and a core
spent per call; eight such calls left no door thread for any other session. The patterns are now
linear, each file and all of them together are scanned up to a bound (real files, the real door)."""

from __future__ import annotations

import time
from pathlib import Path

from ra_mcp.places.symbol_paths import LIBRARY_ROOT_BYTES, crate_aliases, module_globs

HOSTILE_TEXTS = {
    "blank lines": "\n" * 40_000,
    "unfinished globs": "pub use crate::a\n" * 3_000,
    "spaces": " " * 200_000,
    "unfinished braces": "pub use crate::{\n" * 20_000,
    "a long path": "pub use crate::" + "a::" * 100_000,
}


def _member(root: Path, name: str, library: str) -> None:
    (root / name / "src").mkdir(parents=True)
    (root / name / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\n')
    (root / name / "src" / "lib.rs").write_text(library)


def test_hostile_library_roots_are_scanned_in_linear_time(tmp_path: Path) -> None:
    for number, (what, text) in enumerate(HOSTILE_TEXTS.items()):
        root = tmp_path / f"w{number}"
        _member(root, "hostile", text)
        started = time.monotonic()
        assert crate_aliases(root) == {}
        assert module_globs(root) == []
        took = time.monotonic() - started
        assert took < 1.0, f"{what}: {took:.1f} s"


def test_re_exports_are_still_found_and_a_huge_file_is_not_scanned(tmp_path: Path) -> None:
    _member(
        tmp_path,
        "facade",
        "//! docs\n\n   pub extern crate grep_searcher as searcher;\npub use ::clap_builder::*;\n"
        "pub use crate::{regex::string::*, other::*};\n  pub use self::a :: b::*;\n",
    )
    _member(tmp_path, "huge", "\n" * LIBRARY_ROOT_BYTES + "pub extern crate hidden as shown;\n")
    assert crate_aliases(tmp_path) == {
        ("facade", "searcher"): ("grep_searcher",),
        ("facade",): ("clap_builder",),
    }
    assert sorted(module_globs(tmp_path)) == [
        (("facade",), ("facade", "a", "b")),
        (("facade",), ("facade", "other")),
        (("facade",), ("facade", "regex", "string")),
    ]
