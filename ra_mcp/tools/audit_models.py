"""Result models of the unsafe audit (rust_analyzer_unsafe_audit): each site, its operations and
clippy's findings on it, and the totals per file. Positions are 1-based, counted in characters."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UnsafeOperation(BaseModel):
    line: int
    column: int
    kind: str = Field(
        description="call to an unsafe function, use of a mutable static, raw pointer dereference, ..."
    )
    text: str


class AuditFinding(BaseModel):
    code: str | None
    level: str
    message: str
    line: int
    column: int


class UnsafeSite(BaseModel):
    path: str
    line: int
    column: int
    end_line: int
    kind: str = Field(description="block, fn, impl, trait or extern")
    item: str | None = Field(default=None, description="The item an unsafe fn, impl or trait declares")
    enclosing: str | None = Field(default=None, description="The innermost item the site sits in")
    documented: bool = Field(
        description="A // SAFETY: comment (blocks, impls) or a # Safety doc section (fn, trait)"
    )
    safety_comment: str | None = None
    nested: bool = Field(default=False, description="Inside another unsafe block or fn")
    operations: list[UnsafeOperation] = Field(default_factory=list)
    findings: list[AuditFinding] = Field(default_factory=list, description="clippy findings on this site")
    operations_left_out: int = 0
    findings_left_out: int = 0


class UnsafeTotals(BaseModel):
    path: str
    blocks: int = 0
    functions: int = 0
    impls: int = 0
    traits: int = 0
    externs: int = 0
    undocumented: int = 0
    operations: int = 0
    findings: int = 0


class UnsafeAudit(BaseModel):
    scope: str
    sites: list[UnsafeSite]
    files: list[UnsafeTotals]
    totals: UnsafeTotals
    clippy_ran: bool
    clippy_partial: str | None = Field(
        default=None, description="Why clippy's findings are incomplete (crates not built or not checked)"
    )
    note: str | None = None
