"""The refusals that depend on more than one parameter of a cargo call (each single value is checked
by its parameter, see parameters.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cargo_mcp.table.command import CargoCommand
from rust_mcp.core.errors import Refusal

MAX_TARGETS = 12


def check_combination(command: CargoCommand, values: Mapping[str, Any]) -> None:
    """Refusals that depend on more than one parameter."""
    if values.get("fix"):
        raise Refusal(
            f"{command.name} does not change files, so `fix` is not supported here; call cargo_clippy_fix, "
            "which edits the sources and says so"
        )
    if values.get("precise") and len(values.get("dependencies") or []) + bool(values.get("package")) != 1:
        raise Refusal('`precise` needs exactly one dependency to pin, e.g. dependencies=["serde"]')
    if values.get("changed") or values.get("since"):
        chosen = [name for name in ("package", "workspace", "targets") if values.get(name)]
        if chosen:
            raise Refusal(f"changed=true chooses the packages itself; leave out {', '.join(chosen)}")
    if values.get("bin") and values.get("example"):
        raise Refusal("pass either `bin` or `example`, not both")
    targets = values.get("targets")
    if targets is not None:
        if values.get("target"):
            raise Refusal("pass either `target` (one triple) or `targets` (a list), not both")
        if not 1 <= len(targets) <= MAX_TARGETS:
            raise Refusal(f"`targets` needs between 1 and {MAX_TARGETS} target triples")
