"""The rust-analyzer-mcp checks run on every corpus: each tool's answer through a real MCP client
against the same question put to a raw rust-analyzer (rust_mcp/dev/raw_lsp.py), or against the source text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ra_mcp.lsp.requests import without_guessed_traits
from rust_mcp.dev.corpus import cargo_home
from tests.support.corpus_support import Checker, CorpusSession, Place, locate
from tests.support.corpus_truth import (
    apply_edits,
    changed_lines,
    preview_lines,
    uri_path,
    workspace_edit_lines,
)

HOVER_COMPARED = 3000  # the server clips long hovers; compare what both show


@dataclass(frozen=True)
class Item:
    """A real item, written as people write it, and where the source says it is declared."""

    symbol: str
    file: str
    pattern: str
    after: str | None = None
    implementations: bool = False

    @property
    def name(self) -> str:
        return self.symbol.split("::")[-1]


def _unabbreviated(path: str) -> str:
    """Our answers write a file in cargo's registry as `<registry>/...`; rust-analyzer's, in full."""
    if path.startswith("<registry>/"):
        return str(cargo_home() / "registry" / "src" / path.removeprefix("<registry>/"))
    return path


def _places(session: CorpusSession, found: list[tuple[Path, int, int]]) -> set[Place]:
    return {(session.rel(path), line, column) for path, line, column in found}


def _listed(body: dict[str, Any]) -> set[Place]:
    return {(_unabbreviated(loc["path"]), loc["line"], loc["column"]) for loc in body.get("locations", [])}


async def check_item(session: CorpusSession, checker: Checker, item: Item) -> None:
    """definition, hover, references, implementations and workspace symbol for one item by name."""
    path, line, column = locate(session.root, item.file, item.pattern, item.name, item.after)
    where = (session.rel(path), line, column)
    arguments = {"symbol": item.symbol, "workspace": str(session.root)}
    result, body = await session.ra_call("rust_analyzer_definition", arguments)
    checker.check(
        "rust_analyzer_definition",
        not result.is_error and _listed(body) == {where},
        f"{item.symbol}: expected {where}, got {_listed(body) or result.content}",
    )
    raw_hover = await session.raw.hover(path, line - 1, column - 1)
    result, body = await session.ra_call("rust_analyzer_hover", arguments)
    ours = str(body.get("markdown", ""))
    # rust-analyzer's "notable traits" of a generic item at its declaration rest on `{unknown}` types
    # and are false (rust-lang/rust-analyzer#20552): the one section ours leaves out on purpose
    expected = without_guessed_traits(raw_hover)
    checker.check(
        "rust_analyzer_hover",
        bool(raw_hover) and ours[:HOVER_COMPARED] == expected[:HOVER_COMPARED],
        f"{item.symbol}: hover differs from rust-analyzer's ({ours[:120]!r} vs {expected[:120]!r})",
    )
    raw_refs = _places(session, await session.raw.references(path, line - 1, column - 1))
    result, body = await session.ra_whole("rust_analyzer_references", {**arguments, "limit": 1000})
    ours_refs = {
        (_unabbreviated(g["path"]), loc["line"], loc["column"])
        for g in body.get("groups", [])
        for loc in g["locations"]
    }
    checker.check(
        "rust_analyzer_references",
        not result.is_error and ours_refs == raw_refs and body["total"] == len(raw_refs),
        f"{item.symbol}: {len(ours_refs)} references, rust-analyzer has {len(raw_refs)}; "
        f"missing {sorted(raw_refs - ours_refs)[:3]}, extra {sorted(ours_refs - raw_refs)[:3]}",
    )
    if item.implementations:
        raw_impls = _places(
            session, await session.raw.locations("textDocument/implementation", path, line - 1, column - 1)
        )
        # every page the notes point to, as an agent would read them (107 impls of Serialize: 3 pages)
        result, body = await session.ra_whole("rust_analyzer_implementations", arguments)
        checker.check(
            "rust_analyzer_implementations",
            bool(raw_impls) and _listed(body) == raw_impls and body.get("total") == len(raw_impls),
            f"{item.symbol}: {len(_listed(body))} implementations (total {body.get('total')}), "
            f"rust-analyzer has {len(raw_impls)}",
        )
    raw_symbols = {
        (session.rel(uri_path(s["location"]["uri"])), s["location"]["range"]["start"]["line"] + 1)
        for s in await session.raw.workspace_symbols(item.name)
        if s["name"] == item.name
    }
    result, body = await session.ra_whole(
        "rust_analyzer_workspace_symbol", {"query": item.name, "workspace": str(session.root), "limit": 1000}
    )
    ours_symbols = {
        (loc["path"], loc["line"]) for loc in body.get("locations", []) if loc.get("name") == item.name
    }
    checker.check(
        "rust_analyzer_workspace_symbol",
        bool(raw_symbols) and ours_symbols == raw_symbols,
        f"{item.name}: {sorted(ours_symbols)[:4]} vs rust-analyzer's {sorted(raw_symbols)[:4]}",
    )


def _outline(symbols: list[dict[str, Any]], depth: int = 0) -> list[tuple[str, int, int]]:
    rows = []
    for symbol in symbols:
        start = symbol["selectionRange"]["start"]
        rows.append((symbol["name"], start["line"] + 1, depth))
        rows += _outline(symbol.get("children") or [], depth + 1)
    return rows


def _our_outline(nodes: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    """Our pages put together: each node says its depth (a page may start inside an impl)."""
    rows = []
    for node in nodes:
        rows.append((node["name"], node["line"], node.get("depth", 0)))
        rows += _our_outline(node.get("children") or [])
    return rows


async def check_outline(session: CorpusSession, checker: Checker, relative: str) -> None:
    path = session.root / relative
    truth = _outline(await session.raw.document_symbols(path))
    result, body = await session.ra_whole("rust_analyzer_symbols", {"file_path": str(path)})
    ours = _our_outline(body.get("symbols", []))
    checker.check(
        "rust_analyzer_symbols",
        not result.is_error and bool(truth) and ours == truth,
        f"{relative}: {len(ours)} symbols vs rust-analyzer's {len(truth)}",
    )


async def check_previews(
    session: CorpusSession, checker: Checker, ssr_rule: str, ssr_context: str, rename: Item, format_file: str
) -> None:
    """rename, ssr and format previews against the same edits from rust-analyzer, applied here."""
    path, line, column = locate(session.root, rename.file, rename.pattern, rename.name, rename.after)
    raw = await session.raw.request(
        "textDocument/rename",
        {
            "textDocument": {"uri": path.as_uri()},
            "position": {"line": line - 1, "character": column - 1},
            "newName": "renamed_by_check",
        },
    )
    result, body = await session.ra_call(
        "rust_analyzer_rename",
        {"symbol": rename.symbol, "workspace": str(session.root), "new_name": "renamed_by_check"},
    )
    truth = workspace_edit_lines(session, raw)
    checker.check(
        "rust_analyzer_rename",
        not result.is_error and bool(truth) and preview_lines(body) == truth and not body["applied"],
        f"rename {rename.symbol}: files {sorted(preview_lines(body))[:4]} vs {sorted(truth)[:4]}",
    )
    context = session.root / ssr_context
    raw = await session.raw.request(
        "experimental/ssr",
        {
            "query": ssr_rule,
            "parseOnly": False,
            "textDocument": {"uri": context.as_uri()},
            "position": {"line": 0, "character": 0},
            "selections": [],
        },
    )
    result, body = await session.ra_call(
        "rust_analyzer_ssr", {"rule": ssr_rule, "workspace": str(session.root)}
    )
    truth = workspace_edit_lines(session, raw)
    ours = preview_lines(body)
    differing = sorted(name for name in ours.keys() | truth.keys() if ours.get(name) != truth.get(name))
    checker.check(
        "rust_analyzer_ssr",
        not result.is_error and bool(truth) and ours == truth,
        f"ssr {ssr_rule!r}: {len(ours)} files vs {len(truth)}; differing "
        + "; ".join(f"{n}: ours {ours.get(n)} truth {truth.get(n)}" for n in differing[:2])[:1500]
        + f" ({body.get('note')})",
    )
    target = session.root / format_file
    edits = await session.raw.request(
        "textDocument/formatting",
        {"textDocument": {"uri": target.as_uri()}, "options": {"tabSize": 4, "insertSpaces": True}},
    )
    before = target.read_text(encoding="utf-8")
    truth_lines = changed_lines(before, apply_edits(before, list(edits or [])))
    result, body = await session.ra_call("rust_analyzer_format", {"file_path": str(target)})
    ours_lines = preview_lines(body).get(format_file, Counter())
    checker.check(
        "rust_analyzer_format",
        not result.is_error and ours_lines == truth_lines,
        f"format {format_file}: {sum(ours_lines.values())} changed lines vs {sum(truth_lines.values())}",
    )


async def check_status_and_workspace(session: CorpusSession, checker: Checker, member: str) -> None:
    """set_workspace against `cargo locate-project --workspace`; status against /proc."""
    import anyio

    located = await anyio.run_process(
        ["cargo", "locate-project", "--workspace", "--message-format", "plain"], cwd=session.root / member
    )
    expected = str(Path(located.stdout.decode().strip()).parent)
    result, body = await session.ra_call(
        "rust_analyzer_set_workspace", {"workspace_path": str(session.root / member)}
    )
    checker.check(
        "rust_analyzer_set_workspace",
        not result.is_error and body.get("workspace") == expected,
        f"{body.get('workspace')} vs {expected}",
    )
    result, body = await session.ra_call("rust_analyzer_status", {})
    mine = [w for w in body.get("workspaces", []) if w["root"] == expected]
    alive = bool(mine) and Path(f"/proc/{mine[0]['pid']}").exists()
    cwd = Path(f"/proc/{mine[0]['pid']}/cwd").resolve() if alive else None
    version = await anyio.run_process([body.get("rust_analyzer", "rust-analyzer"), "--version"], check=False)
    checker.check(
        "rust_analyzer_status",
        alive
        and str(cwd) == expected
        and mine[0]["alive"]
        and body["version"] == version.stdout.decode().strip(),
        f"status {mine[:1]} (cwd {cwd})",
    )
