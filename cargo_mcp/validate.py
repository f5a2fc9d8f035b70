"""Checks on every value a model passes to a cargo tool, before anything runs.

Each check raises `Refusal` with a message that names the bad value and what is allowed; none
of them touches the file system except the target-directory check, which resolves a path.
"""

from __future__ import annotations

import fnmatch
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots

MAX_NAME = 200
MAX_ENV_VALUE = 32 * 1024
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

PACKAGE_SPEC = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@+#/=~^*-]*")
CRATE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
DEPENDENCY_SPEC = re.compile(
    r"(?P<name>[A-Za-z0-9_][A-Za-z0-9_-]*)(?:@(?P<version>[A-Za-z0-9.^~=<>*, +-]+))?"
)
FEATURE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_+./-]*")
DEPENDENCY_TARGET = re.compile(r"[a-z0-9_][A-Za-z0-9_.-]*|cfg\([A-Za-z0-9_ ,=\"().-]{1,200}\)")
TARGET_TRIPLE = re.compile(r"[a-z0-9_][A-Za-z0-9_.-]*")
LINT_NAME = re.compile(r"(?:(?:clippy|rustdoc)::)?[a-z][a-z0-9_]*")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
EDGE_KIND = re.compile(r"(?:no-)?(?:normal|build|dev)|features|all")
PARTITION = re.compile(r"(?:count|hash|slice):(?P<shard>[1-9][0-9]{0,3})/(?P<total>[1-9][0-9]{0,3})")
MAX_RETRIES = 20


def _check_plain(kind: str, value: str) -> None:
    if not isinstance(value, str) or value == "":
        raise Refusal(f"{kind} is empty")
    if len(value) > MAX_NAME:
        raise Refusal(f"{kind} {value[:40]!r}... is {len(value)} characters; the limit is {MAX_NAME}")
    if value.startswith("-"):
        raise Refusal(f"{kind} {value!r} starts with '-', so cargo would read it as a flag; pass a name")
    if CONTROL.search(value):
        raise Refusal(f"{kind} {value!r} contains control characters")


def check_name(kind: str, value: str, pattern: re.Pattern[str], expected: str) -> str:
    _check_plain(kind, value)
    if not pattern.fullmatch(value):
        raise Refusal(f"{kind} {value!r} is not valid: expected {expected}")
    return value


def check_package(value: str) -> str:
    return check_name(
        "package", value, PACKAGE_SPEC, "a package name or spec such as `serde` or `serde@1.0.200`"
    )


def check_target_name(kind: str, value: str) -> str:
    return check_name(kind, value, CRATE_NAME, "a target name made of letters, digits, '_' and '-'")


def check_filter(kind: str, value: str) -> str:
    """Test and bench name filters are substrings of test paths; any printable text that is not a flag."""
    _check_plain(kind, value)
    return value


def check_target_triple(value: str) -> str:
    return check_name("target", value, TARGET_TRIPLE, "a target triple such as `x86_64-unknown-linux-gnu`")


def check_dependency_target(value: str) -> str:
    """Where a dependency applies: a target triple, or a `cfg(...)` expression as Cargo.toml writes
    it (`[target.'cfg(unix)'.dependencies]`)."""
    return check_name(
        "target",
        value,
        DEPENDENCY_TARGET,
        "a target triple such as `x86_64-unknown-linux-gnu` or a cfg expression such as `cfg(unix)`",
    )


def check_dependency(value: str) -> str:
    return check_name(
        "dependency",
        value,
        DEPENDENCY_SPEC,
        "a crate name with an optional version, e.g. `serde` or `serde@1.0`",
    )


def check_features(value: Sequence[str] | str) -> list[str]:
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    for item in items:
        check_name("feature", item, FEATURE_NAME, "a feature name such as `derive` or `serde/derive`")
    return items


def check_lints(level: str, names: Iterable[str]) -> list[str]:
    checked = []
    for name in names:
        check_name(
            f"{level} lint",
            name,
            LINT_NAME,
            "a rustc or clippy lint or group, e.g. `unsafe_op_in_unsafe_fn`, "
            "`clippy::undocumented_unsafe_blocks`, `clippy::pedantic` or `warnings`",
        )
        checked.append(name)
    return checked


def check_partition(value: str) -> str:
    match = PARTITION.fullmatch(value) if isinstance(value, str) else None
    if match is None or not 1 <= int(match["shard"]) <= int(match["total"]):
        raise Refusal(
            f"partition {value!r} is not valid: expected count:K/N, hash:K/N or slice:K/N with 1 <= K <= N"
        )
    return value


