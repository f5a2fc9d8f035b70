"""Fast tier: the crate roots a workspace-wide SSR rule is resolved in. rust-analyzer resolves a
rule's paths in the context file's crate; `regex_syntax::hir::Hir::concat($a)` resolves only in a
crate that depends on regex-syntax, and on the 53-crate corpus the first 24 crates by name had none."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.places.ssr_contexts import MAX_CONTEXTS, crate_names_in, crate_roots


def _package(root: Path, name: str, dependencies: str = "") -> Path:
    directory = root / name
    (directory / "src").mkdir(parents=True)
    (directory / "src" / "lib.rs").write_text("")
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\n\n[dependencies]\n{dependencies}'
    )
    return directory / "src" / "lib.rs"


def test_the_crates_that_depend_on_the_named_crate_come_first(tmp_path: Path) -> None:
    members = [f"a{number:02}" for number in range(MAX_CONTEXTS + 6)]
    (tmp_path / "Cargo.toml").write_text(f"[workspace]\nmembers = {[*members, 'regex-syntax', 'zz']}\n")
    for name in members:
        _package(tmp_path, name)
    itself = _package(tmp_path, "regex-syntax")
    user = _package(tmp_path, "zz", 'regex-syntax = { path = "../regex-syntax" }\n')
    rule = "regex_syntax::hir::Hir::concat($a) ==>> regex_syntax::hir::Hir::alternation($a)"
    contexts = crate_roots(tmp_path, rule)
    assert contexts[0] == user and len(contexts) == MAX_CONTEXTS
    assert itself not in contexts[:1]  # the crate calls itself `crate`: its own root cannot name it


def test_only_leading_path_segments_count_as_crate_names() -> None:
    rule = "crate::a::b($x) ==>> self::c($x.len()) + std::mem::take(&mut $y) + Self::new()"
    assert crate_names_in(rule) == {"std"}
