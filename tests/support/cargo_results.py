"""A cargo result for rendering and budget tests, built in one place: a successful cargo check of
/p unless the test's own fields say otherwise."""

from __future__ import annotations

from typing import Any

from cargo_mcp.results.models import CargoResult

DEFAULTS: dict[str, Any] = {
    "tool": "cargo_check",
    "ok": True,
    "exit_code": 0,
    "summary": "cargo check succeeded in 0.20 s",
    "argv": ["cargo", "check", "--message-format=json"],
    "cwd": "/p",
    "manifest": "/p/Cargo.toml",
    "toolchain": None,
    "duration_ms": 200,
}


def cargo_result(**fields: Any) -> CargoResult:
    """A CargoResult with `fields` over DEFAULTS."""
    return CargoResult(**{**DEFAULTS, **fields})
