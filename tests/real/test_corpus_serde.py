"""The serde corpus (serde, serde_core and serde_derive 1.0.229, a proc macro and two build scripts,
with serde_json 1.0.154 and its cfg'd features, from crates.io), the third field test's workspace,
driven as a new user's model drives it: the servers' root is the repository holding serde/, and a
model that has seen `workspace` on one tool sends it to every tool, with paths relative to it. What
went wrong there, checked against ground truth computed apart from our code (a raw rust-analyzer
after quiescence, the source)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rust_mcp.dev.corpus import SERDE
from tests.support import text_of
from tests.support.corpus_support import CorpusSession, check_every_answer_fits, corpus_session

pytestmark = [pytest.mark.anyio, pytest.mark.real, pytest.mark.corpus]

MEMBER = "serde/serde_json"  # a member, as a model names it from the repository root


@pytest.fixture(scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CorpusSession]:
    async with corpus_session(SERDE, tmp_path_factory.mktemp("corpus")) as opened:
        yield opened


def _count(items: list[dict[str, Any]]) -> int:
    return sum(1 + _count(item.get("children") or []) for item in items)


async def test_file_tools_take_the_workspace_their_paths_are_relative_to(session: CorpusSession) -> None:
    """rust_analyzer_symbols, _diagnostics, _runnables, _format and _completion had no `workspace`:
    a model passing `workspace` with a path relative to it (as it does for hover) was refused
    ("`workspace` is not a parameter of rust_analyzer_symbols")."""
    json_dir = session.root / "serde_json"
    value, de = json_dir / "src/value/mod.rs", json_dir / "src/de.rs"
    outline = await session.raw.document_symbols(value)
    native = await session.raw.diagnostics(de)
    assert outline and native, "raw rust-analyzer answered nothing"

    result, body = await session.ra_call(
        "rust_analyzer_symbols", {"file_path": "src/value/mod.rs", "workspace": MEMBER, "limit": 1000}
    )
    assert not result.is_error, text_of(result)
    assert body["path"] == "serde_json/src/value/mod.rs" and body["total"] == _count(outline), body

    arguments = {
        "file_path": "src/de.rs",
        "workspace": MEMBER,
        "include_check": False,
        "min_severity": "hint",
    }
    result, body = await session.ra_call("rust_analyzer_diagnostics", arguments)
    assert not result.is_error, text_of(result)
    assert sum(body["counts"].values()) == len(native), (body["counts"], len(native))

    tests = re.findall(r"#\[test\]\s*fn (\w+)", (json_dir / "tests/map.rs").read_text())
    result, body = await session.ra_call(
        "rust_analyzer_runnables", {"file_path": "tests/map.rs", "workspace": MEMBER}
    )
    assert not result.is_error, text_of(result)
    labels = " ".join(runnable["label"] for runnable in body["runnables"])
    assert tests and all(test in labels for test in tests), (tests, labels)

    result, body = await session.ra_call(
        "rust_analyzer_format", {"file_path": "src/map.rs", "workspace": MEMBER}
    )
    assert not result.is_error, text_of(result)
    assert body["title"] == "format serde_json/src/map.rs" and body["files"] == [], body  # rustfmt-clean

    line = next(n for n, text in enumerate(value.read_text().split("\n"), 1) if "self.as_object()" in text)
    column = value.read_text().split("\n")[line - 1].index("as_object") + 1
    arguments = {"file_path": "src/value/mod.rs", "line": line, "column": column, "workspace": MEMBER}
    result, body = await session.ra_call("rust_analyzer_completion", arguments)
    assert not result.is_error, text_of(result)
    assert "as_object" in {item["label"].split("(")[0] for item in body["items"]}, body


async def test_file_diagnostics_list_errors_and_warnings_not_inactive_code(session: CorpusSession) -> None:
    """A clean file's diagnostics ("errors and warnings") were 28 of its 30 inactive-code hints (one
    per cfg'd feature, 7 KB) and a note to page on for the rest."""
    de = session.root / "serde_json/src/de.rs"
    native = await session.raw.diagnostics(de)
    assert native and all(item["severity"] == 4 for item in native), native  # all hints
    arguments = {"file_path": "serde_json/src/de.rs", "workspace": "serde", "include_check": False}
    result, body = await session.ra_call("rust_analyzer_diagnostics", arguments)
    assert not result.is_error, text_of(result)
    assert body["diagnostics"] == [] and not any(body["counts"].values()), body
    assert "offset" not in str(body.get("note")), body  # nothing to page on


async def test_a_mistyped_name_suggests_the_names_it_is_near(session: CorpusSession) -> None:
    """`Map::entri` was refused with 12 "similar names" in alphabetical order, none of them
    `Map::entry` (rust-analyzer's fuzzy search needs every letter typed) and all unrelated
    (`ErrorCode::ControlCharacterWhileParsingString`, `serialize_newtype_variant`, ...)."""
    source = (session.root / "serde_json/src/map.rs").read_text()
    assert "pub fn entry<S>(&mut self, key: S) -> Entry" in source
    for wrong, meant in (("Map::entri", "entry"), ("Value::pointr", "pointer")):
        result, _ = await session.ra_call("rust_analyzer_definition", {"symbol": wrong, "workspace": "serde"})
        text = text_of(result)
        assert result.is_error, text
        similar = re.search(r"similar names: (.*)", text)
        assert similar is not None, text
        names = similar.group(1).strip().split(", ")
        assert names[0].split("::")[-1] == meant, text
        assert not any("variant" in name or "ParsingString" in name for name in names), text


async def test_an_ambiguous_name_lists_the_items_of_that_name_first(session: CorpusSession) -> None:
    """`Value` (49 matches) listed twelve associated types first (`InPlaceSeed<'a, T>::Value`,
    `IgnoredAny::Value`, ...), the enum `serde_json::Value` a model meant tenth."""
    enum_line = (session.root / "serde_json/src/value/mod.rs").read_text().split("\n").index(
        "pub enum Value {"
    ) + 1
    result, _ = await session.ra_call("rust_analyzer_references", {"symbol": "Value", "workspace": "serde"})
    text = text_of(result)
    assert result.is_error and "is ambiguous" in text, text
    listed = text.split("matches): ", 1)[1].split("; ")
    first = [entry for entry in listed if entry.startswith("Value at ")]
    assert f"Value at serde_json/src/value/mod.rs:{enum_line}" in first, text
    assert listed[: len(first)] == first, text


def test_every_answer_fits(session: CorpusSession) -> None:
    check_every_answer_fits(session)
