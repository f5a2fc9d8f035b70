"""The corpus check at three kinds of place in the source: a `let` binding (type definition,
completion, code actions and applying one), a function (call hierarchy, related tests, runnables of
its file) and a macro call (expansion), each against a raw rust-analyzer or the source."""

from __future__ import annotations

from collections import Counter

from tests.support.corpus_checks import _listed, _places
from tests.support.corpus_support import Checker, CorpusSession, locate
from tests.support.corpus_truth import (
    preview_lines,
    uri_path,
    workspace_edit_lines,
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
