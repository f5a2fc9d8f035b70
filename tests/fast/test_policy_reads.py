"""The client's sandbox policy is read only where it decides something: when a rust-analyzer starts,
or when one started under another policy is admitted for this call. A warm call on a pool that admits
nothing reads none (issue 24: the policy read only where a tool launches something)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.discovery import Analyzer
from ra_mcp.lsp.state import AnalyzerState
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.pool import WorkspacePool
from ra_mcp.workspace.workspaces import Workspace, is_watched
from rust_mcp.core.client_policy import STRICTEST, ClientPolicy
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots

pytestmark = pytest.mark.anyio


@dataclass
class Command:
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Running:
    """What the pool uses of a running, ready rust-analyzer's client."""

    state: AnalyzerState = field(default_factory=lambda: AnalyzerState(health="ok", quiescent=True))
    command: Command = field(default_factory=Command)
    alive: bool = True

    def notify(self, method: str, params: Any) -> None:
        pass

    def notify_encoded(self, message: bytes) -> None:
        pass


def warm_pool(root: Path) -> WorkspacePool:
    (root / "Cargo.toml").write_text('[package]\nname = "warm"\nversion = "0.1.0"\n')
    pool = WorkspacePool(AllowedRoots((root,)), Analyzer("/usr/bin/rust-analyzer", "1.95.0"), {})
    journal = ChangeJournal(root, is_watched)
    pool.workspaces[(root, None)] = Workspace(
        root=root, client=cast(AnalyzerClient, Running()), scope=pool.scope, journal=journal
    )
    return pool


async def test_a_warm_call_reads_the_policy_only_to_admit(tmp_path: Path) -> None:
    pool = warm_pool(tmp_path)
    reads: list[ClientPolicy | None] = []

    def sent() -> ClientPolicy | None:
        reads.append(STRICTEST)
        return STRICTEST

    async def answer(workspace: Workspace) -> Path:
        return workspace.root

    assert await pool.run(tmp_path, answer, policy=sent) == tmp_path
    assert reads == []  # nothing starts and nothing admits: the policy is not read
    admitted: list[ClientPolicy | None] = []

    async def admit(root: Path, toolchain: str | None, policy: ClientPolicy | None) -> None:
        admitted.append(policy)

    pool.admit = admit
    pool._started_under[(tmp_path, None)] = repr(None)  # started for a session that sent no policy
    assert await pool.run(tmp_path, answer, policy=sent) == tmp_path
    assert reads == [STRICTEST] and admitted == [STRICTEST]  # another policy: admitted under it
    assert await pool.run(tmp_path, answer, policy=lambda: None) == tmp_path
    assert admitted == [STRICTEST]  # the policy it started under: nothing to admit
    assert await pool.run(tmp_path, answer, policy=sent) == tmp_path
    assert admitted == [STRICTEST]  # a policy once admitted is not asked again

    async def refuse(root: Path, toolchain: str | None, policy: ClientPolicy | None) -> None:
        raise Refusal(f"{policy} may not use {root}")

    pool.admit = refuse
    other = ClientPolicy("workspace-write elsewhere", writable=(tmp_path / "elsewhere",), network=True)
    with pytest.raises(Refusal):  # a refused policy is not remembered as admitted
        await pool.run(tmp_path, answer, policy=lambda: other)
    with pytest.raises(Refusal):
        await pool.run(tmp_path, answer, policy=lambda: other)
    pool.workspaces[(tmp_path, None)].journal.close()
