"""Fast tier: which trees outside a workspace root get a change journal of their own (outside_trees):
the packages its manifests name outside the root inside the allowed roots, and theirs; never a folder
without a manifest, one around the root, or one outside the allowed roots."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.workspace.outside_trees import outside_trees


def _package(folder: Path, dependencies: str = "") -> Path:
    (folder / "src").mkdir(parents=True, exist_ok=True)
    name = folder.name.replace("-", "_")
    (folder / "Cargo.toml").write_text(f'[package]\nname = "{name}"\n\n[dependencies]\n{dependencies}')
    (folder / "src" / "lib.rs").write_text("")
    return folder / "Cargo.toml"


def test_the_packages_named_outside_the_root_and_theirs(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    app = allowed / "top" / "app"
    names = [
        'dep = { path = "../dep" }',
        'inner = { path = "inner" }',  # inside the root: its own journal covers it
        'around = { path = ".." }',  # the folder holding the root
        'bare = { path = "../bare" }',  # no manifest there
        'far = { path = "../../../far" }',  # outside the allowed roots
    ]
    manifest = _package(app, "\n".join(names) + "\n")
    _package(app / "inner")
    _package(allowed / "top" / "dep", 'deeper = { path = "../../deeper" }\n')
    _package(allowed / "deeper")
    _package(allowed / "top")
    (allowed / "top" / "bare").mkdir()
    _package(tmp_path / "far")
    found = outside_trees(app, [str(manifest), str(app / "inner" / "Cargo.toml")], [allowed])
    assert found == [allowed / "top" / "dep", allowed / "deeper"]
