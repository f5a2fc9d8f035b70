"""Red team: hover and go-to in a file a crate-level `#![cfg]` switches off answer with
rust-analyzer's own `inactive-code` message (inactive_code.py), which quotes the cfg: `all()` of 150 long
features made a hover's structured answer far over the 10 KiB budget, without saying so. The reason is
now clipped to one diagnostic's rendered limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.models import HoverResult, LocationList
from rust_mcp.core import budgets

NAMES = [f"{'f' * 100}{number}" for number in range(150)]
FEATURES = ", ".join(f'feature = "{name}"' for name in NAMES)
DECLARED = "".join(f"{name} = []\n" for name in NAMES)  # declared, off: rust-analyzer sees them off
GATED = """#![cfg(all(FEATURES))]

use gated::on;

#[test]
fn uses() {
    let _ = on();
}
""".replace("FEATURES", FEATURES)


@pytest.mark.real
@pytest.mark.anyio
async def test_a_huge_cfg_in_the_inactive_reason_keeps_the_budget(ra: Client, scratch: Path) -> None:
    crate = scratch / "gated_budget"  # its own folder: test_rename_leftovers makes scratch/gated
    (crate / "src").mkdir(parents=True)
    manifest = '[package]\nname = "gated"\nversion = "0.1.0"\nedition = "2021"\n\n[features]\n'
    (crate / "Cargo.toml").write_text(manifest + DECLARED)
    (crate / "tests").mkdir()
    (crate / "src" / "lib.rs").write_text("pub fn on() -> u32 {\n    1\n}\n")
    (crate / "tests" / "gated.rs").write_text(GATED)
    at = {"file_path": str(crate / "tests" / "gated.rs"), "line": 7, "column": 13, "workspace": str(crate)}
    result = await ra.call_tool("rust_analyzer_hover", at)
    hover = HoverResult.model_validate(result.structured_content)
    assert not hover.found and "inactive" in str(hover.note), hover.note and hover.note[:300]
    assert len(json.dumps(result.structured_content)) <= budgets.ANSWER_STRUCTURED_BUDGET
    result = await ra.call_tool("rust_analyzer_definition", at)
    places = LocationList.model_validate(result.structured_content)
    assert places.total == 0 and "inactive" in str(places.note), str(places.note)[:300]
    assert len(json.dumps(result.structured_content)) <= budgets.ANSWER_STRUCTURED_BUDGET
