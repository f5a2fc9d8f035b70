"""cargo_check on files rust-analyzer's own check has just checked, with the same flags, answers from
that check without running cargo (issue 23, "Checks shared between the two servers"); the answer's
findings are those of a fresh bare `cargo check --message-format=json` of the same files. Other
flags, or an edit since the check, run cargo. Both servers in one process (as the engine hosts
them), real cargo and rust-analyzer in their sandboxes, on a copy of the lib_errors fixture."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from ra_mcp.server import build_server as build_analyzer_server
from ra_mcp.settings import AnalyzerSettings
from rust_mcp.core import analyzer_checks
from rust_mcp.core.roots import AllowedRoots
from tests.support import FIXTURES, require_bubblewrap, require_rust_analyzer, structured

pytestmark = [pytest.mark.anyio, pytest.mark.real]
FLAGS = {"workspace": True, "all_targets": True}  # rust-analyzer's check: --workspace --all-targets
REUSED = "reused rust-analyzer's cargo check"


def findings(diagnostics: list[dict[str, Any]]) -> set[tuple[object, ...]]:
    return {(d["level"], d["code"], d["file"], d["line"], d["column"], d["message"]) for d in diagnostics}


def bare_check(crate: Path, target: Path) -> set[tuple[object, ...]]:
    """What a fresh bare `cargo check --message-format=json` says (same flags, its own target dir)."""
    done = subprocess.run(
        ["cargo", "check", "--message-format=json", "--workspace", "--all-targets"],
        cwd=crate,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "CARGO_TARGET_DIR": str(target)},
    )
    found: set[tuple[object, ...]] = set()
    for line in done.stdout.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("reason") != "compiler-message" or not message["message"]["spans"]:
            continue
        body = message["message"]
        span = next(s for s in body["spans"] if s["is_primary"])
        code = (body.get("code") or {}).get("code")
        found.add(
            (
                body["level"],
                code,
                span["file_name"],
                span["line_start"],
                span["column_start"],
                body["message"],
            )
        )
    return found


async def kept_check(root: Path) -> analyzer_checks.AnalyzerCheck:
    with anyio.fail_after(60):  # kept off the loop right after rust-analyzer reports the end
        while (kept := analyzer_checks.FINISHED.get(str(root))) is None:
            await anyio.sleep(0.1)
    return kept


async def test_cargo_check_answers_from_rust_analyzers_check_until_flags_or_files_differ(
    tmp_path: Path,
) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    root = tmp_path / "root"
    crate = root / "lib_errors"
    shutil.copytree(FIXTURES / "lib_errors", crate, ignore=shutil.ignore_patterns("target"))
    roots = AllowedRoots((root,))
    cargo_server = build_cargo_server(CargoSettings(roots, log_dir=tmp_path / "logs"))
    async with (
        Client(build_analyzer_server(AnalyzerSettings(roots)), mode="legacy", read_timeout_seconds=900) as ra,
        Client(cargo_server, mode="legacy", read_timeout_seconds=900) as cargo,
    ):
        source = crate / "src" / "lib.rs"
        await ra.call_tool(
            "rust_analyzer_diagnostics", {"file_path": str(source), "wait": True, "check_timeout_secs": 900}
        )
        kept = await kept_check(crate)
        assert kept.exit_code == 101 and "--keep-going" not in kept.flags[1]
        runs, reused = shared_checks.RUNS.started, analyzer_checks.STATS["reused"]

        body = structured(await cargo.call_tool("cargo_check", {"path": str(crate), **FLAGS}))
        assert shared_checks.RUNS.started == runs  # cargo was not run
        assert analyzer_checks.STATS["reused"] == reused + 1
        assert body["hints"][0].startswith(REUSED), body["hints"]
        assert body["exit_code"] == 101 and body["counts"]["errors"] == 1, body["counts"]
        truth = bare_check(crate, tmp_path / "truth-target")
        assert {(lv, c, f, ln, col) for lv, c, f, ln, col, _ in truth} >= {
            ("error", "E0308", "src/lib.rs", 6, 22)
        }
        assert findings(body["diagnostics"]) == truth

        other = structured(await cargo.call_tool("cargo_check", {"path": str(crate)}))  # not all targets
        assert shared_checks.RUNS.started == runs + 1
        assert not any(REUSED in hint for hint in other["hints"])

        source.write_text(source.read_text() + '\npub fn added() -> u8 { "also not a number" }\n')
        edited = structured(await cargo.call_tool("cargo_check", {"path": str(crate), **FLAGS}))
        assert shared_checks.RUNS.started == runs + 2  # the files changed since rust-analyzer's check
        assert not any(REUSED in hint for hint in edited["hints"])
        assert edited["counts"]["errors"] == 2, edited["counts"]
        assert findings(edited["diagnostics"]) == bare_check(crate, tmp_path / "truth-target")
