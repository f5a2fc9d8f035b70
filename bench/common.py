"""Shared bench helpers: fixture copies, stdio clients, medians."""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mcp.client.stdio import StdioServerParameters

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def fixture_copy(name: str) -> Path:
    """A fresh copy of one fixture in a temporary directory (the bench's only root)."""
    root = Path(tempfile.mkdtemp(prefix="rust-mcp-bench-"))
    shutil.copytree(REPO / "fixtures" / name, root / name, ignore=shutil.ignore_patterns("target"))
    return root


def stdio(command: str, *args: str) -> StdioServerParameters:
    env = {"RUST_MCP_ENGINE": "off", **os.environ}  # in-process unless RUST_MCP_ENGINE says otherwise
    return StdioServerParameters(command=command, args=list(args), env=env)


def ms(values: Sequence[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
