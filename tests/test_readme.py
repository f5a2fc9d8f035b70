"""The README stays true: its tool reference is what the servers list right now."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from rust_mcp.dev.reference import AGENTS_BEGIN, AGENTS_END, BEGIN, END, README, agents_section, generate


def test_tool_reference_matches_the_servers() -> None:
    text = README.read_text()
    current = text[text.index(BEGIN) : text.index(END) + len(END)]
    # generate() runs its own event loop: in a fresh thread, so no async test's context (sniffio's
    # "asyncio is running" marker, left by the session-wide test runner) is taken for a running loop
    with ThreadPoolExecutor(1) as fresh:
        generated = fresh.submit(generate).result()
    assert current == generated, (
        "the README's tool reference is stale: run `python -m rust_mcp.dev.reference --write`"
    )


def test_readme_names_the_two_commands_ci_runs() -> None:
    text = README.read_text()
    assert "scripts/demo" in text and "scripts/test" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_agents_section_matches_the_prompts() -> None:
    text = README.read_text()
    assert text[text.index(AGENTS_BEGIN) : text.index(AGENTS_END) + len(AGENTS_END)] == agents_section()
