"""One cargo call as it is run: its validated command line and place (Invocation), and a tool call
as the ways of running it (scoped, outdated, a target matrix) receive it (CallRequest), with the
one decision of which way that is (Way)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cargo_mcp.results.models import CargoResult
from cargo_mcp.table.command import CargoCommand
from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.client_policy import ClientPolicy


@dataclass(frozen=True)
class Invocation:
    command: CargoCommand
    argv: list[str]  # shown to the model: how a person would run the same command
    args: list[str]  # cargo's arguments
    cwd: Path
    manifest: Path
    workspace_root: Path
    toolchain: str | None
    env: dict[str, str]
    timeout: float
    offset: int = 0  # where the listed diagnostics (or cargo_metadata's or cargo_tree's data) start
    package_detail: str | None = None  # cargo_metadata: the member shown in full
    name_filter: str | None = None  # cargo test's or bench's name filter (test_name, bench_name)

    def result(
        self,
        summary: str,
        duration_ms: int,
        exit_code: int | None = 0,
        argv: list[str] | None = None,
        **fields: Any,
    ) -> CargoResult:
        """This call's result, ok when `exit_code` is 0: from a cargo run, or put together by this
        server itself (from cargo's metadata, the index or git)."""
        return CargoResult(
            tool=self.command.name,
            ok=exit_code == 0,
            exit_code=exit_code,
            summary=summary,
            argv=list(self.argv) if argv is None else argv,
            cwd=str(self.cwd),
            manifest=str(self.manifest),
            toolchain=self.toolchain,
            duration_ms=duration_ms,
            **fields,
        )


class Way(enum.Enum):
    """Which way a tool call runs: a workflow of several runs (or none), or one cargo run."""

    TARGET_MATRIX = "target matrix"
    SCOPED = "scoped check"
    OUTDATED = "outdated report"
    VERIFIED_CHANGE = "dependency change verified by a check"
    ONE_RUN = "one cargo run"


@dataclass(frozen=True)
class CallRequest:
    """One tool call as the ways of running it (scoped, outdated, a target matrix) receive it."""

    command: CargoCommand
    values: Mapping[str, Any]
    working_directory: Path | None
    report: ProgressCallback | None
    policy: ClientPolicy | None

    @functools.cached_property
    def way(self) -> Way:
        """The way this call runs, decided here only: both the route that runs it and the memory of
        repeated calls (which keeps only one cargo run's answer) read it."""
        values = self.values
        if values.get("targets"):
            return Way.TARGET_MATRIX
        if values.get("changed") or values.get("since"):
            return Way.SCOPED
        if self.command.output == "outdated":
            return Way.OUTDATED
        if values.get("verify") and not values.get("dry_run"):
            return Way.VERIFIED_CHANGE
        return Way.ONE_RUN
