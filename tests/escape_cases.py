"""The escape table: path, toolchain, environment and argument-injection attempts against every cargo
tool and every rust-analyzer tool that takes a file or a workspace. None may reach a process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cargo_mcp.commands import COMMANDS


@dataclass(frozen=True)
class Escape:
    server: str  # "cargo" or "rust-analyzer"
    tool: str
    arguments: dict[str, Any]
    kind: str  # path, toolchain, env, argument


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
        Escape("cargo", c.name, {"path": p, **_required(c.name)}, "path")
        for c in COMMANDS
        for p in path_escapes(root, outside)
    ]
    cases.append(Escape("cargo", "set_working_directory", {"path": str(outside)}, "path"))
    for toolchain in (
        "stable --config=build.rustc=sh",
        "+nightly",
        "../x",
        "a/b",
        "-Zfoo",
        "stable;id",
        "$(id)",
    ):
        cases.append(Escape("cargo", "cargo_check", {"path": project, "toolchain": toolchain}, "toolchain"))
    env = {
        "RUSTC_WRAPPER": "/bin/sh",
        "RUSTC": "/bin/sh",
        "RUSTC_WORKSPACE_WRAPPER": "sh",
        "RUSTC_BOOTSTRAP": "1",
        "CARGO_BUILD_RUSTC_WRAPPER": "sh",
        "CARGO_BUILD_RUSTC": "sh",
        "RUSTDOC": "sh",
        "RUSTDOCFLAGS": "-Z x",
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
        Escape("cargo", "cargo_check", {"path": project, "cargo_env": {k: v}}, "env") for k, v in env.items()
    ]
    for flags in (
        "-C linker=/bin/sh",
        "-Clinker=/bin/sh",
        "-C link-arg=/tmp/x.o",
        "-Ccodegen-backend=/tmp/x.so",
        "--extern evil=/tmp/libevil.rlib",
        "--sysroot=/tmp",
        "@/tmp/flags",
        "-Zunpretty=expanded",
    ):
        cases.append(
            Escape("cargo", "cargo_build", {"path": project, "cargo_env": {"RUSTFLAGS": flags}}, "env")
        )
    cases.append(
        Escape(
            "cargo",
            "cargo_build",
            {"path": project, "cargo_env": {"CARGO_ENCODED_RUSTFLAGS": "-C\x1flinker=/bin/sh"}},
            "env",
        )
    )
    for target_dir in ("/", "/tmp", "..", ".", str(root), "/etc/cargo-target"):
        cases.append(
            Escape(
                "cargo",
                "cargo_clean",
                {"path": project, "cargo_env": {"CARGO_TARGET_DIR": target_dir}},
                "env",
            )
        )
    arguments: list[tuple[str, dict[str, Any]]] = [
        ("cargo_check", {"package": "--config=build.rustc-wrapper=sh"}),
        ("cargo_check", {"package": "-Zunstable-options"}),
        ("cargo_check", {"features": ["ok", "-Zbuild-std"]}),
        ("cargo_check", {"features": "a --config=x"}),
        ("cargo_check", {"target": "--config=x"}),
        ("cargo_check", {"target": "../../evil.json"}),
        ("cargo_check", {"targets": ["x86_64-unknown-linux-gnu", "-Zfoo"]}),
        ("cargo_test", {"test_name": "--logfile=/tmp/pwned"}),
        ("cargo_test", {"test_target": "--config"}),
        ("cargo_test", {"args": ["--logfile", "/tmp/pwned"]}),
        ("cargo_test", {"args": ["-Zunstable-options", "--format=json"]}),
        ("cargo_test", {"args": ["--format", "json"]}),
        ("cargo_bench", {"bench_name": "-Zx"}),
        ("cargo_bench", {"baseline": "--help"}),
        ("cargo_run", {"bin": "--config=x"}),
        ("cargo_run", {"example": "-x"}),
        ("cargo_add", {"dependencies": ["--git=https://example.com/x"]}),
        ("cargo_add", {"dependencies": ["serde", "--registry=evil"]}),
        ("cargo_add", {"dependencies": ["serde"], "features": ["--config"]}),
        ("cargo_remove", {"dependencies": ["-Zfoo"]}),
        ("cargo_update", {"dependencies": ["--precise"]}),
        ("cargo_update", {"dependencies": ["itoa"], "precise": "-1"}),
        ("cargo_tree", {"invert": "-e"}),
        ("cargo_tree", {"edges": ["normal", "--config"]}),
        ("cargo_clippy", {"warn": ["-Dwarnings"]}),
        ("cargo_clippy", {"deny": ["--cap-lints=allow"]}),
        ("cargo_clippy", {"allow": ["clippy::foo bar"]}),
        ("cargo_clippy", {"fix": True}),
    ]
    cases += [
        Escape("cargo", tool, {"path": project, **_required(tool), **extra}, "argument")
        for tool, extra in arguments
    ]
    return cases


def _required(tool: str) -> dict[str, Any]:
    return {"dependencies": ["itoa"]} if tool in ("cargo_add", "cargo_remove") else {}


RA_FILE_TOOLS = (
    "rust_analyzer_symbols",
    "rust_analyzer_definition",
    "rust_analyzer_references",
    "rust_analyzer_hover",
    "rust_analyzer_completion",
    "rust_analyzer_format",
    "rust_analyzer_code_actions",
    "rust_analyzer_diagnostics",
    "rust_analyzer_rename",
    "rust_analyzer_implementations",
    "rust_analyzer_type_definition",
    "rust_analyzer_call_hierarchy",
    "rust_analyzer_expand_macro",
    "rust_analyzer_runnables",
    "rust_analyzer_related_tests",
    "rust_analyzer_apply_code_action",
)
RA_WORKSPACE_TOOLS = (
    "rust_analyzer_workspace_symbol",
    "rust_analyzer_workspace_diagnostics",
    "rust_analyzer_unsafe_audit",
    "rust_analyzer_ssr",
)


def _ra_extra(tool: str) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if tool not in (
        "rust_analyzer_symbols",
        "rust_analyzer_format",
        "rust_analyzer_diagnostics",
        "rust_analyzer_runnables",
    ):
        extra.update(line=1, column=1)
    if tool == "rust_analyzer_rename":
        extra["new_name"] = "fine"
    if tool == "rust_analyzer_apply_code_action":
        extra["index"] = 0
    if tool == "rust_analyzer_workspace_symbol":
        extra["query"] = "main"
    if tool == "rust_analyzer_ssr":
        extra["rule"] = "foo($a) ==>> bar($a)"
    return extra


def analyzer_cases(root: Path, outside: Path) -> list[Escape]:
    files = [
        str(outside / "evil.rs"),
        "/etc/passwd",
        "../../outside.rs",
        f"file://{outside}/evil.rs",
        "file://evil.example/x.rs",
        str(root / "hello_bin/src/main.rs") + "\x00.rs",
        str(root / "scratch" / "escape" / "evil.rs"),
        "/proc/self/root/etc/x.rs",
    ]
    cases = [
        Escape("rust-analyzer", tool, {"file_path": f, **_ra_extra(tool)}, "path")
        for tool in RA_FILE_TOOLS
        for f in files
    ]
    places = [str(outside), "..", f"file://{outside}", str(root / "scratch" / "escape"), "/"]
    cases += [
        Escape("rust-analyzer", tool, {"workspace": w, **_ra_extra(tool)}, "path")
        for tool in RA_WORKSPACE_TOOLS
        for w in places
    ]
    cases += [
        Escape("rust-analyzer", "rust_analyzer_set_workspace", {"workspace_path": w}, "path") for w in places
    ]
    cases.append(
        Escape(
            "rust-analyzer",
            "rust_analyzer_ssr",
            {"rule": "a ==>> b", "file_path": str(outside / "x.rs")},
            "path",
        )
    )
    return cases
