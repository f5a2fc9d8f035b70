"""What a tool may do, as data: the capability every tool of both servers declares. The MCP layer
(rust_mcp.mcp.capabilities) turns it into annotations; the tables below it need only this."""

import enum
from collections.abc import Awaitable, Callable


class Capability(enum.Enum):
    READ = "read"  # reads files and metadata only
    RUN = "run"  # runs project code (build scripts, proc macros, tests, wrappers); changes no source
    EDIT = "edit"  # changes files, recoverably
    DESTRUCTIVE = "destructive"  # changes or deletes in a way that is hard to undo


# asks the user a yes/no question before a destructive action (the MCP layer's Confirmer)
ConfirmCallback = Callable[[str], Awaitable[bool]]


async def no_questions(question: str) -> bool:
    """For callers without a client to ask (tests, the service used directly)."""
    return True
