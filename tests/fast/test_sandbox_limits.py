"""The sandbox's guards, fast: the seccomp program run through a small BPF interpreter (what it
answers for each system call and ABI), the limits' defaults and flags, the bubblewrap command line
per kind of run, and the note that names a limit a run hit."""

from __future__ import annotations

import socket
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from cargo_mcp.cli import _parser as cargo_parser
from cargo_mcp.run.launch import run_kind
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from ra_mcp.cli import _parser as analyzer_parser
from rust_mcp.core import sandbox_limits, seccomp
from rust_mcp.core.sandbox import Confinement, SandboxState, sandboxed
from rust_mcp.core.sandbox_limits import (
    GIB,
    MIB,
    LimitChoice,
    SandboxLimits,
    default_limits,
    limit_notes,
    parse_size,
)
from rust_mcp.core.unix_sockets import find_sockets
from rust_mcp.mcp.containment_arguments import limit_choice

ALLOW = seccomp.RET_ALLOW
REFUSED = seccomp.RET_ERRNO | seccomp.EACCES
X86_64, I386 = 0xC000003E, 0x40000003
AARCH64, ARM = 0xC00000B7, 0x40000028


def run_filter(program: bytes, nr: int, arch: int, arg0: int = 0) -> int:
    """What the kernel would answer: the four instructions the filter uses, interpreted."""
    data = struct.pack("=IIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    code = [struct.unpack_from("=HBBI", program, offset) for offset in range(0, len(program), 8)]
    accumulator, pc = 0, 0
    for _ in range(len(code)):
        op, jt, jf, k = code[pc]
        if op == 0x20:
            accumulator = struct.unpack_from("=I", data, k)[0]
            pc += 1
        elif op in (0x15, 0x35):
            taken = accumulator == k if op == 0x15 else accumulator >= k
            pc += 1 + (jt if taken else jf)
        elif op == 0x06:
            return int(k)
        else:
            raise AssertionError(f"unexpected instruction {op:#x}")
    raise AssertionError("the filter ran off its end")


@pytest.mark.parametrize(
    ("machine", "arch", "nr", "arg0", "answer"),
    [
        ("x86_64", X86_64, 41, 1, REFUSED),  # socket(AF_UNIX)
        ("x86_64", X86_64, 41, 2, ALLOW),  # socket(AF_INET)
        ("x86_64", X86_64, 41, 10, ALLOW),  # socket(AF_INET6)
        ("x86_64", X86_64, 41, 0x1_0000_0001, REFUSED),  # only the int's low 32 bits count
        ("x86_64", X86_64, 53, 1, ALLOW),  # socketpair(AF_UNIX): the sandbox's own pairs
        ("x86_64", X86_64, 42, 0, ALLOW),  # connect (on what socket() allowed)
        ("x86_64", X86_64, 425, 0, REFUSED),  # io_uring_setup (IORING_OP_SOCKET)
        ("x86_64", X86_64, 0x40000000 + 41, 2, REFUSED),  # the x32 ABI
        ("x86_64", I386, 359, 1, REFUSED),  # 32-bit socket(AF_UNIX)
        ("x86_64", I386, 359, 2, ALLOW),
        ("x86_64", I386, 102, 1, REFUSED),  # socketcall: its arguments are behind a pointer
        ("x86_64", 0x12345678, 0, 0, seccomp.RET_ERRNO | seccomp.EPERM),  # an ABI it does not know
        ("aarch64", AARCH64, 198, 1, REFUSED),
        ("aarch64", AARCH64, 198, 2, ALLOW),
        ("aarch64", AARCH64, 199, 1, ALLOW),  # socketpair
        ("aarch64", ARM, 281, 1, REFUSED),
        ("aarch64", AARCH64, 425, 0, REFUSED),
    ],
)
def test_the_filter_refuses_unix_sockets_and_the_ways_around_it(
    machine: str, arch: int, nr: int, arg0: int, answer: int
) -> None:
    assert run_filter(seccomp.no_unix_sockets(machine), nr, arch, arg0) == answer


def test_defaults_are_far_above_real_work_and_flags_change_them() -> None:
    analyzer, build = default_limits("analyzer"), default_limits("build")
    assert analyzer.memory is not None and analyzer.memory >= 8 * GIB  # 10 GB on 100 crates
    assert build.memory is not None and build.memory >= 4 * GIB
    assert build.processes is not None and build.processes >= 4096
    assert build.tmp == GIB
    choice = limit_choice(
        cargo_parser().parse_args(["serve", "--sandbox-memory", "1.5G", "--sandbox-tmp-size", "0"])
    )
    assert choice == LimitChoice(processes=None, memory=3 * GIB // 2, tmp=0)
    chosen = choice.for_run("project")
    assert chosen.memory == 3 * GIB // 2 and chosen.tmp is None and chosen.processes == build.processes
    args = analyzer_parser().parse_args(["--sandbox-processes", "300", "--sandbox-memory", "512M"])
    assert limit_choice(args).for_run("analyzer") == SandboxLimits(300, 512 * MIB, GIB)
    with pytest.raises(SystemExit):
        cargo_parser().parse_args(["serve", "--sandbox-memory", "lots"])
    assert parse_size("64MiB") == 64 * MIB and parse_size("off") == 0


def test_tests_benches_and_runs_keep_unix_sockets_builds_do_not() -> None:
    kinds = {name: run_kind(COMMANDS_BY_NAME[name]) for name in COMMANDS_BY_NAME}
    project = {name for name, kind in kinds.items() if kind == "project"}
    assert project == {"cargo_test", "cargo_bench", "cargo_run", "cargo_nextest"}


@pytest.mark.parametrize("as_root", [False, True])
def test_the_command_line_carries_the_limits_and_the_socket_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_root: bool
) -> None:
    group = tmp_path / "cgroup" / "cgroup.procs"
    monkeypatch.setattr(sandbox_limits, "running_as_root", lambda: as_root)
    monkeypatch.setattr(sandbox_limits, "new_pid_group", lambda processes: group)
    state = SandboxState("auto", bwrap="/usr/bin/bwrap")
    limits = SandboxLimits(processes=300, memory=GIB, tmp=64 * MIB)
    agent = tmp_path / "agent.sock"
    base = Confinement(cwd=tmp_path, env={}, readable=(tmp_path,), limits=limits)
    for confinement, filtered in (
        (base, True),
        (replace(base, refuse_unix_sockets=False, masked_sockets=(agent,)), False),
    ):
        command = sandboxed(state, confinement, ["cargo", "test"])
        try:
            argv = command.argv
            tmp = argv.index("/tmp", argv.index("--tmpfs"))
            assert argv[tmp - 3 : tmp] == ["--size", str(64 << 20), "--tmpfs"]
            tail = argv[argv.index("--") + 1 :]
            if as_root:  # RLIMIT_NPROC does not bind root: a pids cgroup, entered before bubblewrap
                script = f'echo $$ > "$0" && ulimit -d {GIB // 1024} && exec "$@"'
                assert argv[:5] == ["/bin/sh", "-c", script, str(group), "/usr/bin/bwrap"]
                assert tail == ["cargo", "test"]
            else:  # set inside the sandbox's user namespace, which RLIMIT_NPROC counts
                assert argv[0] == "/usr/bin/bwrap" and tail[0].endswith("prlimit")
                assert tail[1:] == ["--nproc=300", f"--data={GIB}", "--", "cargo", "test"]
            assert ("--add-seccomp-fd" in argv) is filtered
            masked = ["--ro-bind-try", "/dev/null", str(agent)]
            assert any(argv[i : i + 3] == masked for i in range(len(argv))) is not filtered
        finally:
            command.close()


@pytest.mark.parametrize(
    ("output", "flag"),
    [
        ("memory allocation of 3221225472 bytes failed\nerror: test failed", "--sandbox-memory"),
        (
            "thread 'main' panicked: failed to spawn thread: Os { code: 11, kind: WouldBlock }",
            "--sandbox-processes",
        ),
        (
            'Error: Os { code: 28, kind: StorageFull, message: "No space left on device" }',
            "--sandbox-tmp-size",
        ),
    ],
)
def test_a_limit_hit_is_named_with_its_flag(output: str, flag: str) -> None:
    limits = SandboxLimits(processes=300, memory=GIB, tmp=64 * MIB)
    notes = limit_notes(output, limits)
    assert len(notes) == 1 and flag in notes[0]
    assert limit_notes("error[E0308]: mismatched types", limits) == []
    assert limit_notes(output, None) == []


def test_the_socket_walk_finds_sockets_not_links_and_stops_at_its_bound(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(tmp_path / "a" / "b" / "s.sock"))
    try:
        (tmp_path / "link.sock").symlink_to(tmp_path / "a" / "b" / "s.sock")
        (tmp_path / "linked-dir").symlink_to(tmp_path / "a")
        for index in range(30):
            (tmp_path / f"file-{index}").write_text("")
        scan = find_sockets([tmp_path, tmp_path / "a"])
        assert scan.complete and scan.sockets == (tmp_path / "a" / "b" / "s.sock",)
        assert scan.entries == 35  # each directory once, links not followed
        assert not find_sockets([tmp_path], max_entries=10).complete
    finally:
        listening.close()
