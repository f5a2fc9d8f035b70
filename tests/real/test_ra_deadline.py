"""A diagnostics call answers before the client gives up (issue 22, problem 5): a cargo check still
running at the server's answer deadline gives what is known so far and says the check is still
running, instead of taking the whole check timeout; the check goes on, and the next call joins it
rather than starting it over (its build script, slow only from the moment the test says so, runs
once), then lists the real error cargo found."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.models import ANALYZER_CHECK
from tests.real.test_ra_tools import ra_structured
from tests.support import require_bubblewrap, require_rust_analyzer, server_params, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

BUILD = """use std::io::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=slow");
    if Path::new("slow").exists() {
        let out = std::env::var("OUT_DIR").unwrap();
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(Path::new(&out).join("slow-starts"))
            .unwrap();
        writeln!(log, "slow").unwrap();
        std::thread::sleep(std::time::Duration::from_secs(40));
    }
}
"""
LIB = """pub fn answer() -> u32 {
    let wrong: u32 = "not a number";
    wrong
}
"""
DEADLINE = 20


def slow_starts(project: Path) -> int:
    return sum(log.read_text().count("slow") for log in (project / "target").rglob("slow-starts"))


async def test_a_slow_check_answers_by_the_deadline_and_the_next_call_joins_it(tmp_path: Path) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    project = tmp_path / "slow_check"
    (project / "src").mkdir(parents=True)
    manifest = '[package]\nname = "slow_check"\nversion = "0.1.0"\nedition = "2021"\n'
    (project / "Cargo.toml").write_text(manifest)
    (project / "build.rs").write_text(BUILD)
    (project / "src" / "lib.rs").write_text(LIB)
    lib = project / "src" / "lib.rs"
    params = server_params("rust-analyzer-mcp", "--root", str(project), "--answer-deadline", str(DEADLINE))
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        first = await client.call_tool("rust_analyzer_diagnostics", {"file_path": str(lib), "wait": True})
        for _ in range(10):  # bounded: a loaded machine may take longer to index than the ready timeout
            if not (first.is_error and "still indexing" in text_of(first)):
                break
            first = await client.call_tool("rust_analyzer_diagnostics", {"file_path": str(lib), "wait": True})
        body = ra_structured("rust_analyzer_diagnostics", first)
        assert body["check_ran"] is True, text_of(first)  # the cold start, waited for to its end
        (project / "slow").write_text("from now on the build script takes 40 s\n")
        # a change to a source file makes the next call check again (the build script then sleeps)
        lib.write_text(LIB + "\npub fn more() {}\n")

        started = time.monotonic()
        cut = await client.call_tool("rust_analyzer_diagnostics", {"file_path": str(lib)})
        assert time.monotonic() - started < DEADLINE, text_of(cut)  # answered by the deadline
        text = text_of(cut)
        body = ra_structured("rust_analyzer_diagnostics", cut)
        assert body["check_ran"] is False and body["check_running"] is True, text
        assert body.get("check_error") is None, text
        assert f"{ANALYZER_CHECK} still running" in text.splitlines()[0] and "did not run" not in text, text
        assert "call again" in text and "wait=true" in text, text

        joined = await client.call_tool("rust_analyzer_diagnostics", {"file_path": str(lib), "wait": True})
        text = text_of(joined)
        body = ra_structured("rust_analyzer_diagnostics", joined)
        assert body["check_ran"] is True and body["check_running"] is False, text
        errors = [d for d in body["diagnostics"] if d["severity"] == "error" and d["confirmed"]]
        assert [(d["line"], d["code"], d["source"]) for d in errors] == [(2, "E0308", "rustc")], text
        assert slow_starts(project) == 1, "the second call started the check over instead of joining it"
