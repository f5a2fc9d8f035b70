"""The engine key ignores the alias directory Codex puts first on each session's PATH (a new name
every session), and nothing else on the PATH (tests/real/test_codex_home_engine.py end to end)."""

from __future__ import annotations

from rust_mcp.engine.identity import build_identity, engine_key, relevant_environment

SYSTEM_PATH = "/home/u/.cargo/bin:/usr/bin:/bin"
CODEX_ENV = {"HOME": "/home/u", "USER": "u", "LANG": "C.UTF-8", "TMPDIR": "/tmp"}


def session_path(suffix: str, layout: str = "arg0") -> str:
    return f"/home/u/.codex/tmp/{layout}/codex-arg0{suffix}:{SYSTEM_PATH}"


def key(path: str) -> str:
    return engine_key(build_identity(), relevant_environment({**CODEX_ENV, "PATH": path}))


def test_two_codex_sessions_with_their_own_alias_directories_get_one_key() -> None:
    assert key(session_path("KuJ4ib")) == key(session_path("huRStF"))
    assert key(session_path("KuJ4ib", "arg0-linux")) == key(session_path("Q7FRs4", "arg0-linux"))
    assert key(session_path("KuJ4ib")) == key(SYSTEM_PATH)
    assert relevant_environment({"PATH": session_path("x/")})["PATH"] == SYSTEM_PATH


def test_any_other_path_difference_still_counts() -> None:
    assert key(SYSTEM_PATH) != key(f"/opt/rust/bin:{SYSTEM_PATH}")
    assert key(SYSTEM_PATH) != key(f"/home/u/tmp/codex-arg0x:{SYSTEM_PATH}")  # not under an arg0 folder
    assert key(SYSTEM_PATH) != key(f"/home/u/arg0/codex:{SYSTEM_PATH}")
    assert relevant_environment({"PATH": SYSTEM_PATH})["PATH"] == SYSTEM_PATH
