"""rust-analyzer's diagnostics name the check they come from (fieldtest6, futures-rs): its check
covers every target of the workspace, so an error in an integration test shows there while a plain
`cargo check` (cargo_check's default) is clean. Both are true; the answer says which check it is, in
the text and the structured content, and the claim is held against cargo's own answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.models import ANALYZER_CHECK
from tests.real.test_ra_tools import ra_structured
from tests.support import text_of
from tests.support.repeated_checks import package, write_tree

pytestmark = [pytest.mark.anyio, pytest.mark.real]
TEST_WITH_ERROR = """use scoped::value;

#[test]
fn wrong() {
    let text: &str = value();
    assert!(text.is_empty());
}
"""


def cargo_errors(crate: Path, *switches: str) -> list[str]:
    """The error codes of cargo's own check of `crate` with `switches`."""
    done = subprocess.run(
        ["cargo", "check", "--message-format=json", "--quiet", *switches],
        cwd=crate,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    messages = (json.loads(line) for line in done.stdout.splitlines() if line.startswith("{"))
    return [
        (m["message"].get("code") or {}).get("code", "")
        for m in messages
        if m.get("reason") == "compiler-message" and m["message"]["level"] == "error"
    ]


async def test_the_answer_names_a_check_that_covers_the_tests(ra: Client, scratch: Path) -> None:
    crate = scratch / "check-scope"
    write_tree(
        crate,
        {
            "Cargo.toml": package("scoped"),
            "src/lib.rs": "pub fn value() -> u8 {\n    1\n}\n",
            "tests/wrong.rs": TEST_WITH_ERROR,
        },
    )
    assert cargo_errors(crate) == []  # cargo_check's default: the library only
    assert cargo_errors(crate, "--workspace", "--all-targets") == ["E0308"]

    result = await ra.call_tool("rust_analyzer_workspace_diagnostics", {"workspace": str(crate)})
    report = ra_structured("rust_analyzer_workspace_diagnostics", result)
    text = text_of(result)
    assert report["check_ran"] is True and report["check_command"] == ANALYZER_CHECK, text
    errors = [(d["path"], d["code"]) for d in report["diagnostics"] if d["severity"] == "error"]
    assert errors == [("tests/wrong.rs", "E0308")], text
    assert f"{ANALYZER_CHECK} ran" in text.splitlines()[0], text
