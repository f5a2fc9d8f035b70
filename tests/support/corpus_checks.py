"""The rust-analyzer-mcp checks run on every corpus: each tool's answer through a real MCP client
against the same question put to a raw rust-analyzer (rust_mcp/dev/raw_lsp.py), or against the source text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    checker.check(
        "rust_analyzer_hover",
        bool(raw_hover) and ours[:HOVER_COMPARED] == raw_hover[:HOVER_COMPARED],
        f"{item.symbol}: hover differs from rust-analyzer's ({ours[:120]!r} vs {raw_hover[:120]!r})",
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


async def check_at_position(
    session: CorpusSession,
    checker: Checker,
    binding: tuple[str, ...],
    function: tuple[str, ...],
    macro: tuple[str, ...],
) -> None:
    """At a `let` binding: type definition, completion, code actions (and applying one). At a
    function: call hierarchy, related tests, and its file's runnables. At a macro call: expansion.
    Each place is found in the source (file, line pattern, name[, the line it comes after])."""
    path, line, column = locate(session.root, *binding)
    relative = binding[0]
    at = {"file_path": str(path), "line": line, "column": column}
    lsp_at = {"textDocument": {"uri": path.as_uri()}, "position": {"line": line - 1, "character": column - 1}}
    truth = _places(
        session, await session.raw.locations("textDocument/typeDefinition", path, line - 1, column - 1)
    )
    result, body = await session.ra_call("rust_analyzer_type_definition", at)
    checker.check(
        "rust_analyzer_type_definition",
        bool(truth) and _listed(body) == truth,
        f"{relative}:{line}: {_listed(body)} vs {truth}",
    )

    items = await session.raw.request("textDocument/completion", lsp_at)
    labels = Counter(i["label"] for i in (items.get("items") if isinstance(items, dict) else items) or [])
    result, body = await session.ra_call("rust_analyzer_completion", {**at, "limit": 1000})
    ours = Counter(i["label"] for i in body.get("items", []))
    checker.check(
        "rust_analyzer_completion",
        bool(labels) and ours == labels and body["total"] == labels.total(),
        f"{relative}:{line}: {ours.total()} completions vs {labels.total()}",
    )

    raw_actions = await session.raw.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": path.as_uri()},
            "range": {"start": lsp_at["position"], "end": lsp_at["position"]},
            "context": {"diagnostics": []},
        },
    )
    titles = [a["title"] for a in raw_actions or [] if not isinstance(a.get("command"), str)]
    result, body = await session.ra_call("rust_analyzer_code_actions", at)
    ours_titles = [a["title"] for a in body.get("actions", [])]
    checker.check(
        "rust_analyzer_code_actions",
        bool(titles) and ours_titles == titles,
        f"{relative}:{line}: {ours_titles[:5]} vs {titles[:5]}",
    )
    if titles:
        chosen = next(a for a in raw_actions if a["title"] == titles[0])
        resolved = chosen if "edit" in chosen else await session.raw.request("codeAction/resolve", chosen)
        truth_edit = workspace_edit_lines(session, resolved.get("edit") or {})
        result, body = await session.ra_call(
            "rust_analyzer_apply_code_action", {**at, "index": 0, "title": titles[0]}
        )
        checker.check(
            "rust_analyzer_apply_code_action",
            not result.is_error and preview_lines(body) == truth_edit and not body["applied"],
            f"{titles[0]!r}: {sorted(preview_lines(body))} vs {sorted(truth_edit)}",
        )

    path, line, column = locate(session.root, *function)
    relative = function[0]
    at = {"file_path": str(path), "line": line, "column": column}
    lsp_at = {"textDocument": {"uri": path.as_uri()}, "position": {"line": line - 1, "character": column - 1}}
    raw_runnables = await session.raw.request(
        "experimental/runnables", {"textDocument": {"uri": path.as_uri()}}
    )
    result, body = await session.ra_whole("rust_analyzer_runnables", {"file_path": str(path)})
    checker.check(
        "rust_analyzer_runnables",
        not result.is_error
        and sorted(r["label"] for r in body.get("runnables", []))
        == sorted(r["label"] for r in raw_runnables or []),
        f"{relative}: {len(body.get('runnables', []))} runnables vs {len(raw_runnables or [])}",
    )
    raw_related = await session.raw.request("rust-analyzer/relatedTests", lsp_at)
    result, body = await session.ra_whole("rust_analyzer_related_tests", at)
    checker.check(
        "rust_analyzer_related_tests",
        not result.is_error
        and sorted(r["label"] for r in body.get("runnables", []))
        == sorted(r["runnable"]["label"] for r in raw_related or []),
        f"{relative}:{line}: related tests differ",
    )

    prepared = await session.raw.request("textDocument/prepareCallHierarchy", lsp_at) or []
    callers = (
        await session.raw.request("callHierarchy/incomingCalls", {"item": prepared[0]}) if prepared else []
    )
    result, body = await session.ra_whole("rust_analyzer_call_hierarchy", {**at, "direction": "incoming"})
    ours_callers = sorted(
        (c["name"], c["location"]["path"], c["location"]["line"]) for c in body.get("incoming", [])
    )
    raw_callers = sorted(
        (
            c["from"]["name"],
            session.rel(uri_path(c["from"]["uri"])),
            c["from"]["selectionRange"]["start"]["line"] + 1,
        )
        for c in callers or []
    )
    checker.check(
        "rust_analyzer_call_hierarchy",
        bool(prepared) and ours_callers == raw_callers,
        f"{relative}:{line}: {ours_callers[:3]} vs {raw_callers[:3]}",
    )

    macro_path, macro_line, macro_column = locate(session.root, *macro)
    raw_expansion = await session.raw.request(
        "rust-analyzer/expandMacro",
        {
            "textDocument": {"uri": macro_path.as_uri()},
            "position": {"line": macro_line - 1, "character": macro_column - 1},
        },
    )
    result, body = await session.ra_call(
        "rust_analyzer_expand_macro",
        {"file_path": str(macro_path), "line": macro_line, "column": macro_column},
    )
    checker.check(
        "rust_analyzer_expand_macro",
        bool(raw_expansion) and body.get("expansion") == raw_expansion["expansion"][:20_000],
        f"{macro}: expansion differs",
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
