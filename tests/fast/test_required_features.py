"""Fast tier: which files are the main file of a target whose `required-features` are off by default
(clap's `examples/demo.rs`, `required-features = ["derive"]`), read from the package's own manifest:
explicit and discovered paths, features turned on through `default`, never a linked manifest and
never one above the workspace root, project names clipped."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.tools.required_features import gated_files_note, skipped_target
from rust_mcp.core.budgets import RENDERED_LIMIT

HEAD = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n'


def package(root: Path, manifest: str, *files: str) -> Path:
    for name in ("src/lib.rs", *files):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("fn main() {}\n")
    (root / "Cargo.toml").write_text(HEAD + manifest)
    return root


def test_an_example_whose_feature_is_off_names_it_and_the_check_that_compiles_it(tmp_path: Path) -> None:
    manifest = (
        '[features]\nderive = []\n\n[[example]]\nname = "demo"\npath = "./examples/demo.rs"\n'
        'required-features = ["derive"]\n'
    )
    root = package(tmp_path, manifest, "examples/demo.rs")
    reason = skipped_target(root / "examples/demo.rs", root)
    assert reason is not None
    assert "example `demo`" in reason and "`derive`" in reason, reason
    assert 'package="app", features=["derive"], all_targets=true' in reason, reason
    assert skipped_target(root / "src/lib.rs", root) is None


def test_discovered_paths_of_each_kind(tmp_path: Path) -> None:
    manifest = (
        "[features]\nx = []\n"
        '[[bin]]\nname = "tool"\nrequired-features = ["x"]\n'
        '[[test]]\nname = "it"\nrequired-features = ["x"]\n'
        '[[example]]\nname = "multi"\nrequired-features = ["x"]\n'
    )
    root = package(tmp_path, manifest, "src/bin/tool.rs", "tests/it.rs", "examples/multi/main.rs")
    for file in ("src/bin/tool.rs", "tests/it.rs", "examples/multi/main.rs"):
        assert "requires feature(s) `x`" in str(skipped_target(root / file, root)), file


def test_features_on_by_default_are_no_reason(tmp_path: Path) -> None:
    manifest = (
        '[features]\ndefault = ["std"]\nstd = ["alloc", "dep:memchr", "other/std"]\nalloc = []\nextra = []\n'
        '[[example]]\nname = "a"\nrequired-features = ["alloc"]\n'
        '[[example]]\nname = "b"\nrequired-features = ["alloc", "extra"]\n'
    )
    root = package(tmp_path, manifest, "examples/a.rs", "examples/b.rs")
    assert skipped_target(root / "examples/a.rs", root) is None
    reason = str(skipped_target(root / "examples/b.rs", root))
    assert "`extra`" in reason and "`alloc`" not in reason, reason


def test_a_linked_manifest_or_one_above_the_root_is_not_read(tmp_path: Path) -> None:
    manifest = '[features]\nx = []\n[[example]]\nname = "demo"\nrequired-features = ["x"]\n'
    real = package(tmp_path / "real", manifest, "examples/demo.rs")
    linked = tmp_path / "linked"
    (linked / "examples").mkdir(parents=True)
    (linked / "examples/demo.rs").write_text("fn main() {}\n")
    (linked / "Cargo.toml").symlink_to(real / "Cargo.toml")
    assert skipped_target(linked / "examples/demo.rs", linked) is None
    assert skipped_target(real / "examples/demo.rs", real / "examples") is None  # package above the root


def test_a_long_feature_name_is_clipped(tmp_path: Path) -> None:
    name = "f" * 20_000
    manifest = f'[features]\n{name} = []\n[[example]]\nname = "demo"\nrequired-features = ["{name}"]\n'
    root = package(tmp_path, manifest, "examples/demo.rs")
    reason = skipped_target(root / "examples/demo.rs", root)
    assert reason is not None and len(reason) <= RENDERED_LIMIT + 100, len(reason or "")


def test_a_workspace_report_counts_the_gated_files_with_findings(tmp_path: Path) -> None:
    manifest = '[features]\nx = []\n[[example]]\nname = "a"\nrequired-features = ["x"]\n'
    root = package(tmp_path, manifest, "examples/a.rs", "examples/b.rs")
    files = [root / "src/lib.rs", root / "examples/b.rs", root / "examples/a.rs", Path("/elsewhere/x.rs")]
    note = gated_files_note(files, root)
    assert note is not None and note.startswith("1 file(s) with findings are targets"), note
    assert "The first, examples/a.rs: this file is the example `a`" in note, note
    assert gated_files_note(files[:2], root) is None
