"""rust-analyzer's own mistakes are not errors (issue 22, problem 1): code that cargo compiles but
rust-analyzer sees differently (here an item only rust-analyzer analyses, under `cfg(rust_analyzer)`,
which rust-analyzer sets and cargo never does) gives rust-analyzer a type error cargo does not have.
After the check ran, that error is listed apart as unconfirmed, after the real findings, and not
counted; cargo's own JSON is the ground truth."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import ra_structured
from tests.support import text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

SOURCE = """#[cfg(rust_analyzer)]
pub fn only_rust_analyzer_sees_this() -> u32 {
    "not a number"
}

pub fn unused_warning() -> u32 {
    let unused = 1;
    2
}
"""


def cargo_errors(project: Path) -> list[dict[str, object]]:
    """What cargo check itself says, as JSON: the ground truth."""
    done = subprocess.run(
        ["cargo", "check", "--all-targets", "--message-format=json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "CARGO_TARGET_DIR": str(project / "target" / "truth")},
    )
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return [
        m["message"]
        for m in messages
        if m.get("reason") == "compiler-message" and m["message"]["level"] == "error"
    ]


async def test_a_rust_analyzer_only_error_is_unconfirmed_after_a_check(ra: Client, scratch: Path) -> None:
    project = scratch / "ra_only_error"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text(
        '[package]\nname = "ra_only_error"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[lints.rust]\nunexpected_cfgs = { level = "allow" }\n'
    )
    (project / "src" / "lib.rs").write_text(SOURCE)
    assert cargo_errors(project) == []  # cargo: no error at all
    lib = project / "src" / "lib.rs"

    native = await ra.call_tool("rust_analyzer_diagnostics", {"file_path": str(lib), "include_check": False})
    body = ra_structured("rust_analyzer_diagnostics", native)
    ra_errors = [d for d in body["diagnostics"] if d["severity"] == "error"]
    assert [d["line"] for d in ra_errors] == [3], text_of(native)  # rust-analyzer does see an error
    assert not ra_errors[0]["confirmed"] and body["counts"]["errors"] == 0, text_of(native)

    checked = await ra.call_tool("rust_analyzer_diagnostics", {"file_path": str(lib)})
    body = ra_structured("rust_analyzer_diagnostics", checked)
    text = text_of(checked)
    assert body["check_ran"] is True, text
    assert body["counts"]["errors"] == 0 and body["counts"]["warnings"] >= 1, text
    assert body["counts"]["unconfirmed"] >= 1, text
    listed = body["diagnostics"]
    assert listed[0]["confirmed"] and listed[0]["source"] == "rustc", text  # the real warning first
    unconfirmed = [d for d in listed if not d["confirmed"]]
    assert [d["line"] for d in unconfirmed if d["severity"] == "error"] == [3], text
    assert all(d["confirmed"] for d in listed[: listed.index(unconfirmed[0])]), text
    assert "0 errors" in text.splitlines()[0] and "unconfirmed" in text, text

    whole = await ra.call_tool("rust_analyzer_workspace_diagnostics", {"workspace": str(project)})
    body = ra_structured("rust_analyzer_workspace_diagnostics", whole)
    assert body["check_ran"] is True and body["counts"]["errors"] == 0, text_of(whole)
    assert body["counts"]["unconfirmed"] >= 1, text_of(whole)
