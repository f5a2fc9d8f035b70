"""lsprotocol's types, imported on first use, and pygls results as plain values.

Importing lsprotocol takes about half a second, most of rust-analyzer-mcp's start-up; a server
that lists its tools, or refuses a bad argument, needs none of it. Modules write `lsp.Range` as
they would with `from lsprotocol import types as lsp`; the module is imported the first time an
attribute is read (a request is built or an answer read), and each attribute is kept after that."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lsprotocol import types as lsp
else:

    class _OnFirstUse(ModuleType):
        """Stands for lsprotocol.types until an attribute is read."""

        def __getattr__(self, name: str) -> Any:
            value = getattr(importlib.import_module("lsprotocol.types"), name)
            setattr(self, name, value)
            return value

    lsp = _OnFirstUse("lsprotocol.types")

__all__ = ["lsp", "plain"]


def plain(value: Any) -> Any:
    """pygls hands results of non-standard methods over as namedtuples; turn them into dicts."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
