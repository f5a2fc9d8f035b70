"""Field test on axum (a workspace of four members): `cargo_metadata` with a package that is no member
answered with the members' names but as a success (isError false) and pointed at "what cargo printed"
in the full log, where cargo printed nothing wrong. A refusal is an error result that names the bad
value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


async def test_metadata_of_no_member_is_an_error(cargo: Client, workspace_root: Path) -> None:
    path = str(workspace_root / "workspace")
    known = await cargo.call_tool("cargo_metadata", {"path": path, "package": "geometry"})
    assert not known.is_error, text_of(known)
    unknown = await cargo.call_tool("cargo_metadata", {"path": path, "package": "geometri"})
    text = text_of(unknown)
    assert unknown.is_error, text
    assert "'geometri' is not a member of this workspace; its members: app, geometry, macros" in text
    assert "what cargo printed" not in text
