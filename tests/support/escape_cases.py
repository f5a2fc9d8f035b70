"""The escape table: path, toolchain, environment and argument-injection attempts against every cargo
tool and every rust-analyzer tool that takes a file or a workspace. None may reach a process, and each
is refused for its own reason (what the refusal must say)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cargo_mcp.table.command import ALL_PARAMS
from cargo_mcp.table.parameters import REQUIRED
from cargo_mcp.table.rows import COMMANDS, COMMANDS_BY_NAME


@dataclass(frozen=True)
class Escape:
    server: str  # "cargo" or "rust-analyzer"
    tool: str
    arguments: dict[str, Any]
    kind: str  # path, toolchain, env, argument
    reason: str  # a part of the refusal that says why this value is refused


def path_reason(value: str) -> str:
    if "\x00" in value:
        return "contains a NUL byte"
    if "evil.example" in value:
        return "names host 'evil.example'"
    return "outside the allowed roots"


def path_escapes(root: Path, outside: Path) -> list[str]:
    """Ways to name a place outside the roots: traversal, absolute, a symlink out, URIs, NUL, home."""
    return [
        "..",
        "../..",
        str(root / "hello_bin" / ".." / ".."),
        str(outside),
        str(root / "scratch" / "escape"),
        f"file://{outside}",
        f"file://localhost{outside}",
        "file://evil.example/etc",
        str(root / "hello_bin") + "\x00/etc",
        "~",
        "/proc/self/root/etc",
    ]


def cargo_cases(root: Path, outside: Path) -> list[Escape]:
    project = str(root / "hello_bin")
    cases = [
        Escape("cargo", c.name, {"path": p, **_required(c.name)}, "path", path_reason(p))
        for c in COMMANDS
        for p in path_escapes(root, outside)
    ]
    cases.append(
        Escape("cargo", "set_working_directory", {"path": str(outside)}, "path", "outside the allowed roots")
    )
    for toolchain in (
        "stable --config=build.rustc=sh",
        "+nightly",
        "../x",
        "a/b",
        "-Zfoo",
        "stable;id",
        "$(id)",
    ):
        refusal = f"toolchain {toolchain!r} is not a toolchain name"
        cases.append(
            Escape("cargo", "cargo_check", {"path": project, "toolchain": toolchain}, "toolchain", refusal)
        )
    env = {
        "RUSTC_WRAPPER": "/bin/sh",
        "RUSTC": "/bin/sh",
        "RUSTC_WORKSPACE_WRAPPER": "sh",
        "RUSTC_BOOTSTRAP": "1",
        "CARGO_BUILD_RUSTC_WRAPPER": "sh",
        "CARGO_BUILD_RUSTC": "sh",
        "RUSTDOC": "sh",
        "LD_PRELOAD": "/tmp/x.so",
        "LD_LIBRARY_PATH": "/tmp",
        "DYLD_INSERT_LIBRARIES": "/tmp/x",
        "GCONV_PATH": "/tmp",
        "CARGO_HOME": "/tmp/ch",
        "CARGO": "/bin/sh",
        "PATH": "/tmp",
        "HOME": "/tmp",
        "RUSTUP_TOOLCHAIN": "nightly",
        "RUSTUP_HOME": "/tmp",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER": "sh",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER": "/bin/sh",
        "CARGO_HOST_LINKER": "sh",
        "CARGO_UNSTABLE_BUILD_STD": "std",
        "CARGO_REGISTRY_CREDENTIAL_PROVIDER": "sh",
        "CC": "sh",
        "CXX": "sh",
        "TARGET_CC": "sh",
        "BASH_ENV": "/tmp/x",
        "ENV": "/tmp/x",
        "GIT_SSH_COMMAND": "sh",
        "SSH_ASKPASS": "sh",
        "PYTHONPATH": "/tmp",
        "NODE_OPTIONS": "--require /tmp/x",
        "CARGO_MCP_DEFAULT_TOOLCHAIN": "nightly",
        "A=B": "1",
        "": "x",
        "1ABC": "x",
        "A B": "x",
    }
    cases += [
        Escape("cargo", "cargo_check", {"path": project, "cargo_env": {k: v}}, "env", _env_reason(k))
        for k, v in env.items()
    ]
    for flags, refusal in (
        ("-C linker=/bin/sh", "`-C linker` is not an allowed codegen option"),
        ("-Clinker=/bin/sh", "`-C linker` is not an allowed codegen option"),
        ("-C link-arg=/tmp/x.o", "`-C link-arg` is not an allowed codegen option"),
        ("-Ccodegen-backend=/tmp/x.so", "`-C codegen-backend` is not an allowed codegen option"),
        ("--extern evil=/tmp/libevil.rlib", "RUSTFLAGS passes `--extern`"),
        ("--sysroot=/tmp", "RUSTFLAGS passes `--sysroot=/tmp`"),
        ("@/tmp/flags", "RUSTFLAGS passes `@/tmp/flags`: not an allowed rustc flag"),
        ("-Zunpretty=expanded", "RUSTFLAGS passes `-Zunpretty=expanded`"),
    ):
        cases.append(
            Escape(
                "cargo", "cargo_build", {"path": project, "cargo_env": {"RUSTFLAGS": flags}}, "env", refusal
            )
        )
    cases.append(
        Escape(
            "cargo",
            "cargo_check",
            {"path": project, "cargo_env": {"RUSTDOCFLAGS": "-Z x"}},
            "env",
            "RUSTDOCFLAGS passes `-Z`: not an allowed rustc flag",
        )
    )
    cases.append(
        Escape(
            "cargo",
            "cargo_build",
            {"path": project, "cargo_env": {"CARGO_ENCODED_RUSTFLAGS": "-C\x1flinker=/bin/sh"}},
            "env",
            "`-C linker` is not an allowed codegen option",
        )
    )
    for target_dir in ("/", "/tmp", "..", ".", str(root), "/etc/cargo-target"):
        cases.append(
            Escape(
                "cargo",
                "cargo_clean",
                {"path": project, "cargo_env": {"CARGO_TARGET_DIR": target_dir}},
                "env",
                f"CARGO_TARGET_DIR={target_dir!r} resolves to",
            )
        )
    flag = "starts with '-', so cargo would read it as a flag"
    arguments: list[tuple[str, dict[str, Any], str]] = [
        (
            "cargo_check",
            {"package": "--config=build.rustc-wrapper=sh"},
            f"package '--config=build.rustc-wrapper=sh' {flag}",
        ),
        ("cargo_check", {"package": "-Zunstable-options"}, f"package '-Zunstable-options' {flag}"),
        ("cargo_check", {"features": ["ok", "-Zbuild-std"]}, f"feature '-Zbuild-std' {flag}"),
        ("cargo_check", {"features": "a --config=x"}, f"feature '--config=x' {flag}"),
        ("cargo_check", {"target": "--config=x"}, f"target '--config=x' {flag}"),
        ("cargo_check", {"target": "../../evil.json"}, "target '../../evil.json' is not valid"),
        ("cargo_check", {"targets": ["x86_64-unknown-linux-gnu", "-Zfoo"]}, f"target '-Zfoo' {flag}"),
        ("cargo_test", {"test_name": "--logfile=/tmp/pwned"}, f"test_name '--logfile=/tmp/pwned' {flag}"),
        ("cargo_test", {"test_target": "--config"}, f"test_target '--config' {flag}"),
        ("cargo_test", {"args": ["--logfile", "/tmp/pwned"]}, "test argument '--logfile' is not allowed"),
        (
            "cargo_test",
            {"args": ["-Zunstable-options", "--format=json"]},
            "test argument '-Zunstable-options' is not allowed",
        ),
        ("cargo_test", {"args": ["--format", "json"]}, "value 'json' for --format is not allowed"),
        ("cargo_bench", {"bench_name": "-Zx"}, f"bench_name '-Zx' {flag}"),
        ("cargo_bench", {"baseline": "--help"}, f"baseline '--help' {flag}"),
        ("cargo_run", {"bin": "--config=x"}, f"bin '--config=x' {flag}"),
        ("cargo_run", {"example": "-x"}, f"example '-x' {flag}"),
        (
            "cargo_add",
            {"dependencies": ["--git=https://example.com/x"]},
            f"dependency '--git=https://example.com/x' {flag}",
        ),
        ("cargo_add", {"dependencies": ["serde", "--registry=evil"]}, f"dependency '--registry=evil' {flag}"),
        ("cargo_add", {"dependencies": ["serde"], "features": ["--config"]}, f"feature '--config' {flag}"),
        ("cargo_remove", {"dependencies": ["-Zfoo"]}, f"dependency '-Zfoo' {flag}"),
        ("cargo_update", {"dependencies": ["--precise"]}, f"package '--precise' {flag}"),
        ("cargo_update", {"dependencies": ["itoa"], "precise": "-1"}, f"precise '-1' {flag}"),
        ("cargo_tree", {"invert": "-e"}, f"package '-e' {flag}"),
        ("cargo_tree", {"edges": ["normal", "--config"]}, f"edge kind '--config' {flag}"),
        ("cargo_clippy", {"warn": ["-Dwarnings"]}, f"warn lint '-Dwarnings' {flag}"),
        ("cargo_clippy", {"deny": ["--cap-lints=allow"]}, f"deny lint '--cap-lints=allow' {flag}"),
        ("cargo_clippy", {"allow": ["clippy::foo bar"]}, "allow lint 'clippy::foo bar' is not valid"),
        ("cargo_clippy", {"fix": True}, "cargo_clippy does not change files, so `fix` is not supported here"),
    ]
    cases += [
        Escape("cargo", tool, {"path": project, **_required(tool), **extra}, "argument", refusal)
        for tool, extra, refusal in arguments
    ]
    return cases


def _env_reason(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return f"environment variable {name} is refused"
    return f"environment name {name!r} is not a valid name"


# a valid value for each required parameter, so that a case is refused for its own reason
REQUIRED_VALUES: dict[str, Any] = {
    "dependencies": ["itoa"],
    "snapshots": ["tests/snapshots/api__greeting.snap"],
}


def _required(tool: str) -> dict[str, Any]:
    command = COMMANDS_BY_NAME[tool]
    names = [ALL_PARAMS[key].name for key in command.params if ALL_PARAMS[key].default is REQUIRED]
    return {name: REQUIRED_VALUES[name] for name in names}
