"""A seccomp filter, assembled here, that refuses to create unix sockets: bubblewrap loads it
(`--add-seccomp-fd`) into sandboxes whose code never needs one (rust-analyzer and its proc macros,
cargo check, clippy, build, doc, metadata, fetch: build scripts and proc macros).

A unix socket bound inside the roots (an agent's, a desktop's, our engine's) is reachable from the
sandbox through the read-only bind of the roots: `connect()` needs no write permission. Landlock's
right for pathname sockets is newer than the kernels we run on, and seccomp cannot read the path a
`connect()` names, so the filter refuses the socket itself: `socket(AF_UNIX, ...)` fails with
EACCES. `socketpair()` (connected pairs between the sandbox's own processes) keeps working, and
abstract sockets are private to the sandbox's own network namespace anyway.

Ways around the check are closed too: io_uring (whose IORING_OP_SOCKET creates sockets without the
`socket` system call) is refused, as are the x32 ABI on x86_64 and `socketcall` (whose arguments
sit behind a pointer the filter cannot read) for 32-bit programs.
"""

from __future__ import annotations

import platform
import struct
from dataclasses import dataclass

# struct seccomp_data: nr (u32), arch (u32), instruction_pointer (u64), args[6] (u64 each)
_NR, _ARCH, _ARG0 = 0, 4, 16
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET = 0x06  # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
EACCES = 13
EPERM = 1
AF_UNIX = 1
X32_BIT = 0x40000000
IO_URING_SETUP = 425  # the same number on every architecture below


@dataclass(frozen=True)
class Abi:
    """One system-call ABI a process of this machine may use."""

    audit_arch: int
    socket: int
    socketcall: int | None = None  # the multiplexer of 32-bit x86 (its arguments are not readable)
    x32: bool = False  # x86_64's audit arch also carries the x32 ABI (numbers with bit 30 set)


# the native ABI first, then the compat one the kernel also runs
ABIS = {
    "x86_64": (Abi(0xC000003E, 41, x32=True), Abi(0x40000003, 359, socketcall=102)),
    "aarch64": (Abi(0xC00000B7, 198), Abi(0x40000028, 281)),
}


def supported() -> bool:
    return platform.machine() in ABIS


class _Program:
    """Instructions with labels, resolved into relative jumps when assembled."""

    def __init__(self) -> None:
        self.code: list[tuple[int, str | int, str | int, int]] = []
        self.labels: dict[str, int] = {}

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def load(self, offset: int) -> None:
        self.code.append((_LD_W_ABS, 0, 0, offset))

    def jump(self, op: int, value: int, if_true: str | int, if_false: str | int = 0) -> None:
        self.code.append((op, if_true, if_false, value))

    def ret(self, value: int) -> None:
        self.code.append((_RET, 0, 0, value))

    def assemble(self) -> bytes:
        out = b""
        for index, (op, jt, jf, k) in enumerate(self.code):
            out += struct.pack("=HBBI", op, self._offset(index, jt), self._offset(index, jf), k)
        return out

    def _offset(self, index: int, target: str | int) -> int:
        if isinstance(target, int):
            return target
        distance = self.labels[target] - index - 1
        if not 0 <= distance <= 255:
            raise ValueError(f"seccomp jump to {target} out of range ({distance})")
        return distance


def no_unix_sockets(machine: str | None = None) -> bytes:
    """The filter program (an array of struct sock_filter) for this machine's ABIs. A process of an
    ABI the filter does not know is refused every system call (EPERM)."""
    abis = ABIS[machine or platform.machine()]
    program = _Program()
    refuse = RET_ERRNO | EACCES
    program.load(_ARCH)
    for index, abi in enumerate(abis):
        program.jump(_JEQ, abi.audit_arch, f"abi{index}")
    program.ret(RET_ERRNO | EPERM)
    for index, abi in enumerate(abis):
        program.label(f"abi{index}")
        program.load(_NR)
        if abi.x32:
            program.jump(_JGE, X32_BIT, "refuse")
        if abi.socketcall is not None:
            program.jump(_JEQ, abi.socketcall, "refuse")
        program.jump(_JEQ, IO_URING_SETUP, "refuse")
        program.jump(_JEQ, abi.socket, "domain")
        program.ret(RET_ALLOW)
    program.label("domain")
    program.load(_ARG0)  # the low 32 bits of `domain` (an int)
    program.jump(_JEQ, AF_UNIX, "refuse")
    program.ret(RET_ALLOW)
    program.label("refuse")
    program.ret(refuse)
    return program.assemble()
