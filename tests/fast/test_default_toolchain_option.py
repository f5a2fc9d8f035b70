"""rust-analyzer-mcp's --default-toolchain option and its environment variable, as parsed (the
servers that use it are in tests/real/test_ra_toolchains.py)."""

from __future__ import annotations

import pytest

from ra_mcp.cli import _parser


def test_the_default_toolchain_option_and_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUST_ANALYZER_MCP_DEFAULT_TOOLCHAIN", raising=False)
    assert _parser().parse_args([]).default_toolchain is None
    assert _parser().parse_args(["--default-toolchain", "beta"]).default_toolchain == "beta"
    monkeypatch.setenv("RUST_ANALYZER_MCP_DEFAULT_TOOLCHAIN", "nightly")
    assert _parser().parse_args([]).default_toolchain == "nightly"
