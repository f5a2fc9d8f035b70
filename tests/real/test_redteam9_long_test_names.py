"""Ninth red team: test names are the agent's to choose and have no length limit. A crate whose
failing tests carry 20,000-character names (and panic with 20,000-character messages) answers
cargo_test within the budgets (8 KiB of text, 10 KiB of structured JSON), saying what it left out.
Real cargo, through cargo-mcp on stdio."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import require_bubblewrap
from tests.support.answer_budget import budget_problems

pytestmark = [pytest.mark.anyio, pytest.mark.real]
LONG = 20_000


def _crate(root: Path) -> Path:
    crate = root / "long_tests"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "long_tests"\nversion = "0.1.0"\nedition = "2021"\n')
    tests = "\n".join(
        f'#[test]\nfn {"t" * LONG}_{n}() {{ panic!("{{}}", "p".repeat({LONG})); }}' for n in range(4)
    )
    (crate / "src" / "lib.rs").write_text(f"pub fn f() {{}}\n{tests}\n")
    return crate


async def test_failing_tests_with_very_long_names_keep_the_budgets(cargo: Client, scratch: Path) -> None:
    require_bubblewrap()
    crate = _crate(scratch / "redteam9_long_tests")
    result = await cargo.call_tool("cargo_test", {"path": str(crate)})
    assert result.is_error
    assert not budget_problems(result), budget_problems(result)
