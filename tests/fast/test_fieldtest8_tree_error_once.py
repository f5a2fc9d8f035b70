"""Field test on axum: `cargo_tree invert=tokioo` answered cargo's error twice, once as the note of
an empty tree and again as stderr. The error is said once (stderr, in full)."""

from __future__ import annotations

from cargo_mcp.results import render
from cargo_mcp.results.models import CargoResult

ERROR = (
    "error: package ID specification `tokioo` did not match any packages\n"
    "help: a package with a similar name exists: `tokio`"
)


def test_a_failed_tree_says_its_error_once() -> None:
    result = CargoResult(
        tool="cargo_tree",
        ok=False,
        exit_code=101,
        summary="cargo tree failed (exit 101) in 0.50 s",
        argv=["cargo", "tree", "--invert", "tokioo"],
        cwd="/p",
        manifest="/p/Cargo.toml",
        toolchain="stable",
        duration_ms=500,
        stderr=ERROR + "\n",
        data={"lines": [], "note": ERROR},
    )
    text = render.result_text(render.shape_for_model(result))
    assert text.count("did not match any packages") == 1, text
    assert "cargo printed no tree" in text and "help: a package with a similar name exists" in text, text
