"""Second red team, the engine's door: a front that carries one more seccomp filter than the engine
(an agent's sandbox inside a container whose default profile already filters the engine) shows the
same `Seccomp: 2` and no-new-privileges; it must still be judged confined differently, or it would
get a session outside its own sandbox. Real processes; the judgement is confinement.difference."""

from __future__ import annotations

import pytest

from rust_mcp.engine.confinement import difference
from tests.support.seccomp_layers import filtered_child

pytestmark = pytest.mark.real


def test_a_front_with_one_more_seccomp_filter_is_confined_differently() -> None:
    engine, front, twin = filtered_child(1), filtered_child(2), filtered_child(1)
    try:
        said = difference(front.pid, own=engine.pid)
        assert said is not None and "Seccomp_filters" in said, said
        assert difference(twin.pid, own=engine.pid) is None  # confined alike: served by the engine
    finally:
        for child in (engine, front, twin):
            child.kill()
            child.wait(timeout=10)
