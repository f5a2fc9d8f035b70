"""The text a repeat of a cargo call is answered with (shared_checks.KeptText): kept in two parts
around where the reuse's note goes, it is exactly the text of the result with that note as its first
hint, whatever the project's output holds. Before, the place was a NUL marker inside the text, and a
text holding that marker itself (cargo output the project controls) could not be kept."""

from __future__ import annotations

import pytest

from cargo_mcp.results import render
from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.shared_checks import KeptText
from tests.support.cargo_results import cargo_result

OLD_MARKER = "\x00the note of a reuse\x00"


def result(hints: list[str], log_path: str | None, stderr: str) -> CargoResult:
    failed = {"ok": False, "exit_code": 101, "summary": "cargo check failed (exit 101) in 0.20 s"}
    return cargo_result(**failed, stderr=stderr, hints=hints, log_path=log_path)


@pytest.mark.parametrize(
    ("hints", "log_path"),
    [([], None), (["fix the first error"], None), (["one", "two"], "/logs/check.log")],
)
@pytest.mark.parametrize("stderr", ["error: could not compile", f"error: {OLD_MARKER} in the output"])
def test_a_kept_text_with_its_note_is_the_text_with_that_note_first(
    hints: list[str], log_path: str | None, stderr: str
) -> None:
    shown = result(hints, log_path, stderr)
    kept = KeptText(*render.text_around_hints(shown))
    note = "cargo check reused: nothing changed since the run 3 s ago"
    expected = render.unclipped_text(shown.model_copy(update={"hints": [note, *hints]}))
    assert kept.with_note(note) == expected
    assert kept.size() == len(render.unclipped_text(shown))
    assert stderr in kept.before  # the project's output is text, never a place to fill