def check_retries(value: int) -> str:
    if not 0 <= value <= MAX_RETRIES:
        raise Refusal(f"retries {value} is out of range: 0 to {MAX_RETRIES}")
    return str(value)


def check_program_args(args: Sequence[str]) -> list[str]:
    """Arguments for the user's own program (cargo_run): anything but NUL bytes."""
    for arg in args:
        if "\x00" in arg:
            raise Refusal(f"argument {arg!r} contains a NUL byte")
    return list(args)


# libtest options a test run may take after `--`. Anything else is refused: `--logfile` writes
# wherever it is told, and `-Z` unlocks unstable behaviour.
LIBTEST_FLAGS = frozenset(
    {
        "--nocapture",
        "--no-capture",
        "--include-ignored",
        "--ignored",
        "--exact",
        "--show-output",
        "--quiet",
        "-q",
        "--list",
        "--test",
        "--bench",
    }
)
LIBTEST_VALUED: dict[str, re.Pattern[str]] = {
    "--test-threads": re.compile(r"[1-9][0-9]{0,3}"),
    "--skip": re.compile(r"[^-\x00-\x1f][^\x00-\x1f]*"),
    "--color": re.compile(r"auto|always|never"),
    "--format": re.compile(r"pretty|terse"),
}


def check_test_args(args: Sequence[str]) -> list[str]:
    checked: list[str] = []
    pending: str | None = None
    for arg in args:
        if "\x00" in arg:
            raise Refusal(f"test argument {arg!r} contains a NUL byte")
        if pending is not None:
            if not LIBTEST_VALUED[pending].fullmatch(arg):
                raise Refusal(f"value {arg!r} for {pending} is not allowed")
            checked.append(arg)
            pending = None
            continue
        if not arg.startswith("-"):
            checked.append(arg)  # a name filter
            continue
        option, has_value, value = arg.partition("=")
        if option in LIBTEST_FLAGS and not has_value:
            checked.append(arg)
        elif option in LIBTEST_VALUED:
            if has_value:
                if not LIBTEST_VALUED[option].fullmatch(value):
                    raise Refusal(f"value {value!r} for {option} is not allowed")
                checked.append(arg)
            else:
                checked.append(arg)
                pending = option
        else:
            allowed = ", ".join(sorted(LIBTEST_FLAGS | set(LIBTEST_VALUED)))
            raise Refusal(f"test argument {arg!r} is not allowed; allowed libtest options: {allowed}")
    if pending is not None:
        raise Refusal(f"test argument {pending} needs a value")
    return checked


