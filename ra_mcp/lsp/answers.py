"""What rust-analyzer's answers become: typed values tools read (`Location`, `Hover`, `Symbol`,
`Runnable`, ...), whichever variant of an answer rust-analyzer sent; and what a question needs of the
client (`Requester`). lsp/requests.py and lsp/change_requests.py ask the questions (requests.py's
`locations` turns any location answer into Locations)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .lazy_types import lsp

T = TypeVar("T")


class Requester(Protocol):
    """What the questions need of the client (lsp.AnalyzerClient)."""

    async def request(
        self, method: str, params: Any, timeout: float = 30.0, *, as_json: bool = False, strict: bool = False
    ) -> Any: ...

    def structure(self, value: Any, kind: type[T]) -> T: ...


@dataclass(frozen=True)
class Location:
    """One place an answer names: `range` to show (a link's selection, the name) and `whole`, the
    item's whole extent (a link's target range; a plain Location's range)."""

    uri: str
    range: lsp.Range
    whole: lsp.Range


@dataclass(frozen=True)
class Hover:
    """Hover's contents as one text (markdown when rust-analyzer sends markup)."""

    text: str
    markup: bool


@dataclass(frozen=True)
class Symbol:
    """A workspace symbol with a place in a file."""

    name: str
    kind: lsp.SymbolKind
    container: str | None
    uri: str
    range: lsp.Range


@dataclass(frozen=True)
class Runnable:
    """Something rust-analyzer can run (a test, bench, binary, doc test) and how cargo runs it."""

    label: str
    cargo_args: list[str]
    executable_args: list[str]
    location: Location | None


@dataclass(frozen=True)
class MacroExpansion:
    name: str | None
    expansion: str


def runnable(raw: dict[str, Any]) -> Runnable:
    args = raw.get("args") or {}
    cargo_args = [str(a) for a in args.get("cargoArgs") or []] + [
        str(a) for a in args.get("cargoExtraArgs") or []
    ]
    location = None
    link = raw.get("location")
    if link:
        uri = str(link.get("targetUri", ""))
        shown = _range(link["targetSelectionRange"]) if "targetSelectionRange" in link else None
        if shown is not None:
            location = Location(uri, shown, _range(link.get("targetRange", link["targetSelectionRange"])))
    return Runnable(
        label=str(raw.get("label", "")),
        cargo_args=cargo_args,
        executable_args=[str(a) for a in args.get("executableArgs") or []],
        location=location,
    )


def _range(raw: dict[str, Any]) -> lsp.Range:
    return lsp.Range(start=lsp.Position(**raw["start"]), end=lsp.Position(**raw["end"]))
