"""Parsing TOML the project wrote (manifests, cargo configuration, toolchain files, Cargo.lock):
tomllib raises RecursionError, not its TOMLDecodeError, on arrays or inline tables nested deeper than
Python's recursion limit (a few kilobytes of `[`), which callers catching TOMLDecodeError or
ValueError did not expect: the call ended in an internal error. `parse_toml` raises TOMLDecodeError
for both, so "not TOML" is one exception everywhere."""

from __future__ import annotations

import tomllib
from typing import Any


def parse_toml(text: str) -> dict[str, Any]:
    """`text` parsed; tomllib.TOMLDecodeError when it is not TOML or nested too deeply to parse."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError(
            f"nested more deeply than this parser goes ({len(text)} bytes)"
        ) from None
