"""Typed requests that change code: formatting, rename, structural search and replace, code
actions. Each answers with the edits rust-analyzer proposes (an lsprotocol WorkspaceEdit or
TextEdits); nothing is written here (tools/edits.py previews and writes)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .answers import Requester
from .lazy_types import lsp
from .requests import document

FORMAT_TIMEOUT = 60.0
RENAME_TIMEOUT = 60.0
SSR_TIMEOUT = 120.0


async def formatting(client: Requester, path: Path) -> list[lsp.TextEdit]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_FORMATTING,
        lsp.DocumentFormattingParams(
            text_document=document(path), options=lsp.FormattingOptions(tab_size=4, insert_spaces=True)
        ),
        timeout=FORMAT_TIMEOUT,
    )
    return list(answer or [])


async def can_rename(client: Requester, path: Path, position: lsp.Position) -> bool:
    """Whether there is something to rename at the position (errors are raised as they come)."""
    answer = await client.request(
        lsp.TEXT_DOCUMENT_PREPARE_RENAME,
        lsp.PrepareRenameParams(text_document=document(path), position=position),
    )
    return answer is not None


async def rename(client: Requester, path: Path, position: lsp.Position, new_name: str) -> lsp.WorkspaceEdit:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_RENAME,
        lsp.RenameParams(text_document=document(path), position=position, new_name=new_name),
        timeout=RENAME_TIMEOUT,
    )
    return answer or lsp.WorkspaceEdit()


async def structural_replace(
    client: Requester, rule: str, context: Path, selections: Sequence[lsp.Range]
) -> lsp.WorkspaceEdit:
    """rust-analyzer's structural search and replace, its paths resolved in `context`'s crate."""
    answer = await client.request(
        "experimental/ssr",
        {
            "query": rule,
            "parseOnly": False,
            "textDocument": {"uri": context.as_uri()},
            "position": {"line": 0, "character": 0},
            "selections": [
                {
                    "start": {"line": s.start.line, "character": s.start.character},
                    "end": {"line": s.end.line, "character": s.end.character},
                }
                for s in selections
            ],
        },
        timeout=SSR_TIMEOUT,
    )
    return client.structure(answer, lsp.WorkspaceEdit)


async def code_actions(
    client: Requester, path: Path, span: lsp.Range, diagnostics: list[lsp.Diagnostic]
) -> list[lsp.CodeAction]:
    """The code actions (never bare commands) for a range, told the diagnostics on it."""
    answer = await client.request(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionParams(
            text_document=document(path),
            range=span,
            context=lsp.CodeActionContext(
                diagnostics=diagnostics, trigger_kind=lsp.CodeActionTriggerKind.Invoked
            ),
        ),
    )
    return [a for a in answer or [] if isinstance(a, lsp.CodeAction)]


async def resolve_code_action(client: Requester, action: lsp.CodeAction) -> lsp.CodeAction:
    resolved: lsp.CodeAction = await client.request(lsp.CODE_ACTION_RESOLVE, action)
    return resolved
