"""Tools that change code, and freshness: previews never write; applied edits land in every file;
files edited on disk between two calls are answered from their new contents."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import call, column_of, ra_structured
from tests.support import copy_fixture, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def tree_digest(root: Path) -> dict[str, str]:
    """Each file's digest; a file that goes away while the tree is read (a writer's temporary file
    renamed into place) is left out."""
    digests = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "target" not in path.relative_to(root).parts:
            try:
                digests[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
            except FileNotFoundError:
                continue
    return digests


@pytest.fixture(scope="module")
def editable(scratch: Path) -> Path:
    """A private copy of the workspace fixture that these tests may change."""
    return copy_fixture("workspace", scratch / "ra-edits")


@pytest.fixture(scope="module")
def editable_lib(scratch: Path) -> Path:
    return copy_fixture("lib_errors", scratch / "ra-edits")


async def test_previews_write_nothing(ra: Client, workspace_root: Path) -> None:
    fixture = workspace_root / "workspace"
    before = tree_digest(fixture)
    rename = await call(
        ra,
        "rust_analyzer_rename",
        {"symbol": "Point::norm2", "workspace": str(fixture), "new_name": "squared_norm"},
    )
    assert rename["applied"] is False and len(rename["files"]) == 2
    diff = next(f["diff"] for f in rename["files"] if f["path"] == "app/src/main.rs")
    assert '-    println!("norm2 = {}", far.norm2());' in diff
    assert '+    println!("norm2 = {}", far.squared_norm());' in diff
    formatted = await call(ra, "rust_analyzer_format", {"file_path": str(fixture / "app/src/main.rs")})
    assert formatted["applied"] is False and formatted["files"][0]["diff"]
    ssr = await call(
        ra,
        "rust_analyzer_ssr",
        {"rule": "Point::new($x, $y) ==>> Point { x: $x, y: $y }", "workspace": str(fixture)},
    )
    assert {f["path"] for f in ssr["files"]} == {"app/src/main.rs", "geometry/src/lib.rs"}
    assert tree_digest(fixture) == before


async def test_rename_applies_across_files(ra: Client, editable: Path) -> None:
    result = await ra.call_tool(
        "rust_analyzer_rename",
        {"symbol": "Point::norm2", "workspace": str(editable), "new_name": "squared_norm", "apply": True},
    )
    body = ra_structured("rust_analyzer_rename", result)
    assert body["applied"] is True and "wrote 2 file(s)" in body["note"]
    assert "far.squared_norm()" in (editable / "app/src/main.rs").read_text()
    lib = (editable / "geometry/src/lib.rs").read_text()
    assert "pub fn squared_norm(&self)" in lib and ".squared_norm(), 1.0)" in lib and "norm2()" not in lib
    refs = await call(
        ra, "rust_analyzer_references", {"symbol": "Point::squared_norm", "workspace": str(editable)}
    )
    assert refs["total"] == 3
    diagnostics = await call(
        ra, "rust_analyzer_diagnostics", {"file_path": str(editable / "app/src/main.rs")}
    )
    assert diagnostics["counts"]["errors"] == 0 and diagnostics["check_ran"]


async def test_format_applies_and_is_then_clean(ra: Client, editable: Path) -> None:
    main = editable / "app/src/main.rs"
    applied = await call(ra, "rust_analyzer_format", {"file_path": str(main), "apply": True})
    assert applied["applied"] is True
    assert '    let label = "héllo wörld 🦀";\n    let far = Point::new(3.0, 4.0);' in main.read_text()
    again = await call(ra, "rust_analyzer_format", {"file_path": str(main)})
    assert again["files"] == [] and again["note"] == "nothing to change"


async def test_ssr_applies(ra: Client, editable: Path) -> None:
    rule = "Point::new($x, $y) ==>> Point { x: $x, y: $y }"
    scoped = await call(
        ra, "rust_analyzer_ssr", {"rule": rule, "file_path": str(editable / "app/src/main.rs")}
    )
    assert [f["path"] for f in scoped["files"]] == ["app/src/main.rs"]
    result = await call(ra, "rust_analyzer_ssr", {"rule": rule, "workspace": str(editable), "apply": True})
    assert result["applied"] is True and len(result["files"]) == 2
    assert "let origin = Point { x: 0.0, y: 0.0 };" in (editable / "app/src/main.rs").read_text()
    assert "assert_eq!(Point { x: 1.0, y: 0.0 }" in (editable / "geometry/src/lib.rs").read_text()


async def test_code_action_listed_then_applied(ra: Client, editable_lib: Path) -> None:
    lib = editable_lib / "src/lib.rs"
    position = {"file_path": str(lib), "line": 11, "column": 9}
    listed = await call(ra, "rust_analyzer_code_actions", position)
    [fix] = [a for a in listed["actions"] if a["title"].startswith("if this is intentional, prefix it")]
    preview = await call(
        ra, "rust_analyzer_apply_code_action", {**position, "index": fix["index"], "title": fix["title"]}
    )
    assert preview["applied"] is False and "+    let _unused_value = 1;" in preview["files"][0]["diff"]
    assert "let unused_value = 1;" in lib.read_text()
    applied = await call(
        ra,
        "rust_analyzer_apply_code_action",
        {**position, "index": fix["index"], "title": fix["title"], "apply": True},
    )
    assert applied["applied"] is True and "let _unused_value = 1;" in lib.read_text()
    # the same index and title again: the code changed, the action is gone, nothing is written
    stale = await ra.call_tool(
        "rust_analyzer_apply_code_action",
        {**position, "index": fix["index"], "title": fix["title"], "apply": True},
    )
    assert stale.is_error and ("now" in text_of(stale) or "out of range" in text_of(stale)), text_of(stale)
    out_of_range = await ra.call_tool("rust_analyzer_apply_code_action", {**position, "index": 99})
    assert out_of_range.is_error and "index 99 is out of range" in text_of(out_of_range)
    assert "available now:" in text_of(out_of_range)


async def test_edits_on_disk_are_seen_by_the_next_call(ra: Client, editable: Path) -> None:
    shapes = editable / "geometry/src/shapes.rs"
    workspace = str(editable)
    missing = await call(ra, "rust_analyzer_workspace_symbol", {"query": "perimeter", "workspace": workspace})
    assert missing["total"] == 0
    shapes.write_text(
        shapes.read_text() + "\n/// The length of the border.\npub fn perimeter(side: f64) -> f64 {\n"
        "    4.0 * side\n}\n"
    )
    found = await call(ra, "rust_analyzer_workspace_symbol", {"query": "perimeter", "workspace": workspace})
    assert found["locations"][0]["path"] == "geometry/src/shapes.rs"
    # shift every line of main.rs down by three and change a doc comment; positions follow the new text
    main = editable / "app/src/main.rs"
    main.write_text("// one\n// two\n// three\n" + main.read_text())
    lib = editable / "geometry/src/lib.rs"
    lib.write_text(lib.read_text().replace("/// A point in the plane.", "/// A point in the plane (edited)."))
    line = next(i for i, text in enumerate(main.read_text().split("\n"), 1) if "let far = " in text)
    hover = await call(
        ra,
        "rust_analyzer_hover",
        {"file_path": str(main), "line": line, "column": column_of(main, line, "Point")},
    )
    assert "A point in the plane (edited)." in hover["markdown"]
    # a new module file, then its removal
    extra = editable / "geometry/src/extra.rs"
    extra.write_text("pub struct Extra;\n")
    lib.write_text(lib.read_text().replace("pub mod shapes;", "pub mod shapes;\npub mod extra;"))
    added = await call(ra, "rust_analyzer_workspace_symbol", {"query": "Extra", "workspace": workspace})
    assert any(loc["path"] == "geometry/src/extra.rs" for loc in added["locations"])
    extra.unlink()
    lib.write_text(lib.read_text().replace("pub mod shapes;\npub mod extra;", "pub mod shapes;"))
    gone = await call(
        ra, "rust_analyzer_workspace_symbol", {"query": "Extra", "workspace": workspace, "types_only": True}
    )
    assert gone["total"] == 0


async def test_directories_renames_and_links_on_disk_are_seen(
    ra: Client, scratch: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """What the change journal must catch between two calls: a directory made with its files, renamed,
    removed; a file renamed; an edit reaching a module only through a link inside the tree; and a
    module linked to a file outside the roots, edited there, still never read."""
    project = copy_fixture("workspace", scratch / "ra-fresh")
    workspace = str(project)
    src = project / "geometry/src"
    lib = src / "lib.rs"
    original = lib.read_text()

    async def symbols(query: str) -> list[str]:
        found = await call(ra, "rust_analyzer_workspace_symbol", {"query": query, "workspace": workspace})
        return [loc["path"] for loc in found["locations"] if loc["name"] == query]

    assert await symbols("InDir") == []  # loaded before anything below exists
    (src / "extra").mkdir()
    (src / "extra/mod.rs").write_text("pub struct InDir;\n")
    lib.write_text(original.replace("pub mod shapes;", "pub mod shapes;\npub mod extra;"))
    assert await symbols("InDir") == ["geometry/src/extra/mod.rs"]
    (src / "extra").rename(src / "moved")
    lib.write_text(original.replace("pub mod shapes;", "pub mod shapes;\npub mod moved;"))
    assert await symbols("InDir") == ["geometry/src/moved/mod.rs"]
    (src / "moved/mod.rs").rename(src / "moved/inner.rs")
    (src / "moved/mod.rs").write_text("pub mod inner;\n")
    assert await symbols("InDir") == ["geometry/src/moved/inner.rs"]
    shutil.rmtree(src / "moved")
    lib.write_text(original)
    assert await symbols("InDir") == []
    # `mod alias;` is a link to a file elsewhere in the tree: an edit of that file reaches the module
    (project / "geometry/kept").mkdir()
    (project / "geometry/kept/real.rs").write_text("pub struct BeforeLink;\n")
    (src / "alias.rs").symlink_to(project / "geometry/kept/real.rs")
    outside = tmp_path_factory.mktemp("outside-fresh") / "linked.rs"
    outside.write_text("pub struct OutsideFirst;\n")
    (src / "leaky.rs").symlink_to(outside)
    lib.write_text(original.replace("pub mod shapes;", "pub mod shapes;\npub mod alias;\npub mod leaky;"))
    assert await symbols("BeforeLink") == ["geometry/src/alias.rs"]
    (project / "geometry/kept/real.rs").write_text("pub struct AfterLinkEdit;\n")
    outside.write_text(f"pub struct OutsideEdited;\n// {'LEAK'}-fresh\n")
    assert await symbols("AfterLinkEdit") == ["geometry/src/alias.rs"]
    assert await symbols("BeforeLink") == []
    for name in ("OutsideFirst", "OutsideEdited"):
        assert await symbols(name) == []
    listed = await ra.call_tool("rust_analyzer_symbols", {"file_path": str(src / "leaky.rs")})
    assert "LEAK-fresh" not in text_of(listed) and "OutsideEdited" not in text_of(listed)


async def test_workspace_diagnostics_cover_files_never_opened(ra: Client, scratch: Path) -> None:
    project = copy_fixture("workspace", scratch / "ra-wsdiag")
    shapes = project / "geometry/src/shapes.rs"
    shapes.write_text(
        shapes.read_text().replace("self.side * self.side", 'let wrong: f64 = "two";\n        wrong')
    )
    # `macros` does not depend on `geometry`, so cargo still checks it when geometry fails
    macros = project / "macros/src/lib.rs"
    macros.write_text(
        macros.read_text().replace("let mut name = None;", "let mut name = None;\n    let never_used = 3;")
    )
    result = await call(ra, "rust_analyzer_workspace_diagnostics", {"workspace": str(project)})
    assert result["check_ran"] is True and result["files_checked"] >= 4
    where = {(d["path"], d["severity"]) for d in result["diagnostics"]}
    assert ("geometry/src/shapes.rs", "error") in where
    assert ("macros/src/lib.rs", "warning") in where
    errors_only = await call(
        ra,
        "rust_analyzer_workspace_diagnostics",
        {"workspace": str(project), "min_severity": "error", "include_check": False},
    )
    # rust-analyzer's own analysis of a file no editor ever opened
    assert [(d["path"], d["code"], d["source"]) for d in errors_only["diagnostics"]] == [
        ("geometry/src/shapes.rs", "E0308", "rust-analyzer")
    ]


async def test_an_edit_made_just_before_each_warm_call_is_seen(ra: Client, scratch: Path) -> None:
    """A warm call skips the re-sync while the event loop has heard nothing from the journal's inotify
    descriptor (inotify.Hearing): an edit finished just before each of many calls, without a pause and
    keeping the file's size, is in every answer."""
    project = copy_fixture("workspace", scratch / "ra-just-before")
    lib, main = project / "geometry/src/lib.rs", project / "app/src/main.rs"
    original = lib.read_text()
    line = next(i for i, text in enumerate(main.read_text().split("\n"), 1) if "let far = " in text)
    arguments = {"file_path": str(main), "line": line, "column": column_of(main, line, "Point")}
    assert "A point in the plane." in (await call(ra, "rust_analyzer_hover", arguments))["markdown"]
    for turn in range(10):
        lib.write_text(original.replace("/// A point in the plane.", f"/// A point in the plane ({turn})."))
        hover = await call(ra, "rust_analyzer_hover", arguments)
        assert f"A point in the plane ({turn})." in hover["markdown"], (turn, hover)
