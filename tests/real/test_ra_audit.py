"""The unsafe audit on a fixture with documented, undocumented and nested unsafe code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.real.test_ra_tools import call, ra_structured
from tests.support import copy_fixture, text_of

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


def _findings_by_crate(audit: dict[str, Any]) -> dict[str, set[str]]:
    """crate directory name -> the levels of the undocumented-block findings on its sites."""
    found: dict[str, set[str]] = {}
    for site in audit["sites"]:
        crate = site["path"].split("/")[1]  # crates/<name>/src/lib.rs
        for finding in site["findings"]:
            if finding["code"] == "clippy::undocumented_unsafe_blocks":
                found.setdefault(crate, set()).add(finding["level"])
    return found


async def test_audit_clippy_keeps_going_past_a_deny_level_lint(ra: Client, workspace_root: Path) -> None:
    """One crate denies the lint it breaks (clippy fails on it); the others only warn. Without
    --keep-going cargo stops scheduling at the first failure and some warned crates go unlinted."""
    workspace = str(workspace_root / "clippy_keep_going")
    result = await ra.call_tool("rust_analyzer_unsafe_audit", {"workspace": workspace})
    audit = ra_structured("rust_analyzer_unsafe_audit", result)
    assert _findings_by_crate(audit) == {
        "a_denied": {"error"},
        "b_warned": {"warning"},
        "c_warned": {"warning"},
        "d_warned": {"warning"},
    }
    assert audit["clippy_partial"] is None, audit["clippy_partial"]  # a denied crate was linted whole
    assert "PARTIAL" not in text_of(result).splitlines()[0]


async def test_audit_headline_says_partial_and_names_the_crate_that_failed(ra: Client, scratch: Path) -> None:
    workspace = copy_fixture("clippy_keep_going", scratch / "keep_going_broken")
    for name, source, dependencies in (
        ("e_broken", 'pub fn broken() -> u32 {\n    "not a number"\n}\n', ""),
        (
            "f_needs_broken",
            "pub fn uses() -> u32 {\n    e_broken::broken()\n}\n",
            'e_broken = { path = "../e_broken" }\n',
        ),
    ):
        (workspace / "crates" / name / "src").mkdir(parents=True)
        (workspace / "crates" / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
            f"[dependencies]\n{dependencies}"
        )
        (workspace / "crates" / name / "src" / "lib.rs").write_text(source)
    result = await ra.call_tool("rust_analyzer_unsafe_audit", {"workspace": str(workspace)})
    audit = ra_structured("rust_analyzer_unsafe_audit", result)
    headline = text_of(result).splitlines()[0]
    assert "PARTIAL" in headline and "failed to build (lints did not run): e_broken" in headline, headline
    assert "not checked: f_needs_broken" in headline, headline
    assert "a_denied (lib)" in audit["clippy_partial"]  # named, its findings complete
    assert set(_findings_by_crate(audit)) == {"a_denied", "b_warned", "c_warned", "d_warned"}
