"""What rust-analyzer sends the client, and how it is answered: its status, progress and pushed
diagnostics go into the AnalyzerState; its requests (apply an edit, configuration, capability
registration, refreshes) get the answers a client that applies edits itself gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from .lazy_types import plain
from .state import AnalyzerState


def answer_server(client: LanguageClient, state: AnalyzerState) -> None:
    """Register the handlers of everything rust-analyzer sends `client`, recording into `state`."""

    def server_status(params: Any) -> None:
        status = plain(params)
        state.health = status.get("health", "ok")
        state.status_event(bool(status.get("quiescent")))
        state.status_message = status.get("message")
        state.touch()

    def progress(params: lsp.ProgressParams) -> None:
        value = params.value if isinstance(params.value, dict) else plain(params.value)
        state.progress_event(str(params.token), value)

    def publish(params: lsp.PublishDiagnosticsParams) -> None:
        state.publish_event(params.uri, list(params.diagnostics))

    def message(params: Any) -> None:
        state.messages.append(str(getattr(params, "message", params))[:500])

    def apply_edit(params: Any) -> lsp.ApplyWorkspaceEditResult:
        return lsp.ApplyWorkspaceEditResult(applied=False, failure_reason="this client applies edits itself")

    def configuration(params: lsp.ConfigurationParams) -> list[Any]:
        return [None for _ in params.items]

    def accept(params: Any) -> None:
        return None

    handlers: dict[str, Callable[[Any], Any]] = {
        "experimental/serverStatus": server_status,
        lsp.PROGRESS: progress,
        lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
        lsp.WINDOW_SHOW_MESSAGE: message,
        lsp.WINDOW_LOG_MESSAGE: message,
        lsp.WORKSPACE_APPLY_EDIT: apply_edit,
        lsp.WORKSPACE_CONFIGURATION: configuration,
    }
    for method in (
        lsp.WINDOW_WORK_DONE_PROGRESS_CREATE,
        lsp.CLIENT_REGISTER_CAPABILITY,
        lsp.CLIENT_UNREGISTER_CAPABILITY,
        lsp.WORKSPACE_DIAGNOSTIC_REFRESH,
        lsp.WORKSPACE_SEMANTIC_TOKENS_REFRESH,
        lsp.WORKSPACE_INLAY_HINT_REFRESH,
        lsp.WORKSPACE_CODE_LENS_REFRESH,
    ):
        handlers[method] = accept
    for method, handler in handlers.items():
        client.feature(method)(handler)
