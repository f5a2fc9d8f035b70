"""A finished check whose compiler could not read a file is not kept for another call: the compiler
stopped before recording what it reads, so the file made later in a skipped folder would go unseen
(shared_checks.UNREAD_FILE), nor one with an error in a skipped folder; other failed checks are
kept."""

from __future__ import annotations

import pytest

from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.shared_checks import _reusable
from rust_mcp.core.compiler_messages import Diagnostic


def failed_with(message: str, file: str | None = None) -> CargoResult:
    return CargoResult(
        tool="cargo_check",
        ok=False,
        exit_code=101,
        summary="cargo check failed (exit 101)",
        argv=["cargo", "check"],
        cwd="/p",
        manifest="/p/Cargo.toml",
        toolchain=None,
        duration_ms=1,
        diagnostics=[Diagnostic(level="error", message=message, file=file)],
    )


@pytest.mark.parametrize(
    "message",
    [
        "couldn't read `src/../node_modules/gen.rs`: No such file or directory (os error 2)",
        "file not found for module `generated`",
    ],
)
def test_a_check_that_could_not_read_a_file_is_not_kept(message: str) -> None:
    assert not _reusable(failed_with(message))


def test_a_check_failing_otherwise_is_kept() -> None:
    assert _reusable(failed_with("mismatched types"))


def test_a_check_failing_in_a_skipped_folder_is_not_kept() -> None:
    """A syntax error in `src/target/mod.rs` stops the compiler before its dep-info is written."""
    assert not _reusable(failed_with("this file contains an unclosed delimiter", "src/target/mod.rs"))
    assert _reusable(failed_with("this file contains an unclosed delimiter", "src/lib.rs"))
