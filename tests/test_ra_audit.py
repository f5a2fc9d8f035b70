"""The unsafe audit on a fixture with documented, undocumented and nested unsafe code."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import text_of
from tests.test_ra_tools import call

pytestmark = [pytest.mark.anyio, pytest.mark.real]


async def test_unsafe_audit_finds_every_site_with_its_operations_and_findings(
    ra: Client, workspace_root: Path
) -> None:
    audit = await call(ra, "rust_analyzer_unsafe_audit", {"workspace": str(workspace_root / "unsafe_audit")})
    totals = audit["totals"]
    assert (totals["blocks"], totals["functions"], totals["impls"], totals["traits"]) == (4, 1, 2, 1)
    assert (totals["undocumented"], totals["operations"], totals["findings"]) == (4, 6, 7)
    assert audit["clippy_ran"] is True and [f["path"] for f in audit["files"]] == ["src/lib.rs"]
    sites = {(s["kind"], s["line"]): s for s in audit["sites"]}
    read_raw = sites[("fn", 12)]
    assert (
        read_raw["item"] == "read_raw"
        and read_raw["documented"] is True
        and read_raw["safety_comment"] is None
    )
    inner = sites[("block", 14)]
    assert inner["nested"] and inner["enclosing"] == "read_raw" and inner["documented"]
    assert [(op["kind"], op["text"]) for op in inner["operations"]] == [
        ("call to an unsafe function", "read")
    ]
    bump = sites[("block", 19)]
    assert bump["enclosing"] == "bump" and bump["documented"] is False
    assert [op["text"] for op in bump["operations"]] == ["COUNTER", "COUNTER"]
    assert {f["code"] for f in bump["findings"]} == {
        "clippy::undocumented_unsafe_blocks",
        "clippy::multiple_unsafe_ops_per_block",
    }
    outer = sites[("block", 30)]
    assert outer["documented"] and outer["safety_comment"].startswith("SAFETY: both pointers")
    assert {op["kind"] for op in outer["operations"]} == {
        "call to an unsafe function",
        "dereference of a raw pointer",
    }
    nested = sites[("block", 32)]
    assert (
        nested["nested"]
        and not nested["documented"]
        and "unused_unsafe" in {f["code"] for f in nested["findings"]}
    )
    assert sites[("impl", 41)]["item"] == "impl Send for Handle" and sites[("impl", 41)]["documented"]
    trait = sites[("trait", 44)]
    assert trait["item"] == "Zeroable" and not trait["documented"]
    assert [f["code"] for f in trait["findings"]] == ["clippy::missing_safety_doc"]
    assert not sites[("impl", 46)]["documented"]


async def test_unsafe_audit_by_package_without_clippy(ra: Client, workspace_root: Path) -> None:
    quick = await call(
        ra,
        "rust_analyzer_unsafe_audit",
        {
            "workspace": str(workspace_root / "unsafe_audit"),
            "package": "unsafe_audit",
            "include_clippy": False,
        },
    )
    assert quick["clippy_ran"] is False and quick["totals"]["findings"] == 0 and len(quick["sites"]) == 8
    clean = await call(
        ra,
        "rust_analyzer_unsafe_audit",
        {"workspace": str(workspace_root / "workspace"), "include_clippy": False},
    )
    assert clean["sites"] == [] and clean["note"] == "no unsafe code"
    missing = await ra.call_tool(
        "rust_analyzer_unsafe_audit", {"workspace": str(workspace_root / "workspace"), "package": "nope"}
    )
    assert missing.is_error and "packages: app, geometry, macros" in text_of(missing)
