"""Asking the user before a destructive action, where the client can ask (MCP elicitation).

Handshake-era clients get an `elicitation/create` request in the middle of the call. On 2026-07-28
the call answers with an `InputRequiredResult`; the client asks, then retries the call with the
answer, and the confirmer finds it in the retry. A client without elicitation, or an operator who
passed --no-confirm, gets no question: the action goes ahead as the call asked.
"""

from __future__ import annotations

from typing import Any

from mcp.server.elicitation import render_elicitation_schema
from mcp.server.mcpserver import Context
from mcp_types import ElicitRequest, ElicitRequestFormParams, ElicitResult, InputRequiredResult
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, Field

from rust_mcp.core.capability import no_questions as no_questions  # where callers found it
from rust_mcp.core.errors import Refusal

ANSWER_KEY = "confirm"


class Confirmation(BaseModel):
    confirm: bool = Field(description="Go ahead")


class ConfirmationCancelled(Refusal):
    """The user dismissed the question without answering (elicitation `cancel`): not a no, and not
    a yes; nothing is done and the model is told so."""

    def __init__(self, question: str) -> None:
        super().__init__(
            "the confirmation was cancelled (dismissed without an answer), so nothing was done; "
            f"ask again when the user can answer: {question}"
        )


class InputNeeded(Exception):
    """Raised to end this round of a 2026-07-28 call with a question for the user."""

    def __init__(self, result: InputRequiredResult) -> None:
        super().__init__("waiting for the user's confirmation")
        self.result = result


def can_elicit(ctx: Context[Any, Any]) -> bool:
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


class Confirmer:
    """`await confirmer(question)` is True when the action may go ahead."""

    def __init__(self, ctx: Context[Any, Any], enabled: bool) -> None:
        self.ctx = ctx
        self.enabled = enabled
        self.asked: list[str] = []

    async def __call__(self, question: str) -> bool:
        if not self.enabled or not can_elicit(self.ctx):
            return True
        self.asked.append(question)
        if self.ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            answer = (self.ctx.input_responses or {}).get(ANSWER_KEY)
            if answer is None:
                request = ElicitRequest(
                    params=ElicitRequestFormParams(
                        message=question, requested_schema=render_elicitation_schema(Confirmation)
                    )
                )
                raise InputNeeded(
                    InputRequiredResult(input_requests={ANSWER_KEY: request}, request_state=ANSWER_KEY)
                )
            if isinstance(answer, ElicitResult) and answer.action == "cancel":
                raise ConfirmationCancelled(question)
            return (
                isinstance(answer, ElicitResult)
                and answer.action == "accept"
                and bool((answer.content or {}).get("confirm"))
            )
        result = await self.ctx.elicit(question, Confirmation)
        if result.action == "cancel":
            raise ConfirmationCancelled(question)
        return result.action == "accept" and bool(result.data.confirm)
