"""What can be run: the tests, benches, binaries and doc tests in a file, and the tests that exercise
an item, each with its cargo command."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from rust_mcp.mcp.capabilities import Capability

from .. import render
from ..analyzer import AnalyzerService, Target
from ..lsp_types import lsp, plain
from ..models import RunnableEntry, RunnableList
from ..positions import to_lsp
from ..workspaces import Workspace
from .declaration import AnalyzerCall, analyzer_tool
from .parameters import FilePoint, Paging, Position


def _runnable(service: AnalyzerService, raw: dict[str, Any], root: Path) -> RunnableEntry:
    args = raw.get("args") or {}
    cargo_args = [str(a) for a in args.get("cargoArgs") or []] + [
        str(a) for a in args.get("cargoExtraArgs") or []
    ]
    executable_args = [str(a) for a in args.get("executableArgs") or []]
    command = (
        "cargo " + shlex.join(cargo_args) + (" -- " + shlex.join(executable_args) if executable_args else "")
    )
    location = None
    link = raw.get("location")
    if link and service.shown(str(link.get("targetUri", ""))):
        span = lsp.Range(
            start=lsp.Position(**link["targetSelectionRange"]["start"]),
            end=lsp.Position(**link["targetSelectionRange"]["end"]),
        )
        location = service.location(link["targetUri"], span, root)
    label = str(raw.get("label", ""))
    return RunnableEntry(
        label=label,
        kind=label.split(" ", 1)[0],
        location=location,
        cargo_args=cargo_args,
        executable_args=executable_args,
        command=command,
    )


@analyzer_tool(Capability.RUN, "Runnables", render.runnables)
async def rust_analyzer_runnables(call: AnalyzerCall, at: FilePoint, *, paging: Paging) -> RunnableList:
    """Tests, benches and binaries in a file (or at a line), each with its cargo command; in pages."""
    service, line, column = call.service, at.line, at.column

    async def answer(workspace: Workspace, path: Path) -> RunnableList:
        params: dict[str, Any] = {"textDocument": {"uri": path.as_uri()}}
        label = service.display(path, workspace.root)
        if line is not None:
            spot = to_lsp(service.sources.get(path), line, column or 1)
            params["position"] = {"line": spot.line, "character": spot.character}
            label += f":{line}"
        result = plain(await workspace.client.request("experimental/runnables", params))
        page = paging.take([_runnable(service, raw, workspace.root) for raw in result or []])
        return RunnableList(
            query=f"runnables in {label}",
            runnables=page.items,
            total=page.total,
            note=page.note("runnables") if page.total else f"nothing to run or test in {label}",
        )

    return await call.in_file(at.file_path, answer)


@analyzer_tool(Capability.RUN, "Related tests", render.runnables)
async def rust_analyzer_related_tests(call: AnalyzerCall, at: Position, *, paging: Paging) -> RunnableList:
    """Tests that exercise the item at a position, with their cargo commands."""
    service = call.service

    async def answer(workspace: Workspace, target: Target) -> RunnableList:
        result = plain(await workspace.client.request("rust-analyzer/relatedTests", target.plain_params))
        entries = [
            _runnable(service, item["runnable"], workspace.root)
            for item in result or []
            if "runnable" in item
        ]
        page = paging.take(entries)
        return RunnableList(
            query=f"tests related to {target.label}",
            runnables=page.items,
            total=page.total,
            note=page.note("tests") if entries else f"no tests exercise the item at {target.label}",
        )

    return await call.at_position(at, answer)
