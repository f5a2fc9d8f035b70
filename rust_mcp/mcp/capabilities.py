"""What a tool may do, as data, and the MCP annotations that follow from it: the one mapping both
servers build every tool's annotations through, so a hint can only say what the capability allows."""

from mcp_types import ToolAnnotations

from rust_mcp.core.capability import Capability

__all__ = ["Capability", "annotations"]


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