# Environment names that would swap the compiler, linker, runner or loader, or otherwise make cargo
# run a program of the caller's choosing. The operator can allow any of them with --allow-env.
REFUSED_ENV: tuple[tuple[tuple[str, ...], str], ...] = (
    (("PATH", "HOME"), "decides which cargo, rustc and config are used"),
    (("CARGO", "CARGO_HOME"), "swaps cargo or its home (config, registry, installed binaries)"),
    (("RUSTUP_*",), "overrides rustup's toolchain or home; use the `toolchain` parameter"),
    (("RUSTC", "RUSTC_*", "CARGO_BUILD_RUSTC*"), "swaps or wraps the compiler, or unlocks unstable features"),
    (("RUSTDOC*", "CARGO_BUILD_RUSTDOC*"), "swaps rustdoc or passes it flags"),
    (("*_RUNNER",), "runs test and program binaries through another program"),
    (("*_LINKER", "CARGO_TARGET_*_LINKER"), "swaps the linker"),
    (("CARGO_UNSTABLE_*",), "enables unstable cargo features"),
    (("*CREDENTIAL_PROVIDER*",), "runs a credential helper program"),
    (("LD_*", "DYLD_*", "GCONV_PATH"), "changes what the dynamic loader loads"),
    (
        (
            "CC",
            "CXX",
            "AR",
            "LD",
            "CC_*",
            "CXX_*",
            "AR_*",
            "HOST_CC",
            "HOST_CXX",
            "HOST_AR",
            "TARGET_CC",
            "TARGET_CXX",
            "TARGET_AR",
        ),
        "swaps the C toolchain that build scripts run",
    ),
    (
        ("BASH_ENV", "ENV", "SHELLOPTS", "PS4", "PROMPT_COMMAND"),
        "runs code in any shell a build script starts",
    ),
    (("GIT_*", "*_ASKPASS"), "changes which programs git runs for git dependencies"),
    (("PYTHON*", "PERL5*", "NODE_OPTIONS", "RUBYOPT"), "loads code into interpreters a build script starts"),
    (("CARGO_MCP_*", "RUST_ANALYZER_MCP_*"), "server settings belong to the operator"),
)
RUSTFLAGS_NAMES = (
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_*_RUSTFLAGS",
)
TARGET_DIR_NAMES = ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR")
# rustc options that pick a linker, load a code generation backend or extern crate from a path,
# or read more options from a file
REFUSED_CODEGEN = frozenset(
    {"linker", "link-arg", "link-args", "codegen-backend", "dlltool", "linker-plugin-lto"}
)
REFUSED_RUSTC_FLAGS = ("--extern", "--sysroot", "-Z")


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def check_rustflags(name: str, value: str) -> None:
    tokens = value.split("\x1f") if name == "CARGO_ENCODED_RUSTFLAGS" else value.split()
    expect_codegen = False
    for token in tokens:
        option: str | None = None
        if expect_codegen:
            option, expect_codegen = token, False
        elif token in ("-C", "--codegen"):
            expect_codegen = True
            continue
        elif token.startswith("-C"):
            option = token[2:]
        elif token.startswith("--codegen="):
            option = token[len("--codegen=") :]
        if option is not None:
            key = option.split("=", 1)[0]
            if key in REFUSED_CODEGEN:
                raise Refusal(f"{name} sets `-C {key}`, which swaps the linker or loads code; it is refused")
            continue
        if token.startswith("@"):
            raise Refusal(f"{name} reads flags from the file {token[1:]!r} (`@file`); it is refused")
        for refused in REFUSED_RUSTC_FLAGS:
            if (
                token == refused
                or token.startswith(refused + "=")
                or (refused == "-Z" and token.startswith("-Z"))
            ):
                raise Refusal(
                    f"{name} passes `{token}`, which loads code from a path or unlocks unstable options; "
                    "it is refused"
                )


@dataclass(frozen=True)
class EnvPolicy:
    """What `cargo_env` may contain."""

    roots: AllowedRoots
    allowed_patterns: tuple[str, ...] = field(default=())

    def check(self, env: Mapping[str, str], cwd: Path) -> dict[str, str]:
        checked: dict[str, str] = {}
        for name, value in env.items():
            self._check_one(name, value, cwd)
            checked[name] = value
        return checked

    def _check_one(self, name: str, value: str, cwd: Path) -> None:
        if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
            raise Refusal(
                f"environment name {name!r} is not a valid name: use letters, digits and '_', not starting "
                "with a digit (no '=', spaces or empty names)"
            )
        if not isinstance(value, str):
            raise Refusal(f"environment value for {name} must be a string")
        if "\x00" in value:
            raise Refusal(f"environment value for {name} contains a NUL byte")
        if len(value) > MAX_ENV_VALUE:
            raise Refusal(
                f"environment value for {name} is {len(value)} characters; the limit is {MAX_ENV_VALUE}"
            )
        if _matches(name, self.allowed_patterns):
            return
        for patterns, reason in REFUSED_ENV:
            if _matches(name, patterns):
                raise Refusal(
                    f"environment variable {name} is refused: it {reason}. Ordinary settings such as "
                    "CARGO_BUILD_TARGET, RUSTFLAGS, RUST_BACKTRACE and CARGO_TARGET_DIR are fine; the "
                    "server's operator can allow more with --allow-env."
                )
        if _matches(name, RUSTFLAGS_NAMES):
            check_rustflags(name, value)
        if name in TARGET_DIR_NAMES:
            self._check_target_dir(name, value, cwd)
        if name == "CARGO_BUILD_TARGET":
            check_target_triple(value)

    def _check_target_dir(self, name: str, value: str, cwd: Path) -> None:
        path = (cwd / value).resolve() if value else cwd
        temp = Path(tempfile.gettempdir()).resolve()
        if cwd == path or cwd.is_relative_to(path) or path in self.roots.paths or path == temp:
            raise Refusal(
                f"{name}={value!r} resolves to {path}, which is or contains the project or a root; cargo "
                "writes build output there and cargo_clean deletes it. Use a subdirectory such as target-x"
            )
        if self.roots.contains(path) or path.is_relative_to(temp):
            return
        raise Refusal(
            f"{name}={value!r} resolves to {path}, outside the allowed roots ({self.roots.describe()}) "
            f"and the temporary directory {temp}; cargo writes (and cargo_clean deletes) there"
        )
