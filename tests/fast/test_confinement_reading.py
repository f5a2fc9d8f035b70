"""How the engine reads a process's confinement: this process matches itself, and one it cannot read
counts as different. The fronts and engines under setpriv are in tests/real/test_engine_confinement.py."""

from __future__ import annotations

import os

from rust_mcp.engine.confinement import difference


def test_this_process_is_confined_as_itself_and_an_unreadable_one_counts_as_different() -> None:
    assert difference(os.getpid()) is None
    said = difference(2**22 + 12345)  # above any pid_max default: no such process
    assert said is not None and "cannot read how pid" in said
