"""Destructive tools ask first where the client supports elicitation (mid-call on handshake-era
connections, through an input-required round on 2026-07-28), and act as asked where it does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp_types import ElicitRequestParams, ElicitResult

from tests.real.test_ra_tools import ra_structured
from tests.support import copy_fixture, require_rust_analyzer, server_params, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


class User:
    """Answers every confirmation the same way and remembers the questions."""

    def __init__(self, accept: bool) -> None:
        self.accept = accept
        self.questions: list[str] = []

    async def __call__(self, context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        self.questions.append(str(getattr(params, "message", "")))
        return ElicitResult(action="accept", content={"confirm": self.accept})


def _target_as_cargo_makes_it(project: Path) -> None:
    """A target directory with what cargo writes in every one it makes (cargo_clean deletes only
    such a one)."""
    (project / "target").mkdir()
    (project / "target" / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")


async def test_cargo_clean_asks_and_respects_no(scratch: Path, workspace_root: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "confirm-clean")
    _target_as_cargo_makes_it(project)
    for accept, survives in ((False, True), (True, False)):
        user = User(accept)
        params = server_params("cargo-mcp", "serve", "--root", str(workspace_root))
        async with Client(params, mode="legacy", elicitation_callback=user) as client:
            result = await client.call_tool("cargo_clean", {"path": str(project)})
        # the question names the directory that will be deleted
        assert len(user.questions) == 1 and f"deletes {project / 'target'} " in user.questions[0]
        assert "(from cargo's default), cargo's build output" in user.questions[0]
        assert (project / "target").exists() is survives
        if survives:
            assert result.is_error and "the user declined" in text_of(result)
        else:
            assert not result.is_error, text_of(result)


async def test_without_elicitation_or_with_no_confirm_nothing_is_asked(
    scratch: Path, workspace_root: Path
) -> None:
    project = copy_fixture("hello_bin", scratch / "confirm-none")
    _target_as_cargo_makes_it(project)
    async with Client(
        server_params("cargo-mcp", "serve", "--root", str(workspace_root)), mode="legacy"
    ) as client:
        assert not (await client.call_tool("cargo_clean", {"path": str(project)})).is_error
    assert not (project / "target").exists()
    _target_as_cargo_makes_it(project)
    user = User(accept=False)
    params = server_params("cargo-mcp", "serve", "--root", str(workspace_root), "--no-confirm")
    async with Client(params, mode="legacy", elicitation_callback=user) as client:
        assert not (await client.call_tool("cargo_clean", {"path": str(project)})).is_error
    assert user.questions == [] and not (project / "target").exists()


async def test_rename_apply_asks_through_an_input_required_round(scratch: Path, workspace_root: Path) -> None:
    require_rust_analyzer()
    project = copy_fixture("workspace", scratch / "confirm-rename")
    arguments = {
        "symbol": "Point::norm2",
        "workspace": str(project),
        "new_name": "squared_norm",
        "apply": True,
    }
    lib = project / "geometry" / "src" / "lib.rs"
    user = User(accept=False)
    params = server_params("rust-analyzer-mcp", "--root", str(workspace_root))
    async with Client(params, mode="auto", elicitation_callback=user, read_timeout_seconds=300) as client:
        assert client.protocol_version == "2026-07-28"
        declined = ra_structured(
            "rust_analyzer_rename", await client.call_tool("rust_analyzer_rename", arguments)
        )
        assert declined["applied"] is False and declined["note"] == "not written: the user declined"
        assert "pub fn norm2" in lib.read_text()
        assert len(user.questions) == 1 and "write 2 file(s)" in user.questions[0]
        user.accept = True
        written = ra_structured(
            "rust_analyzer_rename", await client.call_tool("rust_analyzer_rename", arguments)
        )
        assert written["applied"] is True and "pub fn squared_norm" in lib.read_text()
        # a preview never asks
        preview = await client.call_tool(
            "rust_analyzer_rename",
            {**arguments, "symbol": "Point::squared_norm", "apply": False, "new_name": "other"},
        )
        assert not preview.is_error and len(user.questions) == 2


async def test_cargo_remove_asks_on_the_modern_protocol_too(scratch: Path, workspace_root: Path) -> None:
    project = copy_fixture("with_path_dep", scratch / "confirm-remove")
    user = User(accept=False)
    params = server_params("cargo-mcp", "serve", "--root", str(workspace_root))
    async with Client(params, mode="auto", elicitation_callback=user) as client:
        result = await client.call_tool("cargo_remove", {"path": str(project), "dependencies": ["helper"]})
    assert result.is_error and "the user declined: cargo remove takes helper out of" in text_of(result)
    assert "helper" in (project / "Cargo.toml").read_text()
