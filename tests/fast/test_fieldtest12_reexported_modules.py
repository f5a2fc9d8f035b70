"""A `pub use` that rust-analyzer resolves to a module's file (field test 12, rayon 1.10.0 with
rayon-core 1.12.1): rayon_core has `mod join; pub use self::join::{join};`, and rust-analyzer's
definition of the `join` in rayon's `pub use rayon_core::{join, join_context};` is the private module's
file (join/mod.rs at 1:1), not the function. `rust_analyzer_definition symbol=rayon_core::join` was
refused as ambiguous between the function and "use::join at rayon-core/src/join/mod.rs:1" (the
module, labelled by the hover of the `use` keyword that starts its file, and kept as a function)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from lsprotocol import types as lsp

from ra_mcp.lsp.answers import Symbol
from ra_mcp.places.symbol_lookup import _resolve

CORE = "file:///w/rayon-core/src"
RAYON = "file:///w/rayon/src"


def _range(line: int, character: int, end_line: int | None = None) -> lsp.Range:
    end = lsp.Position(line=line if end_line is None else end_line, character=character + 4)
    return lsp.Range(start=lsp.Position(line=line, character=character), end=end)


FN = Symbol("join", lsp.SymbolKind.Function, None, f"{CORE}/join/mod.rs", _range(92, 7))
MODULE = Symbol("join", lsp.SymbolKind.Module, None, f"{CORE}/lib.rs", _range(82, 4))
CORE_USE = Symbol("join", lsp.SymbolKind.Function, None, f"{CORE}/lib.rs", _range(95, 21))
RAYON_USE = Symbol("join", lsp.SymbolKind.Function, None, f"{RAYON}/lib.rs", _range(124, 21))
MODULE_FILE = lsp.Location(uri=f"{CORE}/join/mod.rs", range=_range(0, 0, end_line=188))
DEFINITIONS = {  # what rust-analyzer 1.96 answered on the real crates
    (f"{CORE}/join/mod.rs", 92): lsp.Location(uri=FN.uri, range=FN.range),
    (f"{CORE}/lib.rs", 82): MODULE_FILE,
    (f"{CORE}/lib.rs", 95): lsp.Location(uri=FN.uri, range=FN.range),
    (f"{RAYON}/lib.rs", 124): MODULE_FILE,
}


class Client:
    async def request(self, method: str, params: Any, timeout: float = 30.0, **_: Any) -> Any:
        assert method == lsp.TEXT_DOCUMENT_DEFINITION
        return [DEFINITIONS[(params.text_document.uri, params.position.line)]]

    def structure(self, value: Any, kind: type[Any]) -> Any:
        return value


class Workspace:
    client = Client()
    root = Path("/w")


def test_a_use_resolved_to_a_module_file_is_the_item_of_its_name_in_that_file() -> None:
    symbols = [FN, RAYON_USE, MODULE, CORE_USE]
    items = anyio.run(_resolve, Workspace(), symbols, False)  # type: ignore[arg-type]
    found = sorted((item.uri.rsplit("/w/", 1)[1], item.span.start.line, item.kind) for item in items)
    assert found == [
        ("rayon-core/src/join/mod.rs", 0, lsp.SymbolKind.Module),  # `mod join;`: the module's file
        ("rayon-core/src/join/mod.rs", 92, lsp.SymbolKind.Function),  # the fn and both its `pub use`s
    ]
