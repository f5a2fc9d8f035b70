"""A facade crate's glob re-export (`pub use clap_builder::*;` in clap's src/lib.rs) makes the
facade's root another spelling of the other crate's root: `clap::Command` is clap_builder's
`Command` (found in the field test on clap; tests/real/test_corpus_clap.py checks it on the real crates)."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.places.symbol_paths import crate_aliases, path_matches


def _package(root: Path, name: str, lib: str) -> None:
    (root / name / "src").mkdir(parents=True)
    (root / name / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\n')
    (root / name / "src" / "lib.rs").write_text(lib)


def test_a_glob_reexport_of_a_crate_is_an_alias_of_its_root(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["facade", "builder"]\n')
    _package(tmp_path, "facade", "pub use builder::*;\npub use std::*;\npub use self::inner::*;\n")
    _package(tmp_path, "builder", "pub mod command;\n")
    aliases = crate_aliases(tmp_path)
    assert aliases[("facade",)] == ("builder",)
    assert ("builder",) not in aliases
    known = [("builder", "command")]
    assert path_matches(("facade",), known, aliases)
    assert not path_matches(("other",), known, aliases)
