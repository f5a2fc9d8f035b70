"""rust-analyzer tools take paths as people write them and leave the tree as they found it: a relative
file_path starts at the call's own workspace, a workspace-wide SSR resolves its paths in a crate
(never in build.rs), and read-only calls change no tracked file (a stale Cargo.lock stays as it was;
the audit makes no target/ inside a member)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import call
from tests.support import copy_fixture, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

THING = """pub struct Thing(pub u8);

impl Thing {
    pub fn new(value: u8) -> Thing {
        Thing(value)
    }
    pub fn make(value: u8) -> Thing {
        Thing(value + 0)
    }
}

pub fn two() -> (Thing, Thing) {
    (Thing::new(1), Thing::new(2))
}
"""


def _crate_with_build_script(directory: Path) -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{directory.name}"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (directory / "build.rs").write_text('fn main() {\n    println!("cargo:rerun-if-changed=build.rs");\n}\n')
    (directory / "src" / "lib.rs").write_text(THING)
    return directory


async def test_workspace_wide_ssr_resolves_paths_in_the_crate_not_in_build_rs(
    ra: Client, scratch: Path
) -> None:
    project = _crate_with_build_script(scratch / "ssr_build_script")
    result = await call(
        ra, "rust_analyzer_ssr", {"rule": "Thing::new($a) ==>> Thing::make($a)", "workspace": str(project)}
    )
    [changed] = result["files"]
    assert (
        changed["path"] == "src/lib.rs"
        and changed["diff"].count("+    (Thing::make(1), Thing::make(2))") == 1
    )


async def test_a_relative_file_path_starts_at_the_calls_workspace(ra: Client, scratch: Path) -> None:
    project = _crate_with_build_script(scratch / "relative_paths")
    hover = await call(
        ra,
        "rust_analyzer_hover",
        {"file_path": "src/lib.rs", "line": 12, "column": 8, "workspace": str(project)},
    )
    assert "pub fn two()" in hover["markdown"]
    definition = await call(
        ra,
        "rust_analyzer_definition",
        {"file_path": "src/lib.rs", "symbol": "Thing::make", "workspace": str(project)},
    )
    assert [(loc["path"], loc["line"]) for loc in definition["locations"]] == [("src/lib.rs", 7)]
    ssr = await call(
        ra,
        "rust_analyzer_ssr",
        {"rule": "Thing::new($a) ==>> Thing::make($a)", "file_path": "src/lib.rs", "workspace": str(project)},
    )
    assert [f["path"] for f in ssr["files"]] == ["src/lib.rs"]


async def test_read_only_calls_leave_a_stale_lockfile_and_the_members_alone(
    ra: Client, scratch: Path
) -> None:
    project = copy_fixture("workspace", scratch / "ra-read-only")
    manifest = project / "geometry" / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace('version = "0.1.0"', 'version = "0.1.1"'))
    lock = (project / "Cargo.lock").read_bytes()
    main = project / "app" / "src" / "main.rs"
    report = await call(ra, "rust_analyzer_diagnostics", {"file_path": str(main)})
    assert report["check_ran"] is True, report
    await call(ra, "rust_analyzer_workspace_diagnostics", {"workspace": str(project)})
    await call(ra, "rust_analyzer_hover", {"symbol": "Point::norm2", "workspace": str(project)})
    audit = await ra.call_tool(
        "rust_analyzer_unsafe_audit", {"workspace": str(project), "package": "geometry"}
    )
    assert not audit.is_error, text_of(audit)
    assert (project / "Cargo.lock").read_bytes() == lock
    assert [p for p in project.rglob("target") if p.parent != project] == []
