"""Fast tier: the documents stay true. The tool reference (docs/tools.md), the README's tool table and
the AGENTS.md section (docs/agents.md) are what the servers list right now; the README stays a short
page for users that links the rest."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rust_mcp.dev.reference import GENERATED, README, REPO
from tests.support import in_fresh_thread


@pytest.mark.parametrize(
    ("path", "begin", "end", "make"), GENERATED, ids=[path.name for path, *_ in GENERATED]
)
def test_generated_parts_match_the_servers(path: Path, begin: str, end: str, make: Callable[[], str]) -> None:
    text = path.read_text()
    current = text[text.index(begin) : text.index(end) + len(end)]
    generated = in_fresh_thread(make)  # make() runs its own event loop
    assert current == generated, f"{path} is stale: run `python -m rust_mcp.dev.reference --write`"


def test_readme_names_the_two_commands_ci_runs() -> None:
    text = README.read_text()
    assert "scripts/demo" in text and "scripts/test" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_readme_is_a_short_page_for_users_linking_the_rest() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 240
    for heading in ("## Install and check", "## Register the servers", "## Tools", "## Security"):
        assert heading in text
    linked = set(re.findall(r"\]\((docs/[a-z]+\.md)\)", text))
    assert linked == {
        f"docs/{name}"
        for name in (
            "tools.md",
            "agents.md",
            "benchmarks.md",
            "security.md",
            "clients.md",
            "workflows.md",
            "contributing.md",
            "engine.md",
        )
    }
    assert all((REPO / link).is_file() for link in linked)


def test_every_module_says_what_it_is_for() -> None:
    """The contributing layout is made from module docstrings; a module without one is a hole in it."""
    from rust_mcp.dev.layout import missing_docstrings

    assert missing_docstrings() == [], "give these modules a docstring saying what they are for"
