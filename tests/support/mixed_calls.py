"""Read-only rust-analyzer calls on the workspace fixture, each with what a correct answer holds:
the mix the fault and load tests make."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.real.test_ra_tools import column_of


@dataclass(frozen=True)
class MixedCall:
    tool: str
    arguments: dict[str, Any]
    correct: Callable[[dict[str, Any]], bool]


def mixed_calls(project: Path) -> list[MixedCall]:
    """Read-only calls across the workspace fixture, each with what a correct answer contains."""
    main = project / "app/src/main.rs"
    lib = project / "geometry/src/lib.rs"
    workspace = str(project)
    return [
        MixedCall(
            "rust_analyzer_hover",
            {"file_path": str(main), "line": 16, "column": column_of(main, 16, "Point::new(3.0")},
            lambda r: "pub struct Point" in r["markdown"],
        ),
        MixedCall(
            "rust_analyzer_definition",
            {"symbol": "Point::norm2", "workspace": workspace},
            lambda r: (r["locations"][0]["path"], r["locations"][0]["line"]) == ("geometry/src/lib.rs", 19),
        ),
        MixedCall(
            "rust_analyzer_references",
            {"symbol": "Point::norm2", "workspace": workspace},
            lambda r: r["total"] == 3,
        ),
        MixedCall(
            "rust_analyzer_symbols",
            {"file_path": str(lib)},
            lambda r: "Point" in [s["name"] for s in r["symbols"]],
        ),
        MixedCall(
            "rust_analyzer_workspace_symbol",
            {"query": "Circle", "workspace": workspace},
            lambda r: r["locations"][0]["path"] == "geometry/src/shapes.rs",
        ),
        MixedCall(
            "rust_analyzer_implementations",
            {"symbol": "Area", "workspace": workspace},
            lambda r: len(r["locations"]) == 2,
        ),
        MixedCall(
            "rust_analyzer_type_definition",
            {"file_path": str(main), "line": 19, "column": column_of(main, 19, "far")},
            lambda r: r["locations"][0]["text"] == "pub struct Point {",
        ),
        MixedCall(
            "rust_analyzer_completion",
            {"file_path": str(main), "line": 19, "column": column_of(main, 19, ".norm2") + 1},
            lambda r: "norm2" in [item["label"] for item in r["items"]],
        ),
        MixedCall(
            "rust_analyzer_call_hierarchy",
            {"symbol": "total_area", "workspace": workspace, "direction": "incoming"},
            lambda r: [c["name"] for c in r["incoming"]] == ["main"],
        ),
        MixedCall(
            "rust_analyzer_expand_macro",
            {"file_path": str(main), "line": 8, "symbol": "Describe"},
            lambda r: "pub fn describe()" in (r["expansion"] or ""),
        ),
        MixedCall(
            "rust_analyzer_runnables",
            {"file_path": str(lib)},
            lambda r: any("norm2_of_unit_vector" in x["label"] for x in r["runnables"]),
        ),
        MixedCall(
            "rust_analyzer_diagnostics",
            {"file_path": str(main), "include_check": False},
            lambda r: r["counts"]["errors"] == 0,
        ),
    ]
