"""What the escape tests check, for both tiers: every case refused for its own reason, no
rust-analyzer started, and the crate outside the roots they try to reach."""

from __future__ import annotations

from pathlib import Path

from mcp import Client

from tests.support import text_of
from tests.support.escape_cases import Escape, cargo_cases
from tests.support.escape_cases_analyzer import analyzer_cases


def not_refused_for_its_reason(case: Escape, is_error: bool, text: str) -> str | None:
    """Why this answer is not the refusal the case expects, or None when it is."""
    if not is_error:
        return "not an error"
    if not text.startswith("Refused: ") or "othing was run" not in text:
        return "not a refusal"
    if case.reason not in text:
        return f"refused, but not because {case.reason!r}"
    return None


async def refuse_all(cargo: Client, analyzer: Client, cases: list[Escape]) -> list[str]:
    """Every case that was not refused for its reason, described; and no rust-analyzer started."""
    failures = []
    for case in cases:
        result = await (cargo if case.server == "cargo" else analyzer).call_tool(case.tool, case.arguments)
        text = text_of(result)
        if (why := not_refused_for_its_reason(case, bool(result.is_error), text)) is not None:
            failures.append(f"{case.tool} {case.arguments!r}: {why}: {text[:200]}")
    status = text_of(await analyzer.call_tool("rust_analyzer_status", {}))
    assert "0 workspace(s) loaded" in status, status
    return failures


def all_cases(workspace_root: Path, outside: Path) -> list[Escape]:
    cases = cargo_cases(workspace_root, outside) + analyzer_cases(workspace_root, outside)
    assert len(cases) >= 40
    return cases


def outside_crate(base: Path, workspace_root: Path) -> Path:
    """A real crate outside the roots (in `base`), with a symlink to it from inside."""
    crate = base / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "outside"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text("pub fn evil() {}\n")
    (crate / "evil.rs").write_text("pub fn evil() {}\n")
    link = workspace_root / "scratch" / "escape"
    link.parent.mkdir(exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(crate)
    return crate
