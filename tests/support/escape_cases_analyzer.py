"""The escape table's rust-analyzer half: path escapes against every rust-analyzer tool that takes a
file or a workspace, and set_workspace's own path (the cargo half and the shared pieces are in
escape_cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.escape_cases import Escape, path_reason

RA_FILE_TOOLS = (
    "rust_analyzer_symbols",
    "rust_analyzer_definition",
    "rust_analyzer_references",
    "rust_analyzer_hover",
    "rust_analyzer_completion",
    "rust_analyzer_format",
    "rust_analyzer_code_actions",
    "rust_analyzer_diagnostics",
    "rust_analyzer_rename",
    "rust_analyzer_implementations",
    "rust_analyzer_type_definition",
    "rust_analyzer_call_hierarchy",
    "rust_analyzer_expand_macro",
    "rust_analyzer_runnables",
    "rust_analyzer_related_tests",
    "rust_analyzer_apply_code_action",
)
RA_WORKSPACE_TOOLS = (
    "rust_analyzer_workspace_symbol",
    "rust_analyzer_workspace_diagnostics",
    "rust_analyzer_unsafe_audit",
    "rust_analyzer_ssr",
)


def _ra_extra(tool: str) -> dict[str, Any]:
    """The other arguments a tool needs, so that the path is all that is wrong with the call."""
    extra: dict[str, Any] = {}
    if tool in RA_FILE_TOOLS and tool not in (
        "rust_analyzer_symbols",
        "rust_analyzer_format",
        "rust_analyzer_diagnostics",
        "rust_analyzer_runnables",
    ):
        extra.update(line=1, column=1)
    if tool == "rust_analyzer_rename":
        extra["new_name"] = "fine"
    if tool == "rust_analyzer_apply_code_action":
        extra["index"] = 0
    if tool == "rust_analyzer_workspace_symbol":
        extra["query"] = "main"
    if tool == "rust_analyzer_ssr":
        extra["rule"] = "foo($a) ==>> bar($a)"
    return extra


def analyzer_cases(root: Path, outside: Path) -> list[Escape]:
    files = [
        str(outside / "evil.rs"),
        "/etc/passwd",
        "../../outside.rs",
        f"file://{outside}/evil.rs",
        "file://evil.example/x.rs",
        str(root / "hello_bin/src/main.rs") + "\x00.rs",
        str(root / "scratch" / "escape" / "evil.rs"),
        "/proc/self/root/etc/x.rs",
    ]
    cases = [
        Escape("rust-analyzer", tool, {"file_path": f, **_ra_extra(tool)}, "path", path_reason(f))
        for tool in RA_FILE_TOOLS
        for f in files
    ]
    places = [str(outside), "..", f"file://{outside}", str(root / "scratch" / "escape"), "/"]
    cases += [
        Escape("rust-analyzer", tool, {"workspace": w, **_ra_extra(tool)}, "path", path_reason(w))
        for tool in RA_WORKSPACE_TOOLS
        for w in places
    ]
    cases += [
        Escape("rust-analyzer", "rust_analyzer_set_workspace", {"workspace_path": w}, "path", path_reason(w))
        for w in places
    ]
    cases.append(
        Escape(
            "rust-analyzer",
            "rust_analyzer_ssr",
            {"rule": "a ==>> b", "file_path": str(outside / "x.rs")},
            "path",
            "outside the allowed roots",
        )
    )
    return cases
