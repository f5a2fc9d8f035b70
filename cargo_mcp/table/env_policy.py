"""What `cargo_env` may contain: an allowlist of names, and for the flag variables an allowlist of
rustc flags. Everything else is refused with the reason and the allowed list; the operator can let
more names through with --allow-env (their values are still checked where we know the name).

The sandbox already contains whatever cargo runs; this list is what keeps the arguments themselves
harmless too (and everything, with --sandbox off): no wrapper, runner, linker or loader of the
caller's choosing, no proxy, no flag that writes to a path (`--print=cfg=FILE`, `-C incremental=DIR`,
`-C profile-generate=DIR`, `--emit=...=FILE`, `-o`), no unstable options.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rust_mcp.core.build_dirs import check_placement
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots

MAX_ENV_VALUE = 32 * 1024
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
PLAIN_VALUE = re.compile(r"[^\x00-\x1f\x7f]{0,1000}")
NUMBER = re.compile(r"[0-9]{1,6}|default")
SWITCH = re.compile(r"0|1|true|false")
TARGET_TRIPLE = re.compile(r"[a-z0-9_][A-Za-z0-9_.-]*")
PROFILE_SETTING = re.compile(
    r"CARGO_PROFILE_[A-Z0-9_]+?_(?:BUILD_OVERRIDE_)?"
    r"(?:OPT_LEVEL|DEBUG|SPLIT_DEBUGINFO|STRIP|DEBUG_ASSERTIONS|OVERFLOW_CHECKS|LTO|PANIC|"
    r"INCREMENTAL|CODEGEN_UNITS|RPATH|TRIM_PATHS)"
)
PROFILE_VALUE = re.compile(r"[A-Za-z0-9_.,-]{1,40}")
FLAG_NAMES = (
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_TARGET_*_RUSTFLAGS",
)
DIRECTORY_NAMES = ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "CARGO_BUILD_BUILD_DIR")
PLAIN_NAMES = (
    "CARGO_TERM_*",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "RUST_LOG",
    "RUST_MIN_STACK",
    "RUST_TEST_*",
    "PROPTEST_*",
    "QUICKCHECK_*",
    "INSTA_UPDATE",  # insta: whether a failing snapshot test writes .snap.new files (in the workspace)
    "INSTA_FORCE_PASS",
)
ALLOWED_DESCRIPTION = (
    "CARGO_BUILD_TARGET, CARGO_BUILD_JOBS, RUSTFLAGS, RUSTDOCFLAGS, CARGO_BUILD_RUSTFLAGS, "
    "CARGO_ENCODED_RUSTFLAGS, CARGO_TARGET_<TRIPLE>_RUSTFLAGS (allowed rustc flags only), "
    "CARGO_TARGET_DIR, CARGO_BUILD_TARGET_DIR, CARGO_BUILD_BUILD_DIR (inside the allowed roots), "
    "CARGO_PROFILE_<PROFILE>_<OPT_LEVEL|DEBUG|LTO|PANIC|...>, CARGO_INCREMENTAL, CARGO_NET_OFFLINE, "
    "CARGO_TERM_*, "
    "RUST_BACKTRACE, RUST_LOG, RUST_MIN_STACK, RUST_TEST_*, PROPTEST_*, QUICKCHECK_*, INSTA_UPDATE, "
    "INSTA_FORCE_PASS"
)
# why a name is refused, for the names that do harm (others are simply not on the list)
HARMFUL: tuple[tuple[tuple[str, ...], str], ...] = (
    (("PATH", "HOME"), "decides which cargo, rustc and config are used"),
    (("CARGO", "CARGO_HOME"), "swaps cargo or its home (config, registry, installed binaries)"),
    (("RUSTUP_*",), "overrides rustup's toolchain or home; use the `toolchain` parameter"),
    (("RUSTC", "RUSTC_*", "CARGO_BUILD_RUSTC*"), "swaps or wraps the compiler, or unlocks unstable features"),
    (("RUSTDOC*", "CARGO_BUILD_RUSTDOC*"), "swaps rustdoc or passes it flags"),
    (("*_RUNNER",), "runs test and program binaries through another program"),
    (("*_LINKER",), "swaps the linker"),
    (("CARGO_UNSTABLE_*", "CARGO_PROFILE_*_RUSTFLAGS"), "enables unstable cargo features"),
    (("*CREDENTIAL_PROVIDER*", "CARGO_REGISTR*"), "runs a credential helper or redirects a registry"),
    (("*_PROXY", "*_proxy", "CARGO_HTTP_*", "CARGO_NET_*"), "sends cargo's network traffic elsewhere"),
    (("LD_*", "DYLD_*", "GCONV_PATH"), "changes what the dynamic loader loads"),
    (("CC", "CXX", "AR", "LD", "CC_*", "CXX_*", "AR_*", "HOST_*", "TARGET_*"), "swaps the C toolchain"),
    (
        ("BASH_ENV", "ENV", "SHELLOPTS", "PS4", "PROMPT_COMMAND"),
        "runs code in any shell a build script starts",
    ),
    (("GIT_*", "*_ASKPASS"), "changes which programs git runs for git dependencies"),
    (("PYTHON*", "PERL5*", "NODE_OPTIONS", "RUBYOPT"), "loads code into interpreters a build script starts"),
    (("CARGO_MCP_*", "RUST_ANALYZER_MCP_*"), "server settings belong to the operator"),
)

# rustc options a RUSTFLAGS value may use. Lint levels and cfgs take a name; codegen options are
# those that change how code is generated, never where anything is read from or written to.
LINT_OPTIONS = frozenset({"-W", "-A", "-D", "-F", "--warn", "--allow", "--deny", "--forbid", "--force-warn"})
LINT_VALUE = re.compile(r"(?:(?:clippy|rustdoc)::)?[a-z][a-z0-9_-]*")
CFG_OPTIONS = frozenset({"--cfg", "--check-cfg"})
CFG_VALUE = re.compile(r"[^\x00-\x1f\x7f@]{1,300}")
CAP_LINTS = re.compile(r"allow|warn|deny|forbid")
CODEGEN_OPTIONS = frozenset(
    {
        "opt-level",
        "debuginfo",
        "target-cpu",
        "target-feature",
        "overflow-checks",
        "debug-assertions",
        "panic",
        "codegen-units",
        "lto",
        "strip",
        "force-frame-pointers",
        "force-unwind-tables",
        "relocation-model",
        "code-model",
        "embed-bitcode",
        "split-debuginfo",
        "symbol-mangling-version",
        "instrument-coverage",
        "dwarf-version",
        "relro-level",
        "soft-float",
        "no-redzone",
        "jump-tables",
        "control-flow-guard",
        "inline-threshold",
        "prefer-dynamic",
        "metadata",
    }
)
CODEGEN_VALUE = re.compile(r"[A-Za-z0-9_.,+=-]{0,200}")
SWITCHES = frozenset({"-g", "-O", "--document-private-items"})
ALLOWED_FLAGS = (
    "-W/-A/-D/-F/--warn/--allow/--deny/--forbid/--force-warn LINT, --cap-lints LEVEL, --cfg SPEC, "
    "--check-cfg SPEC, -g, -O, -C " + "|".join(sorted(CODEGEN_OPTIONS))
)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _refuse_flag(name: str, token: str, why: str = "") -> Refusal:
    reason = why or "not an allowed rustc flag"
    return Refusal(f"{name} passes `{token}`: {reason}; allowed: {ALLOWED_FLAGS}")


def check_rustflags(name: str, value: str) -> None:
    """Every token of a RUSTFLAGS-like value must be an allowed flag with a plain value."""
    tokens = value.split("\x1f") if name.startswith("CARGO_ENCODED_") else value.split()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token == "":
            continue
        if token in SWITCHES:
            continue
        option, joined, argument = _split_option(token)
        if option is None:
            raise _refuse_flag(name, token)
        if not joined:
            if index >= len(tokens):
                raise _refuse_flag(name, token, "it needs a value")
            argument = tokens[index]
            index += 1
        _check_flag_value(name, option, argument)


def _split_option(token: str) -> tuple[str | None, bool, str]:
    """(option, whether the value was joined to it, value) for the options we know."""
    if token in LINT_OPTIONS or token in CFG_OPTIONS or token in ("-C", "--codegen", "--cap-lints"):
        return token, False, ""
    for option in (
        "--warn",
        "--allow",
        "--deny",
        "--forbid",
        "--force-warn",
        "--cfg",
        "--check-cfg",
        "--codegen",
        "--cap-lints",
    ):
        if token.startswith(option + "="):
            return option, True, token[len(option) + 1 :]
    if token[:2] in ("-W", "-A", "-D", "-F", "-C") and len(token) > 2:
        return token[:2], True, token[2:]
    return None, False, ""


def _check_flag_value(name: str, option: str, argument: str) -> None:
    shown = f"{option} {argument}"
    if option in LINT_OPTIONS:
        if not LINT_VALUE.fullmatch(argument):
            raise _refuse_flag(name, shown, "a lint level takes a lint name")
    elif option == "--cap-lints":
        if not CAP_LINTS.fullmatch(argument):
            raise _refuse_flag(name, shown, "--cap-lints takes allow, warn, deny or forbid")
    elif option in CFG_OPTIONS:
        if not CFG_VALUE.fullmatch(argument):
            raise _refuse_flag(name, shown, 'a cfg is a name, name="value" or cfg(...)')
    else:  # -C / --codegen
        key = argument.split("=", 1)[0]
        if key not in CODEGEN_OPTIONS:
            raise _refuse_flag(
                name,
                shown,
                f"`-C {key}` is not an allowed codegen option (it can read or write paths, "
                "swap the linker or load code)",
            )
        if not CODEGEN_VALUE.fullmatch(argument):
            raise _refuse_flag(name, shown, "the codegen value holds characters a plain setting never needs")


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
        checker = self._checker(name)
        if checker is None:
            if _matches(name, self.allowed_patterns):
                return
            reason = next((why for patterns, why in HARMFUL if _matches(name, patterns)), None)
            because = f": it {reason}" if reason else " (it is not on the allowlist)"
            raise Refusal(
                f"environment variable {name} is refused{because}. cargo_env takes only: "
                f"{ALLOWED_DESCRIPTION}. The server's operator can allow more with --allow-env."
            )
        checker(name, value, cwd)

    def _checker(self, name: str) -> Callable[[str, str, Path], None] | None:
        if name == "CARGO_BUILD_TARGET":
            return _pattern_check(TARGET_TRIPLE, "a target triple such as `x86_64-unknown-linux-gnu`")
        if name == "CARGO_BUILD_JOBS":
            return _pattern_check(NUMBER, "a number of jobs")
        # CARGO_NET_OFFLINE only keeps cargo off the network (the sandbox decides whether it has any);
        # the rest of CARGO_NET_* stays refused
        if name in ("CARGO_INCREMENTAL", "CARGO_BUILD_INCREMENTAL", "CARGO_NET_OFFLINE"):
            return _pattern_check(SWITCH, "0, 1, true or false")
        if _matches(name, FLAG_NAMES):
            return lambda n, v, _: check_rustflags(n, v)
        if name in DIRECTORY_NAMES:
            return self._check_directory
        if PROFILE_SETTING.fullmatch(name):
            return _pattern_check(PROFILE_VALUE, "a plain profile setting such as 3, true or thin")
        if _matches(name, PLAIN_NAMES):
            return _pattern_check(PLAIN_VALUE, "plain text without control characters")
        return None

    def _check_directory(self, name: str, value: str, cwd: Path) -> None:
        if "{" in value:
            raise Refusal(f"{name}={value!r} uses a template; pass a plain directory inside the roots")
        path = cwd / value if value else cwd
        own = cwd / "target"
        check_placement(
            path,
            said=f"{name}={value!r} resolves to {os.path.normpath(path)}",
            fix=f"pass {name} as a folder inside {own} (e.g. {own / 'other'}), or leave it out",
            project=cwd,
            roots=self.roots,
        )


def _pattern_check(pattern: re.Pattern[str], expected: str) -> Callable[[str, str, Path], None]:
    def check(name: str, value: str, cwd: Path) -> None:
        if not pattern.fullmatch(value):
            raise Refusal(f"{name}={value[:80]!r} is not allowed: expected {expected}")

    return check
