"""cargo_metadata, cargo_tree and `changed=true` on a generated 102-member workspace (issue 22, problem
4: 109k of metadata JSON, a 35k tree, 17.5k naming every skipped package). Each answer fits 8 KiB of
text and 10 KiB of structured JSON, and each list is read to its end through the offsets the pages
name and compared with bare cargo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from rust_mcp.core import budgets
from rust_mcp.core.paging import next_page_offset
from tests.real.test_scoped_checks import committed
from tests.support import structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

MEMBERS = 102


def _workspace(root: Path) -> Path:
    """102 members in a chain of path dependencies (each on the 3 before it), each with a library, a
    binary, tests and examples; and one path package outside the workspace that every member uses."""
    root.mkdir(parents=True, exist_ok=True)
    names = [f"member_{i:03}" for i in range(MEMBERS)]
    (root / "Cargo.toml").write_text(
        '[workspace]\nresolver = "2"\nmembers = ["crates/*"]\nexclude = ["outside"]\n'
    )
    outside = root / "outside"
    (outside / "src").mkdir(parents=True, exist_ok=True)
    (outside / "Cargo.toml").write_text('[package]\nname = "outside"\nversion = "0.3.0"\nedition = "2021"\n')
    (outside / "src" / "lib.rs").write_text("pub fn outside() {}\n")
    for i, name in enumerate(names):
        crate = root / "crates" / name
        for folder in ("src", "tests", "examples"):
            (crate / folder).mkdir(parents=True, exist_ok=True)
        deps = "".join(f'{names[j]} = {{ path = "../{names[j]}" }}\n' for j in range(max(0, i - 3), i))
        (crate / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "1.{i}.0"\nedition = "2021"\n\n'
            "[features]\nfast = []\nsmall = []\n\n"
            f'[dependencies]\noutside = {{ path = "../../outside" }}\n{deps}'
        )
        (crate / "src" / "lib.rs").write_text("pub fn it() -> u32 { 1 }\n")
        (crate / "src" / "main.rs").write_text("fn main() {}\n")
        for extra in ("tests/one.rs", "tests/two.rs", "examples/demo.rs"):
            (crate / extra).write_text("fn main() {}\n" if extra.startswith("examples") else "")
    return root


def _fits(result: Any) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert len(text_of(result)) <= budgets.ANSWER_TEXT_BUDGET, len(text_of(result))
    size = len(json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False))
    assert size <= budgets.ANSWER_STRUCTURED_BUDGET, size
    return structured(result)


async def _pages(cargo: Client, tool: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page of a cargo answer, following the offset each page's note names (at most 100)."""
    bodies: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None and len(bodies) < 100:
        result = await cargo.call_tool(tool, {**arguments, "offset": offset})
        body = _fits(result)
        bodies.append(body)
        offset = next_page_offset(body["data"].get("page"))
        if offset is not None:  # the text says so too, with the offset to ask next
            assert f"call again with offset={offset}" in text_of(result)
    return bodies


async def test_metadata_and_tree_of_a_102_member_workspace_page_to_their_end(
    cargo: Client, scratch: Path
) -> None:
    root = _workspace(scratch / "paged_cargo")
    path = str(root)
    pages = await _pages(cargo, "cargo_metadata", {"path": path, "no_deps": False})
    members = [row for body in pages for row in body["data"]["members"]]
    assert len(pages) > 1 and {body["data"]["member_count"] for body in pages} == {MEMBERS}
    assert [row["name"] for row in members] == [f"member_{i:03}" for i in range(MEMBERS)]
    last = members[-1]
    assert (
        last["targets"] == "lib, bin member_101, 1 example, 2 tests" and last["path"] == "crates/member_101"
    )
    assert (last["dependencies"], last["features"], last["version"]) == (4, 2, "1.101.0")
    assert pages[0]["data"]["other_package_count"] == 1 and pages[0]["data"]["other_packages"] == [
        "outside 0.3.0"
    ]

    detail = _fits(await cargo.call_tool("cargo_metadata", {"path": path, "package": "member_050"}))
    member = detail["data"]["member"]
    assert {d["name"] for d in member["dependencies"]} == {
        "outside",
        "member_047",
        "member_048",
        "member_049",
    }
    assert member["dependency_count"] == 4 and member["features"] == ["fast", "small"]
    assert {t["name"] for t in member["targets"]} == {"member_050", "one", "two", "demo"}
    unknown = await cargo.call_tool("cargo_metadata", {"path": path, "package": "member_999"})
    assert "'member_999' is not a member of this workspace" in text_of(unknown)

    pages = await _pages(cargo, "cargo_tree", {"path": path, "workspace": True})
    lines = [line for body in pages for line in body["data"]["lines"]]
    tree = await anyio.run_process(["cargo", "tree", "--workspace", "--depth", "3"], cwd=root)
    bare = tree.stdout.decode().splitlines()
    assert len(pages) > 1 and lines == bare and {body["data"]["total_lines"] for body in pages} == {len(bare)}


async def test_a_scoped_check_names_only_the_members_it_left_out(cargo: Client, scratch: Path) -> None:
    root = _workspace(scratch / "paged_scope")
    await anyio.run_process(["cargo", "generate-lockfile", "--offline"], cwd=root)
    committed(root)
    with (root / "crates" / "member_100" / "src" / "lib.rs").open("a") as source:
        source.write("\npub fn added() {}\n")
    result = await cargo.call_tool("cargo_check", {"path": str(root), "changed": True})
    body = _fits(result)
    assert body["ok"], body["summary"]
    scope = body["scope"]
    assert {p["name"] for p in scope["packages"]} == {"member_100", "member_101"}
    assert scope["skipped_count"] == MEMBERS - 2 and "outside" not in scope["skipped"]
    assert scope["skipped"] == [f"member_{i:03}" for i in range(30)]
    assert f"member_029 and {MEMBERS - 2 - 30} more members" in text_of(result)
