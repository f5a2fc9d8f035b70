"""What the field test on clap found: clap's examples declare `required-features = ["derive"]`, a
feature off by default. rust-analyzer analyses them with the default features and `cargo check
--all-targets` skips them, so in `examples/demo.rs` hover and go-to at `Args::parse()` found nothing
without a reason, the expansion of `#[derive(Parser)]` said "no macro call or derive" at the derive's
name, and the file's diagnostics came back clean with `check_ran: true` though no check compiled it (a
type error there went unreported). Each answer now names the target's required features and the
cargo_check that compiles it."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.models import DiagnosticReport, HoverResult, LocationList, MacroExpansion

MANIFEST = """[package]
name = "gated_examples"
version = "0.1.0"
edition = "2021"

[features]
default = ["plain"]
plain = []
extra = []

[[example]]
name = "demo"
required-features = ["extra"]
"""
LIB = """/// Only with the `extra` feature.
#[cfg(feature = "extra")]
pub fn extra_fn() -> u32 {
    7
}

/// Only with the `extra` feature.
#[cfg(feature = "extra")]
#[macro_export]
macro_rules! shout {
    () => {
        "LOUD"
    };
}

/// Without the `extra` feature: an error where it is used (as clap's `command!` without `cargo`).
#[cfg(not(feature = "extra"))]
#[macro_export]
macro_rules! needs_extra {
    () => {
        compile_error!("`extra` feature flag is required")
    };
}
"""
# line 7: an error only cargo (with the feature) finds: rust-analyzer does not check trait bounds
DEMO = """fn needs_copy<T: Copy>(_: T) {}

fn main() {
    let number = gated_examples::extra_fn();
    let loud = gated_examples::shout!();
    println!("{number} {loud}");
    needs_copy(String::new());
    gated_examples::needs_extra!();
}
"""
REASON = "requires feature(s) `extra`"


def _crate(root: Path) -> Path:
    crate = root / "gated_examples"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "examples").mkdir(exist_ok=True)
    (crate / "Cargo.toml").write_text(MANIFEST)
    (crate / "src" / "lib.rs").write_text(LIB)
    (crate / "examples" / "demo.rs").write_text(DEMO)
    return crate


@pytest.mark.real
@pytest.mark.anyio
async def test_a_target_whose_features_are_off_says_so(ra: Client, scratch: Path) -> None:
    crate = _crate(scratch / "required-features")
    demo = str(crate / "examples" / "demo.rs")
    call = {"file_path": demo, "line": 4, "column": 34, "workspace": str(crate)}  # extra_fn

    result = await ra.call_tool("rust_analyzer_hover", call)
    hover = HoverResult.model_validate(result.structured_content)
    assert not hover.found and REASON in str(hover.note), hover
    result = await ra.call_tool("rust_analyzer_definition", call)
    places = LocationList.model_validate(result.structured_content)
    assert places.total == 0 and REASON in str(places.note), places

    shout = {"file_path": demo, "line": 5, "column": 32, "workspace": str(crate)}
    result = await ra.call_tool("rust_analyzer_expand_macro", shout)
    expansion = MacroExpansion.model_validate(result.structured_content)
    assert expansion.expansion is None and REASON in str(expansion.note), expansion
    assert "point at the macro's name" not in str(expansion.note), expansion

    result = await ra.call_tool("rust_analyzer_diagnostics", {"file_path": demo, "workspace": str(crate)})
    report = DiagnosticReport.model_validate(result.structured_content)
    assert report.check_ran, report
    assert REASON in str(report.note) and 'features=["extra"]' in str(report.note), report

    lib = {"file_path": str(crate / "src" / "lib.rs"), "workspace": str(crate)}
    result = await ra.call_tool("rust_analyzer_diagnostics", lib)
    assert REASON not in str(DiagnosticReport.model_validate(result.structured_content).note)

    result = await ra.call_tool("rust_analyzer_workspace_diagnostics", {"workspace": str(crate)})
    whole = DiagnosticReport.model_validate(result.structured_content)
    assert any(d.path.endswith("demo.rs") for d in whole.diagnostics), whole  # needs_extra's error
    assert "1 file(s) with findings are targets" in str(whole.note) and REASON in str(whole.note), whole
