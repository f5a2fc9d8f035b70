"""The engine's private directory, its identity and key, and which command lines a front relays
(fast tier: no process is started)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rust_mcp.engine.front import wants_in_process
from rust_mcp.engine.handshake import HandshakeRefused, parse_request, session_request
from rust_mcp.engine.identity import build_identity, engine_key, handshake_identity, relevant_environment
from rust_mcp.engine.place import PlaceRefused, ensure_private, private_dir

CODEX_ENV = {
    "HOME": "/home/u",
    "PATH": "/usr/bin:/bin",
    "USER": "u",
    "LOGNAME": "u",
    "SHELL": "/bin/bash",
    "LANG": "C.UTF-8",
    "TERM": "xterm",
    "TMPDIR": "/tmp",
}


def test_the_directory_is_made_0700_under_the_runtime_dir(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    made = Path(private_dir({"XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)}))
    assert made == runtime / "rust-mcp"
    assert made.stat().st_mode & 0o777 == 0o700


def test_without_a_runtime_dir_the_cache_dir_is_used(tmp_path: Path) -> None:
    made = Path(private_dir({"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}))
    assert made == tmp_path / "cache" / "rust-mcp" / "engine"
    assert made.stat().st_mode & 0o777 == 0o700


def test_a_loose_mode_is_refused(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    loose.chmod(0o755)
    with pytest.raises(PlaceRefused, match="mode 0755; only 0700"):
        ensure_private(str(loose))


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(PlaceRefused, match="is a symlink"):
        ensure_private(str(tmp_path / "link"))


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a directory to another user")
def test_another_owner_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(PlaceRefused, match="belongs to uid 65534"):
        ensure_private(str(theirs))


def test_cosmetic_variables_do_not_count_and_build_variables_do() -> None:
    env = {**CODEX_ENV, "SHLVL": "3", "PWD": "/x", "SSH_TTY": "/dev/pts/1", "CARGO_HOME": "/c", "CC": "clang"}
    kept = relevant_environment(env)
    assert {"SHLVL", "PWD", "SSH_TTY", "TERM"}.isdisjoint(kept)
    assert {"PATH", "HOME", "CARGO_HOME", "CC", "TMPDIR", "LANG"} <= set(kept)


def test_two_codex_sessions_share_a_key_and_other_environments_do_not() -> None:
    identity = build_identity()
    first = engine_key(identity, relevant_environment(CODEX_ENV))
    second = engine_key(identity, relevant_environment({**CODEX_ENV, "TERM": "dumb", "PWD": "/elsewhere"}))
    assert first == second
    for name, value in (("PATH", "/opt/bin:/usr/bin"), ("RUSTUP_TOOLCHAIN", "nightly"), ("HTTPS_PROXY", "x")):
        assert engine_key(identity, relevant_environment({**CODEX_ENV, name: value})) != first, name


def test_another_build_gets_another_key_with_the_same_place() -> None:
    identity = build_identity()
    env = relevant_environment(CODEX_ENV)
    newer = engine_key({**identity, "fingerprint": "0" * 16}, env)
    place, _, build = engine_key(identity, env).partition("-")
    assert newer.startswith(place + "-")
    assert not newer.endswith(build)


def test_the_identity_names_interpreter_install_and_files() -> None:
    identity = build_identity()
    assert set(identity) == {"version", "python", "install", "fingerprint"}
    assert Path(identity["install"], "rust_mcp", "engine").is_dir()


@pytest.mark.parametrize(
    ("argv", "env", "in_process"),
    [
        (["serve", "--root", "x"], {}, False),
        ([], {}, False),
        (["doctor"], {}, True),
        (["serve", "--help"], {}, True),
        (["-h"], {}, True),
        (["serve", "--transport", "http"], {}, True),
        (["serve", "--transport=http"], {}, True),
        (["serve", "--transport", "stdio"], {}, False),
        (["--engine", "off"], {}, True),
        (["--engine=off"], {}, True),
        (["--engine", "auto"], {}, False),
        ([], {"RUST_MCP_ENGINE": "off"}, True),
        ([], {"RUST_MCP_ENGINE": "auto"}, False),
    ],
)
def test_which_command_lines_stay_in_process(argv: list[str], env: dict[str, str], in_process: bool) -> None:
    assert wants_in_process(argv, env) is in_process


def test_a_handshake_of_another_build_is_refused_naming_both() -> None:
    identity = build_identity()
    line = session_request({**identity, "fingerprint": "f" * 16}, "cargo", [], "/tmp")
    with pytest.raises(HandshakeRefused, match="only uses an engine of its own build and environment"):
        parse_request(line, identity)


@pytest.mark.parametrize(
    ("server", "cwd", "reason"),
    [("gcc", "/tmp", "not one of cargo, rust-analyzer"), ("cargo", "relative", "must be an absolute path")],
)
def test_a_bad_handshake_is_refused_by_its_reason(server: str, cwd: str, reason: str) -> None:
    identity = build_identity()
    with pytest.raises(HandshakeRefused, match=reason):
        parse_request(session_request(identity, server, [], cwd), identity)


def test_relative_roots_and_the_default_root_come_from_the_fronts_cwd(tmp_path: Path) -> None:
    from rust_mcp.core.roots import AllowedRoots

    (tmp_path / "crate").mkdir()
    assert AllowedRoots.from_strings(["crate"], cwd=tmp_path).paths == ((tmp_path / "crate").resolve(),)
    assert AllowedRoots.from_strings([], cwd=tmp_path / "crate").default == (tmp_path / "crate").resolve()


def test_a_handshake_from_another_environment_is_refused() -> None:
    identity = build_identity()
    ours = handshake_identity(identity, relevant_environment(CODEX_ENV))
    theirs = handshake_identity(identity, relevant_environment({**CODEX_ENV, "PATH": "/opt/bin"}))
    assert parse_request(session_request(ours, "cargo", [], "/tmp"), ours)["server"] == "cargo"
    with pytest.raises(HandshakeRefused, match="own build and environment"):
        parse_request(session_request(theirs, "cargo", [], "/tmp"), ours)


def test_the_engine_bounds_its_rust_analyzers_memory_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from rust_mcp.engine.__main__ import MEMORY_ENV, _parser, default_memory_mb

    monkeypatch.delenv(MEMORY_ENV, raising=False)
    half = default_memory_mb()
    assert 256 < half < 10**7  # half of this machine's MemTotal, in MB
    assert _parser().parse_args(["serve"]).max_memory_mb == half
    monkeypatch.setenv(MEMORY_ENV, "3000")
    assert _parser().parse_args(["serve"]).max_memory_mb == 3000
