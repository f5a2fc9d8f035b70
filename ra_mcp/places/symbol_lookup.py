"""Finding the one item a symbol path names (`Worker::search`, `my_crate::module::func`, a `pub use`
re-export): candidates from rust-analyzer's workspace symbols, each resolved to its definition and
the paths it is known by, then matched (symbol_paths.py does the matching)."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Protocol

from rust_mcp.core import budgets
from rust_mcp.core.errors import Refusal
from rust_mcp.core.project_files import off_loop

from ..lsp import requests
from ..lsp.answers import Symbol
from ..lsp.lazy_types import lsp
from ..workspace.workspaces import Workspace
from .locator import Locator
from .positions import uri_to_path
from .symbol_paths import (
    Segments,
    WantedPath,
    container_fits,
    crate_aliases,
    crate_names,
    hover_path,
    module_globs,
    module_path_of_file,
    other_copy,
    path_matches,
    type_name,
)
from .unseen_names import unseen_note


class Places(Protocol):
    """What finding a symbol needs of the analyzer service: one answer's locator and paths as shown."""

    def locator(self, root: Path) -> Locator: ...

    def display(self, path: Path, root: Path) -> str: ...


NEAR = 0.7  # how alike (difflib's ratio) a name must be to the wanted one to be suggested
MIN_STEM = 3  # the shortest stem of a mistyped name asked for
MAX_RESOLVED = 40  # candidates resolved one by one (definition, hover); more are listed as they are


async def find_symbol(
    service: Places, workspace: Workspace, symbol: str, path: Path | None
) -> tuple[str, lsp.Range, str]:
    """The one item `symbol` names: candidates by name (and by the whole path, which
    rust-analyzer also understands), each re-export resolved to the item it points to, then
    kept when the qualifiers fit a path the item is known by (generics, crates and modules)."""
    wanted = WantedPath.parse(symbol)
    found: list[Symbol] = []
    for query in dict.fromkeys([wanted.name, symbol] if wanted.qualifiers else [wanted.name]):
        found += await requests.workspace_symbols(workspace.client, query)
    locator = service.locator(workspace.root)
    found, _ = locator.keep(found, lambda s: s.uri)  # never outside the roots
    exact = list(
        {
            (s.uri, s.range.start.line, s.range.start.character): s for s in found if s.name == wanted.name
        }.values()
    )
    if path is not None:
        exact = [s for s in exact if uri_to_path(s.uri) == path]
    if wanted.qualifiers and len(exact) > MAX_RESOLVED:
        exact = [s for s in exact if container_fits(s.container, wanted.qualifiers)]
    if len(exact) > MAX_RESOLVED:
        candidates = [_Item(s.uri, s.range, [], _qualified(s), s.kind) for s in exact]
    else:
        candidates = await _resolve(workspace, exact, with_paths=bool(wanted.qualifiers))
    candidates = [c for c in candidates if locator.shown(c.uri)]  # a re-export may resolve outside
    if wanted.qualifiers:
        aliases = await off_loop(crate_aliases, workspace.root, what="reading each package's src/lib.rs")
        candidates = [
            c for c in candidates if path_matches(wanted.qualifiers, c.known_as, aliases, name=wanted.name)
        ]
        if len(candidates) > 1:  # a path written out in full names one item: prefer it
            globs = await off_loop(module_globs, workspace.root, what="reading each package's src/lib.rs")
            written_out = [
                c
                for c in candidates
                if path_matches(
                    wanted.qualifiers, c.known_as, aliases, exact=True, globs=globs, name=wanted.name
                )
            ]
            candidates = written_out or candidates
    copies: list[str] = []
    first = wanted.qualifiers[:1]
    suspects = [other_copy(wanted.qualifiers, first, uri_to_path(c.uri), workspace.root) for c in candidates]
    # never another copy of a workspace crate (tokio 1.54.1's); the packages listed (a walk) only when
    # a candidate is in a registry copy of a crate named as the path's first segment
    if any(suspects) and first[0] in await off_loop(crate_names, workspace.root, what="listing the packages"):
        copies = [copy for copy in suspects if copy]
        candidates = [c for c, copy in zip(candidates, suspects, strict=True) if copy is None]
    if len(candidates) > 1:  # `memchr::memchr`: the function, not the module of the same name
        items = [c for c in candidates if c.kind != lsp.SymbolKind.Module]
        candidates = items or candidates
    if len(candidates) > 1:
        local = [c for c in candidates if uri_to_path(c.uri).is_relative_to(workspace.root)]
        candidates = local or candidates
    if len(candidates) == 1:
        chosen = candidates[0]
        location = locator.location(chosen.uri, chosen.span)
        return chosen.uri, chosen.span, f"{symbol} ({location.path}:{location.line}:{location.column})"
    if not candidates:
        near = await near_names(workspace, locator, wanted, found)
        hint = f"; similar names: {', '.join(near)}" if near else ""
        where = f" in {service.display(path, workspace.root)}" if path else ""
        unseen = (
            None
            if exact and not copies
            else await unseen_note(workspace, lambda p: service.display(p, workspace.root), wanted.name)
        )
        hint = f": {unseen}{hint}" if unseen else hint
        if copies:
            hint += f" (a dependency's other copy of the crate, {', '.join(sorted(set(copies)))}, has one)"
        raise Refusal(f"no symbol named `{symbol}`{where} in workspace {workspace.root}{hint}")
    # items named by the bare name first (the enum `Value`), then members of that name (the
    # associated types `Visitor::Value` that came first in rust-analyzer's order)
    candidates.sort(key=lambda c: c.label != wanted.name)
    listed = [
        f"{c.label} at {locator.label(c.uri)}:{c.span.start.line + 1}"
        for c in candidates[: budgets.SYMBOL_CANDIDATES]
    ]
    if len({c.label for c in candidates}) < len(candidates):  # one path: qualifying cannot help
        fix = _by_line(locator, candidates[: budgets.SYMBOL_CANDIDATES])
        raise Refusal(
            f"symbol `{symbol}` is ambiguous ({len(candidates)} matches): {'; '.join(listed)}. "
            f"They share one path, so qualifying cannot tell them apart: pass {fix} with this symbol"
        )
    raise Refusal(
        f"symbol `{symbol}` is ambiguous ({len(candidates)} matches): {'; '.join(listed)}. "
        "Qualify it (e.g. `Type::method` or `crate::module::name`), add file_path, or pass file_path "
        "with line and column"
    )


def _by_line(locator: Locator, candidates: list[_Item]) -> str:
    """`file_path=a.rs with line=3 or line=9, or file_path=b.rs with line=4`: the places to pass."""
    lines: dict[str, list[str]] = {}
    for c in candidates:
        lines.setdefault(locator.label(c.uri), []).append(f"line={c.span.start.line + 1}")
    return ", or ".join(f"file_path={path} with {' or '.join(each)}" for path, each in lines.items())


async def near_names(
    workspace: Workspace, locator: Locator, wanted: WantedPath, found: list[Symbol]
) -> list[str]:
    """The names a mistyped symbol most likely meant, most alike first (items of exactly the wanted
    name first: `Parser` for `clap::Parser`). rust-analyzer's fuzzy search misses a typo's last
    letters (`Map::entri` never finds `entry`), so the name's stems are asked too, within the
    qualifier's type; names that share little with the wanted one are left out."""
    pool = list(found)
    for cut in (1, 2):
        stem = wanted.name[:-cut]
        if len(stem) >= MIN_STEM:
            query = "::".join((*wanted.qualifiers[-1:], stem))
            pool += locator.keep(await requests.workspace_symbols(workspace.client, query), lambda s: s.uri)[
                0
            ]
    scores: dict[str, float] = {}
    for symbol in pool:
        score = near_score(wanted, symbol.name, symbol.container)
        owner = type_name(symbol.container)  # `Map::entry`, the path to pass back, not `Map<String, Value>`
        label = f"{owner}::{symbol.name}" if owner else symbol.name
        scores[label] = max(score, scores.get(label, 0.0))
    ranked = sorted((-score, label) for label, score in scores.items() if score >= NEAR)
    return [label for _, label in ranked[: budgets.SYMBOL_CANDIDATES]]


