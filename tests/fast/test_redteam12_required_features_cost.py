"""Twelfth red team: the note on targets whose required features are off (required_features.py)
parsed, for a workspace report, the package's Cargo.toml once for every file with findings: 200
files, a 1 MB manifest parsed 200 times (tomllib takes ~5 s for a hostile 1 MB), on one of anyio's
threads the call's deadline could not take back, so the call answered minutes late. Now each
manifest is parsed once, PARSED_BYTES in all, on the door's threads within DEADLINE."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

import anyio
import pytest

from ra_mcp.tools import required_features
from ra_mcp.tools.required_features import gated_files_note

FILES = 200
PADDING = 900_000  # bytes of comment in a manifest: quick to parse, but counted


def _watch_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    parsed: list[int] = []
    loads = tomllib.loads

    def watched(text: str, **options: Any) -> dict[str, Any]:
        parsed.append(len(text))
        return loads(text, **options)

    monkeypatch.setattr(tomllib, "loads", watched)
    return parsed


def _package(directory: Path, name: str) -> list[Path]:
    examples = "".join(f'[[example]]\nname = "e{i}"\nrequired-features = ["x"]\n' for i in range(FILES))
    (directory / "examples").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\n[features]\nx = []\n' + examples + ("#" * 99 + "\n") * (PADDING // 100)
    )
    for i in range(FILES):
        (directory / "examples" / f"e{i}.rs").write_text("fn main() {}\n")
    return [directory / "examples" / f"e{i}.rs" for i in range(FILES)]


def test_a_report_parses_each_manifest_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _package(tmp_path, "app")
    parsed = _watch_parses(monkeypatch)
    note = gated_files_note(files, tmp_path)
    assert note is not None and note.startswith(f"{FILES} file(s) with findings"), note
    assert len(parsed) == 1, f"{len(parsed)} parses, {sum(parsed)} bytes"  # 200 parses, 180 MB before


def test_a_report_parses_a_bounded_number_of_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [path for number in range(20) for path in _package(tmp_path / f"p{number}", f"p{number}")[:10]]
    parsed = _watch_parses(monkeypatch)
    note = gated_files_note(files, tmp_path)
    assert note is not None and sum(parsed) <= required_features.PARSED_BYTES, sum(parsed)


def test_a_slow_note_is_left_out_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    from ra_mcp.tools.required_features import off_loop_note  # (new: the failure on main names it)

    monkeypatch.setattr(required_features, "DEADLINE", 0.3)

    def slow(first: Path, root: Path) -> str | None:
        time.sleep(2)
        return "late"

    started = time.monotonic()
    assert anyio.run(off_loop_note, slow, Path("/x"), Path("/")) is None
    assert time.monotonic() - started < 1.5
