"""What a tool may do, as data, and the MCP annotations that follow from it: the one mapping both
servers build every tool's annotations through, so a hint can only say what the capability allows."""

import enum

from mcp_types import ToolAnnotations


class Capability(enum.Enum):
    READ = "read"  # reads files and metadata only
    RUN = "run"  # runs project code (build scripts, proc macros, tests, wrappers); changes no source
    EDIT = "edit"  # changes files, recoverably
    DESTRUCTIVE = "destructive"  # changes or deletes in a way that is hard to undo


def annotations(
    capability: Capability,
    *,
    title: str,
    sandboxed: bool,
    idempotent: bool = False,
    open_world: bool = False,
) -> ToolAnnotations:
    """The hints for a tool with `capability`. Code that runs unsandboxed can do anything the
    server can, so a RUN tool is read-only only while `sandboxed` holds."""
    read_only = capability is Capability.READ or (capability is Capability.RUN and sandboxed)
    if read_only:
        destructive = None  # the hint means nothing for a read-only tool
    else:
        destructive = capability is not Capability.EDIT
        open_world = open_world or capability is Capability.RUN
    return ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )
