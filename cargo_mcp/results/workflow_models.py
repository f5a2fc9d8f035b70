"""Result parts of the workflow tools: which packages a scoped check chose, outdated dependencies,
pending snapshots, and compiler-cache hits. Each is an optional field of CargoResult."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ScopedPackage(BaseModel):
    name: str
    reason: str = Field(description="e.g. `changed: src/lib.rs` or `depends on geometry`")


class Scope(BaseModel):
    """What `changed=true` selected."""

    since: str = Field(description="The git revision the working tree was compared with")
    changed_files: int = Field(description="Files changed, added or deleted since that revision")
    files: list[str] = Field(default_factory=list, description="The first changed files")
    packages: list[ScopedPackage] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list, description="Workspace members left out (the first 30)")
    skipped_count: int = Field(default=0, description="Workspace members left out, all of them")
    run: Literal["packages", "workspace"] = Field(
        default="packages",
        description="What cargo ran: `--package` for each member in scope, or the whole workspace",
    )
    run_reason: str = Field(default="", description="Why that run was the cheaper one")


class OutdatedDependency(BaseModel):
    name: str
    member: str = Field(description="The workspace package that declares it")
    kind: Literal["normal", "dev", "build"] = "normal"
    req: str = Field(description="The version requirement in Cargo.toml")
    locked: str | None = Field(default=None, description="The version in Cargo.lock")
    compatible: str | None = Field(default=None, description="Newest version the requirement allows")
    latest: str | None = Field(default=None, description="Newest version overall (no pre-releases)")
    status: Literal["up_to_date", "compatible_update", "new_major", "not_in_registry", "unknown"]
    note: str | None = None


class PendingSnapshot(BaseModel):
    name: str = Field(description="Pass this to cargo_insta_accept / cargo_insta_reject")
    kind: Literal["file", "inline"]
    source: str | None = Field(default=None, description="The test file that asserts it")
    line: int | None = None
    diff: str = Field(description="Unified diff from the accepted snapshot to the new one, budgeted")


class CacheStats(BaseModel):
    """What the operator's compiler cache (RUSTC_WRAPPER) did during this call."""

    wrapper: str
    compile_requests: int = 0
    hits: int = 0
    misses: int = 0
    not_cacheable: int = 0
    note: str | None = None
