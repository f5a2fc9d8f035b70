"""The typed rust-analyzer layer normalises every location answer one way: a LocationLink and a
Location both become a Location (the link's target, its name's range to show and its whole range),
so no caller can drop one variant, as symbol_lookup._resolve once dropped LocationLink."""

from __future__ import annotations

from lsprotocol import types as lsp

from ra_mcp.lsp.answers import Location
from ra_mcp.lsp.requests import locations


def _range(line: int, start: int, end_line: int, end: int) -> lsp.Range:
    return lsp.Range(
        start=lsp.Position(line=line, character=start), end=lsp.Position(line=end_line, character=end)
    )


NAME = _range(4, 11, 4, 16)
ITEM = _range(3, 0, 9, 1)


def test_a_location_link_becomes_its_target() -> None:
    link = lsp.LocationLink(
        target_uri="file:///w/src/lib.rs",
        target_range=ITEM,
        target_selection_range=NAME,
        origin_selection_range=_range(20, 4, 20, 9),
    )
    assert locations([link]) == [Location("file:///w/src/lib.rs", NAME, ITEM)]


def test_a_location_is_its_own_whole() -> None:
    plain = lsp.Location(uri="file:///w/src/main.rs", range=NAME)
    assert locations(plain) == [Location("file:///w/src/main.rs", NAME, NAME)]


def test_mixed_lists_single_answers_and_nothing() -> None:
    link = lsp.LocationLink(target_uri="file:///a.rs", target_range=ITEM, target_selection_range=NAME)
    plain = lsp.Location(uri="file:///b.rs", range=ITEM)
    assert [place.uri for place in locations([plain, link])] == ["file:///b.rs", "file:///a.rs"]
    assert locations(link) == [Location("file:///a.rs", NAME, ITEM)]
    assert locations(None) == []
    assert locations([]) == []


def test_only_the_typed_layer_sends_requests() -> None:
    """Tools and lookups ask through lsp/requests.py and lsp/change_requests.py; the client itself
    only starts and stops."""
    from tests.support import REPO

    allowed = {"ra_mcp/lsp/requests.py", "ra_mcp/lsp/change_requests.py", "ra_mcp/lsp/client.py"}
    senders = sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "ra_mcp").rglob("*.py")
        if ".request(" in path.read_text() and path.relative_to(REPO).as_posix() not in allowed
    )
    assert senders == []
