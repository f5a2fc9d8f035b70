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


async def test_metadata_and_tree_of_very_long_names_keep_the_budgets(cargo: Client, scratch: Path) -> None:
    """Feature and package names are the agent's too: a 20,000-character feature list and a path
    dependency with a 2,000-character name, in cargo_metadata (summary and one member) and cargo_tree."""
    require_bubblewrap()
    root = scratch / "redteam9_long_features"
    dependency = "d" * 2_000
    (root / "dep" / "src").mkdir(parents=True, exist_ok=True)
    (root / "dep" / "Cargo.toml").write_text(f'[package]\nname = "{dependency}"\nversion = "0.1.0"\n')
    (root / "dep" / "src" / "lib.rs").write_text("")
    crate = _crate(root)
    features = "".join(f"{'f' * 2_000}{n} = []\n" for n in range(10))
    manifest = crate / "Cargo.toml"
    named = f'[dependencies]\n{dependency} = {{ path = "../dep" }}\n\n[features]\n{features}'
    manifest.write_text(f"{manifest.read_text()}\n{named}")
    problems: dict[str, list[str]] = {}
    for name, arguments in (
        ("cargo_metadata", {"path": str(crate)}),
        ("cargo_metadata", {"path": str(crate), "package": "long_tests"}),
        ("cargo_tree", {"path": str(crate)}),
    ):
        result = await cargo.call_tool(name, arguments)
        if found := budget_problems(result):
            problems[f"{name} {sorted(arguments)}"] = found
    assert not problems, problems
