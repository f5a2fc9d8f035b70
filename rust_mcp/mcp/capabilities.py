"""What a tool can do, and the MCP annotations that say so: the one mapping both servers use.

Clients such as Codex run `readOnlyHint: true` tools without asking and in parallel, so the hints
must be true. A tool that runs project code (build scripts, proc macros, tests) is read-only only
because that code runs in the sandbox; with `--sandbox off` it is not, and its hints say so.
"""

# no `from __future__ import annotations` here: it would bind the name `annotations`
import enum

from mcp_types import ToolAnnotations


class Capability(enum.Enum):
    READ = "read"  # reads files / metadata only
    RUN = "run"  # runs project code: cargo check/clippy/build/test/bench/doc/metadata/tree, and every
    # rust-analyzer tool that may load a workspace
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
    """The annotations for a tool with `capability`. `sandboxed` is the real sandbox state: False
    when the operator chose --sandbox off, and then project code runs with the server's own
    permissions and network, so a RUN tool is neither read-only nor closed-world."""
    if capability is Capability.READ:
        return ToolAnnotations(
            title=title, read_only_hint=True, idempotent_hint=idempotent, open_world_hint=open_world
        )
    if capability is Capability.RUN:
        if sandboxed:
            return ToolAnnotations(
                title=title, read_only_hint=True, idempotent_hint=idempotent, open_world_hint=open_world
            )
        return ToolAnnotations(
            title=title,
            read_only_hint=False,
            destructive_hint=True,
            idempotent_hint=idempotent,
            open_world_hint=True,
        )
    return ToolAnnotations(
        title=title,
        read_only_hint=False,
        destructive_hint=capability is Capability.DESTRUCTIVE,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )
