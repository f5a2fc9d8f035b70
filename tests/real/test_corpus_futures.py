"""The futures corpus (futures 0.3.34's nine crates from crates.io, libraries), the fifth field test's
workspace, driven over MCP stdio and checked against ground truth computed apart from our code (a raw
rust-analyzer, cargo itself, the source). futures-util's `compat` feature is off: its modules are in
no crate, and it needs futures 0.1 under the member's own name `futures`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rust_mcp.dev.corpus import FUTURES
from tests.support import text_of
from tests.support.corpus_support import CorpusSession, check_every_answer_fits, corpus_session, run_cargo

pytestmark = [pytest.mark.anyio, pytest.mark.real, pytest.mark.corpus]


@pytest.fixture(scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CorpusSession]:
    async with corpus_session(FUTURES, tmp_path_factory.mktemp("corpus")) as opened:
        yield opened


async def test_files_of_no_crate_are_named_not_counted(session: CorpusSession) -> None:
    """files_checked counted futures-util's compat/ files (compat off) as checked, and said nothing
    of them; raw rust-analyzer's `unlinked-file` hints are the truth of which files those are."""
    sources = sorted(p for p in session.root.rglob("*.rs") if "target" not in p.parts)
    unlinked = [
        p for p in sources if any(d.get("code") == "unlinked-file" for d in await session.raw.diagnostics(p))
    ]
    assert any("compat" in p.parts for p in unlinked), unlinked
    arguments = {"workspace": "futures", "include_check": False}
    result, body = await session.ra_call("rust_analyzer_workspace_diagnostics", arguments)
    assert not result.is_error, text_of(result)
    assert body["files_checked"] == len(sources) - len(unlinked), (body["files_checked"], len(sources))
    note = body["note"] or ""
    assert f"{len(unlinked)} file(s) in no crate as configured" in note, note
    assert session.rel(unlinked[0]) in note, note


async def test_a_name_behind_a_feature_that_is_off_is_found_in_the_source(session: CorpusSession) -> None:
    """`Compat01As03` (futures-util/src/compat/, `compat` off) was "no symbols match" with a hint to
    search the dependencies; the source defines it, and rust-analyzer's index does not list it."""
    source = session.root / "futures-util/src/compat/compat01as03.rs"
    assert "pub struct Compat01As03<" in source.read_text()
    assert not [s for s in await session.raw.workspace_symbols("Compat01As03") if s["name"] == "Compat01As03"]
    arguments = {"query": "Compat01As03", "workspace": "futures"}
    result, body = await session.ra_call("rust_analyzer_workspace_symbol", arguments)
    assert not result.is_error and body["total"] == 0, text_of(result)
    note = body["note"] or ""
    assert "futures-util/src/compat/compat01as03.rs:" in note and "in no crate" in note, note
    assert "with_dependencies" not in note, note


async def test_the_member_named_futures_is_checked(session: CorpusSession) -> None:
    """`cargo check -p futures` is ambiguous to cargo here (futures 0.1.31 is locked for futures-util's
    `compat`); the member's name means the member."""
    truth = await run_cargo(session.root, ["check", "-p", "futures", "--offline"])
    assert truth.exit_code != 0 and "ambiguous" in truth.stderr, truth.stderr[-2000:]
    result, body = await session.cargo_call("cargo_check", {"path": "futures", "package": "futures"})
    assert not result.is_error, text_of(result)
    assert "futures@0.3.34" in body["argv"], body["argv"]


def test_every_answer_fits(session: CorpusSession) -> None:
    check_every_answer_fits(session)
