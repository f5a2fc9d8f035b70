"""No module of ours is over 300 lines (issue 24): a module a newcomer can read in one sitting. Every
Python file of the three packages, bench/ and the tests is counted, blank lines and comments included."""

from __future__ import annotations

from pathlib import Path

from tests.support import REPO

LIMIT = 300
FOLDERS = ("rust_mcp", "cargo_mcp", "ra_mcp", "bench", "tests/fast", "tests/real", "tests/support")


def _modules() -> list[Path]:
    return sorted(path for folder in FOLDERS for path in (REPO / folder).rglob("*.py"))


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_300_lines() -> None:
    over = {str(path.relative_to(REPO)): _lines(path) for path in _modules() if _lines(path) > LIMIT}
    assert not over, f"modules over {LIMIT} lines (split them by what they are for): {over}"


def test_the_count_sees_every_folder() -> None:
    counted = {path.relative_to(REPO).parts[0] for path in _modules()}
    assert {"rust_mcp", "cargo_mcp", "ra_mcp", "bench", "tests"} <= counted
    assert len(_modules()) > 300  # the packages, bench and both tiers, not an empty glob
