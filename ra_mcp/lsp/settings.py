"""What we tell rust-analyzer when it starts: its settings (initializationOptions) and what this
client can do (capabilities)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsprotocol import types as lsp

from rust_mcp.core import budgets

from .proc_macro_watch import PROXY


def initialization_options(
    target_dir: str | bool | None,
    ignored_macros: Mapping[str, list[str]] | None = None,
    watched: bool = False,
) -> dict[str, Any]:
    """rust-analyzer settings. Its cargo runs (build scripts, proc macros, flycheck) build where cargo
    itself would (`target_dir` None: no `--target-dir`), with the same flags as cargo_check's
    `all_targets=true` and the audit, so they share one set of artifacts (docs/security.md, "Build
    output"); no rustc wrapper of its own for the build-script run, which would leave cargo
    fingerprints of crates it never compiled in that shared directory. File changes come from us (we
    re-sync before each call). Watched, its proc-macro server is our proxy (proc_macro_watch.py);
    macros that never returned are ignored."""
    proc_macro: dict[str, Any] = {"enable": True, "ignored": dict(ignored_macros or {})}
    if watched:
        proc_macro["server"] = str(PROXY)
    return {
        "cargo": {"targetDir": target_dir, "buildScripts": {"enable": True, "useRustcWrapper": False}},
        "checkOnSave": True,
        "check": {"command": "check"},
        "procMacro": proc_macro,
        "files": {"watcher": "client"},
        "cachePriming": {"enable": True},
        "diagnostics": {"enable": True},
        "workspace": {"symbol": {"search": {"kind": "all_symbols", "limit": budgets.SYMBOL_SEARCH_LIMIT}}},
        "hover": {"actions": {"enable": False}},
        "lens": {"enable": False},
    }


def client_capabilities() -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf32]),
        window=lsp.WindowClientCapabilities(work_done_progress=True),
        workspace=lsp.WorkspaceClientCapabilities(
            workspace_edit=lsp.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[
                    lsp.ResourceOperationKind.Create,
                    lsp.ResourceOperationKind.Rename,
                    lsp.ResourceOperationKind.Delete,
                ],
            ),
            did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            configuration=False,
            symbol=lsp.WorkspaceSymbolClientCapabilities(),
        ),
        text_document=lsp.TextDocumentClientCapabilities(
            synchronization=lsp.TextDocumentSyncClientCapabilities(did_save=True),
            diagnostic=lsp.DiagnosticClientCapabilities(),
            publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(related_information=True),
            hover=lsp.HoverClientCapabilities(
                content_format=[lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]
            ),
            definition=lsp.DefinitionClientCapabilities(link_support=False),
            type_definition=lsp.TypeDefinitionClientCapabilities(link_support=False),
            implementation=lsp.ImplementationClientCapabilities(link_support=False),
            document_symbol=lsp.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=True),
            completion=lsp.CompletionClientCapabilities(
                completion_item=lsp.ClientCompletionItemOptions(snippet_support=False)
            ),
            code_action=lsp.CodeActionClientCapabilities(
                code_action_literal_support=lsp.ClientCodeActionLiteralOptions(
                    code_action_kind=lsp.ClientCodeActionKindOptions(value_set=[""])
                ),
                resolve_support=lsp.ClientCodeActionResolveOptions(properties=["edit"]),
                data_support=True,
            ),
            rename=lsp.RenameClientCapabilities(prepare_support=True),
            call_hierarchy=lsp.CallHierarchyClientCapabilities(),
            formatting=lsp.DocumentFormattingClientCapabilities(),
        ),
        experimental={"serverStatusNotification": True, "snippetTextEdit": False, "localDocs": False},
    )
