"""Checks on every value a model passes to a cargo tool, before anything runs.

Each check raises `Refusal` with a message that names the bad value and what is allowed; none
of them touches the file system. What `cargo_env` may hold is in env_policy.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rust_mcp.core.errors import Refusal

MAX_NAME = 200
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


REVISION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./~^@{}:+-]{0,199}")
SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+/-]{0,299}(?::[0-9]{1,7})?")


def check_revision(value: str) -> str:
    if not REVISION.fullmatch(value):
        raise Refusal(
            f"since {value!r} is not a git revision name: expected something like HEAD, HEAD~3, main or "
            "a commit hash (no spaces, no leading '-')"
        )
    return value


def check_snapshot_name(value: str) -> str:
    """A snapshot as cargo_insta_pending names it: a relative path, `:line` for an inline one."""
    if not SNAPSHOT_NAME.fullmatch(value) or ".." in value.split("/"):
        raise Refusal(
            f"snapshot {value!r} is not a snapshot name: pass one as cargo_insta_pending lists it, e.g. "
            "tests/snapshots/api__greeting.snap or src/lib.rs:42"
        )
    return value
