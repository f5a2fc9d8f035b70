"""Cargo's configuration in a folder above the workspace root: cargo reads `.cargo/config.toml` (and
the older `.cargo/config`) from the folder it runs in up to /, and rust-analyzer runs it in the root,
so `[build] rustflags` there decide the cfgs it analyses with. An edit there was never told to
rust-analyzer (only the journal's own tree was watched): hover kept the old cfg's code. Real
rust-analyzer in its sandbox, the server as a subprocess (the shared `ra`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_redteam8_hidden_edits import CFG_MAIN, PACKAGE, hovered

pytestmark = [pytest.mark.anyio, pytest.mark.real]
LINTS = '\n[lints.rust]\nunexpected_cfgs = "allow"\n'


def configured_above(top: Path, name: str, flag: str) -> Path:
    """A package at top/app under a `.cargo/<name>` in `top` setting `--cfg <flag>`; its main.rs."""
    (top / "app" / "src").mkdir(parents=True)
    (top / ".cargo").mkdir()
    (top / "app" / "Cargo.toml").write_text(PACKAGE.format(top.name.replace("-", "_")) + LINTS)
    (top / ".cargo" / name).write_text(f'[build]\nrustflags = ["--cfg", "{flag}"]\n')
    main = top / "app" / "src" / "main.rs"
    main.write_text(CFG_MAIN)
    return main


async def test_an_edit_to_the_cargo_configuration_above_the_root_is_seen(ra: Client, scratch: Path) -> None:
    top = scratch / "cfg-above"
    main = configured_above(top, "config.toml", "flag_x")
    assert "Built with flag_x." in await hovered(ra, main, 2)
    (top / ".cargo" / "config.toml").write_text('[build]\nrustflags = ["--cfg", "flag_y"]\n')
    assert "Built without flag_x." in await hovered(ra, main, 2)
    (top / ".cargo" / "config.toml").write_text('[build]\nrustflags = ["--cfg", "flag_x"]\n')
    assert "Built with flag_x." in await hovered(ra, main, 2)  # and again, a second edit


async def test_an_edit_to_the_older_cargo_config_name_is_seen(ra: Client, scratch: Path) -> None:
    """`.cargo/config` without the extension, which cargo still reads (before `config.toml` when both
    are there): above the root, and in it."""
    top = scratch / "cfg-older"
    main = configured_above(top, "config", "flag_x")
    assert "Built with flag_x." in await hovered(ra, main, 2)
    (top / ".cargo" / "config").write_text('[build]\nrustflags = ["--cfg", "flag_y"]\n')
    assert "Built without flag_x." in await hovered(ra, main, 2)
    inside = top / "app" / ".cargo" / "config"
    inside.parent.mkdir()
    inside.write_text('[build]\nrustflags = ["--cfg", "flag_x"]\n')  # nearer the root: it wins
    assert "Built with flag_x." in await hovered(ra, main, 2)