def near_score(wanted: WantedPath, name: str, container: str | None) -> float:
    """How alike a name is to the wanted one (0 to 1, case aside), plus 1 for the very name and
    0.25 when its type is the one the qualifiers name."""
    score = SequenceMatcher(None, wanted.name.lower(), name.lower()).ratio()
    if name == wanted.name:
        score += 1.0
    if wanted.qualifiers and type_name(container) == wanted.qualifiers[-1]:
        score += 0.25
    return score


async def _resolve(workspace: Workspace, symbols: list[Symbol], with_paths: bool) -> list[_Item]:
    """One entry per item: a `pub use` is resolved (go to definition) to the item it re-exports
    and merged with it. With `with_paths`, each item carries the paths it is known by: its
    canonical path (hover's first line) and the module path of every re-export."""
    items: dict[tuple[str, int, int], _Item] = {}
    for symbol in symbols:
        uri, span = symbol.uri, symbol.range
        targets = await requests.definitions(workspace.client, uri_to_path(uri), span.start)
        if len(targets) == 1:  # a LocationLink's target too: its selection range, the name
            uri, span = targets[0].uri, targets[0].range
        kind = symbol.kind
        if _is_file(span) and (uri, span) != (symbol.uri, symbol.range):  # a module's file
            if symbol.kind == lsp.SymbolKind.Module:
                kind = lsp.SymbolKind.Module
            else:  # `pub use rayon_core::{join}`: the module `join`, not the fn `join` in it
                uri, span = _same_item_in(symbols, symbol, uri) or (symbol.uri, symbol.range)
        key = (uri, span.start.line, span.start.character)
        reexport = key != (symbol.uri, symbol.range.start.line, symbol.range.start.character)
        item = items.get(key)
        if item is None:
            item = items[key] = _Item(uri, span, [], _qualified(symbol), kind)
            if with_paths:
                # a module's file starts with another item (`use`): its own line names the module
                asked = (symbol.uri, symbol.range) if kind == lsp.SymbolKind.Module else (uri, span)
                hover = await requests.hover(workspace.client, uri_to_path(asked[0]), asked[1].start)
                canonical = hover_path(hover.text if hover is not None and hover.markup else "")
                if canonical is not None:
                    item.known_as.append(canonical)
                    item.label = "::".join((*canonical, symbol.name))
        if with_paths and reexport:
            source = uri_to_path(symbol.uri)
            place = await off_loop(
                module_path_of_file, source, workspace.root, workspace.scope.allows, what="reading Cargo.toml"
            )
            if place is not None:
                item.known_as.append(place)
    return list(items.values())


def _is_file(span: lsp.Range) -> bool:
    """Whether a definition is a whole file (a module's): an item's name never starts a file."""
    return span.start.line == 0 and span.start.character == 0


def _same_item_in(symbols: list[Symbol], symbol: Symbol, uri: str) -> tuple[str, lsp.Range] | None:
    """The item of `symbol`'s name and kind defined in the file `uri`: what a `pub use` meant when
    rust-analyzer resolved it to the module of that name instead (rayon's `pub use rayon_core::join`,
    where rayon_core has `mod join; pub use join::join;`)."""
    for other in symbols:
        if (other.uri, other.name, other.kind) == (uri, symbol.name, symbol.kind):
            return other.uri, other.range
    return None


@dataclass
class _Item:
    """One candidate item for a symbol path: where it is defined and the paths it is known by."""

    uri: str
    span: lsp.Range
    known_as: list[Segments]
    label: str
    kind: lsp.SymbolKind | None = None


def _qualified(symbol: Symbol) -> str:
    return f"{symbol.container}::{symbol.name}" if symbol.container else symbol.name
