"""The unsafe audit: every `unsafe` block, fn, impl, trait and extern block in a workspace (or one
package), where it is, what it sits in, whether a SAFETY comment or a `# Safety` section documents it,
which unsafe operations it contains (rust-analyzer's semantic tokens mark them), and what clippy's
unsafe lints say about it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from rust_mcp.core.errors import Refusal
from rust_mcp.core.lexing import code_mask
from rust_mcp.core.lockfile import private_lock_env
from rust_mcp.core.roots import package_directories
from rust_mcp.mcp.capabilities import Capability

from .. import render
from ..analyzer import AnalyzerService
from ..clippy import run_clippy
from ..lsp_types import lsp
from ..models import AuditFinding, UnsafeAudit, UnsafeOperation, UnsafeSite, UnsafeTotals
from ..shown_paths import join_notes
from ..workspaces import Workspace, scan_sources
from .declaration import AnalyzerCall, analyzer_tool
from .parameters import WorkspaceArg

AUDIT_LINTS = (
    "clippy::undocumented_unsafe_blocks",
    "clippy::multiple_unsafe_ops_per_block",
    "clippy::missing_safety_doc",
    "unsafe_op_in_unsafe_fn",
)
AUDIT_CLIPPY = "Also run clippy's unsafe lints on the sites."
AUDIT_TARGET_DIR = "target/rust-mcp-audit"  # its own build directory: no other build waits for it
KIND_OF_WORD = {"fn": "fn", "impl": "impl", "trait": "trait", "extern": "extern"}
OPERATION_KINDS = {
    "function": "call to an unsafe function",
    "method": "call to an unsafe method",
    "static": "use of a mutable static",
    "operator": "dereference of a raw pointer",
    "field": "access to a union field",
    "macro": "use of an unsafe macro",
}
SAFETY_COMMENT = re.compile(r"safety\s*:", re.IGNORECASE)
SAFETY_DOC = re.compile(r"^\s*(?:///|//!)\s*#+\s*safety\b", re.IGNORECASE | re.MULTILINE)


@dataclass
class _Site:
    kind: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    documented: bool
    comment: str | None
    item: str | None = None
    enclosing: str | None = None
    nested: bool = False
    operations: list[UnsafeOperation] = field(default_factory=list)
    findings: list[AuditFinding] = field(default_factory=list)


class _Source:
    def __init__(self, text: str) -> None:
        self.text = text
        self.mask = code_mask(text)
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int, column: int) -> int:
        """0-based line and utf-32 column to an index into the text."""
        return self.starts[line] + column

    def line_of(self, offset: int) -> int:
        low, high = 0, len(self.starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low

    def extent(self, keyword_end: int) -> int:
        """End of the construct an `unsafe` keyword starts: the brace that closes its first `{`, or
        the first `;` when a `;` comes before any `{` (a declaration without a body)."""
        brace, semicolon = self.mask.find("{", keyword_end), self.mask.find(";", keyword_end)
        if brace < 0 or 0 <= semicolon < brace:
            return semicolon if semicolon >= 0 else keyword_end
        depth = 0
        for index in range(brace, len(self.mask)):
            if self.mask[index] == "{":
                depth += 1
            elif self.mask[index] == "}":
                depth -= 1
                if depth == 0:
                    return index
        return len(self.mask) - 1

    def safety_comment(self, line: int, column: int) -> str | None:
        """A `// SAFETY:` comment before the keyword on its line, or in the comment lines (and
        attributes) directly above it."""
        before = self.lines[line][:column]
        if "//" in before and SAFETY_COMMENT.search(before.split("//", 1)[1]):
            return before.split("//", 1)[1].strip()
        comments: list[str] = []
        for number in range(line - 1, -1, -1):
            stripped = self.lines[number].strip()
            if stripped.startswith("//"):
                comments.append(stripped.lstrip("/").strip())
            elif not (stripped.startswith("#[") or stripped.startswith("*") or stripped.startswith("/*")):
                break
        for text in reversed(comments):
            if SAFETY_COMMENT.search(text):
                return text
        return None

    def safety_doc(self, line: int) -> bool:
        """A `# Safety` section in the doc comment above the item on `line`."""
        docs = []
        for number in range(line - 1, -1, -1):
            stripped = self.lines[number].strip()
            if stripped.startswith("///") or stripped.startswith("#["):
                docs.append(stripped)
            else:
                break
        return bool(SAFETY_DOC.search("\n".join(reversed(docs))))


def _decode(data: list[int], legend: lsp.SemanticTokensLegend) -> list[tuple[int, int, int, str, set[str]]]:
    tokens = []
    line = column = 0
    for index in range(0, len(data), 5):
        delta_line, delta_column, length, kind, modifiers = data[index : index + 5]
        line += delta_line
        column = delta_column if delta_line else column + delta_column
        names = {
            legend.token_modifiers[bit] for bit in range(len(legend.token_modifiers)) if modifiers >> bit & 1
        }
        tokens.append((line, column, length, legend.token_types[kind], names))
    return tokens


def _symbol_path(symbols: list[Any], offset: int, source: _Source, trail: tuple[str, ...] = ()) -> list[str]:
    for symbol in symbols:
        if not isinstance(symbol, lsp.DocumentSymbol):
            continue
        start = source.offset(symbol.range.start.line, symbol.range.start.character)
        end = source.offset(symbol.range.end.line, symbol.range.end.character)
        if start <= offset <= end:
            return _symbol_path(list(symbol.children or []), offset, source, (*trail, symbol.name))
    return list(trail)


def _sites(
    source: _Source, tokens: list[tuple[int, int, int, str, set[str]]], symbols: list[Any]
) -> list[_Site]:
    sites: list[_Site] = []
    for line, column, length, kind, modifiers in tokens:
        if (
            kind != "keyword"
            or "unsafe" not in modifiers
            or source.lines[line][column : column + length] != "unsafe"
        ):
            continue
        start = source.offset(line, column)
        after = source.mask[start + length :].lstrip()
        word = re.match(r"[A-Za-z_]+", after)
        site_kind = KIND_OF_WORD.get(word.group(0), "block") if word else "block"
        if site_kind == "extern" and re.match(
            r'extern\s*(?:"[^"]*")?\s*fn\b', source.text[start + length :].lstrip()
        ):
            site_kind = "fn"
        end = source.extent(start + length)
        if site_kind != "block":  # an item starts with its line (`pub`, `extern "C"`); lints point there
            start = source.offset(line, 0)
        comment = source.safety_comment(line, column)
        documented = source.safety_doc(line) if site_kind in ("fn", "trait") else comment is not None
        site = _Site(
            site_kind, start, end, line + 1, column + 1, source.line_of(end) + 1, documented, comment
        )
        path = _symbol_path(symbols, start, source)
        if site_kind in ("fn", "impl", "trait"):
            site.item = path[-1] if path else None
            path = path[:-1]
        site.enclosing = "::".join(path) or None
        sites.append(site)
    for site in sites:
        site.nested = any(o is not site and o.start < site.start <= o.end for o in sites)
    for line, column, length, kind, modifiers in tokens:
        if (
            "unsafe" not in modifiers
            or kind in ("keyword", "punctuation", "interface")
            or "declaration" in modifiers
        ):
            continue
        offset = source.offset(line, column)
        owner = _innermost(sites, offset)
        if owner is not None:
            owner.operations.append(
                UnsafeOperation(
                    line=line + 1,
                    column=column + 1,
                    kind=OPERATION_KINDS.get(kind, f"unsafe {kind}"),
                    text=source.lines[line][column : column + length],
                )
            )
    return sites


def _innermost(sites: list[_Site], offset: int) -> _Site | None:
    containing = [s for s in sites if s.start <= offset <= s.end]
    return max(containing, key=lambda s: s.start) if containing else None


async def _clippy(
    service: AnalyzerService, directory: Path, workspace_root: Path
) -> tuple[dict[Path, list[AuditFinding]], str | None]:
    """Every finding of clippy's unsafe lints (none cut to a budget), by file. clippy builds in the
    workspace's own target dir (never a `target/` inside a member)."""
    if service.cargo is None:
        raise Refusal("clippy cannot run: this server has no sandboxed cargo")
    # a read-only audit leaves Cargo.lock alone: cargo resolves into a private copy
    result = await run_clippy(
        directory,
        service.cargo,
        AUDIT_LINTS,
        AUDIT_TARGET_DIR,
        private_lock_env(workspace_root, workspace_root / AUDIT_TARGET_DIR),
    )
    findings: dict[Path, list[AuditFinding]] = {}
    for diagnostic in result.diagnostics:
        if diagnostic.absolute_path and diagnostic.line:
            findings.setdefault(Path(diagnostic.absolute_path), []).append(
                AuditFinding(
                    code=diagnostic.code,
                    level=diagnostic.level,
                    message=diagnostic.message,
                    line=diagnostic.line,
                    column=diagnostic.column or 1,
                )
            )
    note = None if result.ok or result.counts.errors == 0 else f"clippy reported errors: {result.summary}"
    return findings, note


