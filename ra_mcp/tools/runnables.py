"""What can be run: the tests, benches, binaries and doc tests in a file, and the tests that exercise
an item, each with its cargo command."""

from __future__ import annotations

import shlex

from rust_mcp.mcp.capabilities import Capability

from ..lsp import requests
from ..lsp.answers import Runnable
from ..models import RunnableEntry, RunnableList
from ..places.positions import shown, to_lsp
from . import render
from .declaration import AtPosition, InFile, InWorkspace, analyzer_tool
from .parameters import FilePoint, Paging, Position


def _entry(here: InWorkspace, runnable: Runnable) -> RunnableEntry:
    args, executable_args = runnable.cargo_args, runnable.executable_args
    command = "cargo " + shlex.join(args) + (" -- " + shlex.join(executable_args) if executable_args else "")
    place = runnable.location
    location = None
    if place is not None and shown(here.service.scope, place.uri):
        location = here.service.location(place.uri, place.range, here.root)
    return RunnableEntry(
        label=runnable.label,
        kind=runnable.label.split(" ", 1)[0],
        location=location,
        cargo_args=args,
        executable_args=executable_args,
        command=command,
    )


@analyzer_tool(Capability.RUN, "Runnables", render.runnables)
async def rust_analyzer_runnables(here: InFile, at: FilePoint, *, paging: Paging) -> RunnableList:
    """Tests, benches and binaries in a file (or at a line), each with its cargo command; in pages."""
    path, label, spot = here.path, here.service.display(here.path, here.root), None
    if at.line is not None:
        spot = to_lsp(here.service.sources.get(path), at.line, at.column or 1)
        label += f":{at.line}"
    found = await requests.runnables(here.client, path, spot)
    page = paging.take([_entry(here, runnable) for runnable in found])
    return RunnableList(
        query=f"runnables in {label}",
        runnables=page.items,
        total=page.total,
        note=page.note("runnables") if page.total else f"nothing to run or test in {label}",
    )


@analyzer_tool(Capability.RUN, "Related tests", render.runnables)
async def rust_analyzer_related_tests(here: AtPosition, at: Position, *, paging: Paging) -> RunnableList:
    """Tests that exercise the item at a position, with their cargo commands."""
    target = here.target
    entries = [
        _entry(here, found)
        for found in await requests.related_tests(here.client, target.path, target.position)
    ]
    page = paging.take(entries)
    return RunnableList(
        query=f"tests related to {target.label}",
        runnables=page.items,
        total=page.total,
        note=page.note("tests") if entries else f"no tests exercise the item at {target.label}",
    )