def _totals(path: str, sites: list[UnsafeSite]) -> UnsafeTotals:
    kinds = [site.kind for site in sites]
    return UnsafeTotals(
        path=path,
        blocks=kinds.count("block"),
        functions=kinds.count("fn"),
        impls=kinds.count("impl"),
        traits=kinds.count("trait"),
        externs=kinds.count("extern"),
        undocumented=sum(not site.documented for site in sites),
        operations=sum(len(site.operations) for site in sites),
        findings=sum(len(site.findings) for site in sites),
    )


def _unsafe_sources(service: AnalyzerService, directory: Path) -> tuple[dict[Path, str], int]:
    """The text of every .rs file under `directory` that mentions `unsafe`, read only where the read
    scope allows (never through a link); and how many could not be read."""
    texts: dict[Path, str] = {}
    unread = 0
    for path in scan_sources(directory):
        if path.suffix != ".rs":
            continue
        try:
            data = service.scope.read(path)
        except Refusal:
            unread += 1
            continue
        if b"unsafe" in data:
            texts[path] = data.decode("utf-8", errors="replace")
    return texts, unread


@analyzer_tool(Capability.RUN, "Unsafe code audit", render.unsafe_audit)
async def rust_analyzer_unsafe_audit(
    call: AnalyzerCall,
    workspace: WorkspaceArg = None,
    package: str | None = None,
    include_clippy: Annotated[bool, Field(description=AUDIT_CLIPPY)] = True,
) -> UnsafeAudit:
    """Every unsafe block, fn, impl, trait and extern block: where, whether a SAFETY comment documents it,
    its unsafe operations, clippy's findings; totals per file."""
    service = call.service

    async def operation(workspace: Workspace) -> UnsafeAudit:
        scope_dir = workspace.root
        if package is not None:
            packages = package_directories(workspace.root)
            if package not in packages:
                listed = ", ".join(sorted(packages)) or "none"
                raise Refusal(f"no package named {package!r} in {workspace.root}; packages: {listed}")
            scope_dir = packages[package]
        capabilities = workspace.client.capabilities
        provider = capabilities.semantic_tokens_provider if capabilities else None
        if provider is None:
            raise Refusal("this rust-analyzer does not offer semantic tokens, which the audit reads")
        texts, unread = _unsafe_sources(service, scope_dir)
        files = sorted(texts)
        findings, note = await _clippy(service, scope_dir, workspace.root) if include_clippy else ({}, None)
        sites: list[UnsafeSite] = []
        totals: list[UnsafeTotals] = []
        outside: Counter[str] = Counter()
        for path in files:
            uri = path.as_uri()
            tokens = await workspace.client.request(
                lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                lsp.SemanticTokensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)),
            )
            symbols = await workspace.client.request(
                lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
                lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri)),
            )
            source = _Source(texts[path])
            found = _sites(
                source, _decode(list(tokens.data if tokens else []), provider.legend), list(symbols or [])
            )
            for finding in findings.get(path, []):
                offset = source.offset(finding.line - 1, finding.column - 1)
                owner = _innermost(found, offset)
                if owner is not None:
                    owner.findings.append(finding)
                else:
                    outside[finding.code or finding.level] += 1
            label = service.display(path, workspace.root)
            models = [
                UnsafeSite(
                    path=label,
                    line=s.line,
                    column=s.column,
                    end_line=s.end_line,
                    kind=s.kind,
                    item=s.item,
                    enclosing=s.enclosing,
                    documented=s.documented,
                    safety_comment=s.comment,
                    nested=s.nested,
                    operations=s.operations,
                    findings=s.findings,
                )
                for s in found
            ]
            sites += models
            if models:
                totals.append(_totals(label, models))
        if unread:
            skipped = f"{unread} source file(s) not read (links, outside the roots or too large)"
            note = join_notes(note, skipped)
        scope = f"package {package}" if package else f"workspace {workspace.root}"
        for path, items in findings.items():
            if path not in files:
                for finding in items:
                    outside[finding.code or finding.level] += 1
        if outside:
            common = ", ".join(f"{code} {n}" for code, n in outside.most_common(5))
            note = (
                f"{note + '; ' if note else ''}{outside.total()} other clippy finding(s) are not in unsafe "
                f"code and are not attached ({common})"
            )
        return UnsafeAudit(
            scope=scope,
            sites=sites,
            files=totals,
            totals=_totals("all", sites),
            clippy_ran=include_clippy,
            note=note if sites else (note or "no unsafe code"),
        )

    return await call.in_workspace(workspace, operation)
