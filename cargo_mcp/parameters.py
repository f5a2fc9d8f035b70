"""Every parameter a cargo tool can take, once: its public name, type, description, default,
validator, and where its value goes on cargo's command line. Tools list parameters by key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from . import validate

Placement = Literal[
    "service", "switch", "option", "positional", "trailing", "trailing_option", "trailing_each"
]
REQUIRED: Any = ...


def _identity(value: Any) -> Any:
    return value


def each(check: Callable[[str], str]) -> Callable[[Sequence[str]], list[str]]:
    def check_all(values: Sequence[str]) -> list[str]:
        return [check(v) for v in values]

    return check_all


@dataclass(frozen=True)
class Param:
    """One tool parameter. `placement` says how the validated value reaches cargo:
    `switch` adds `flag` when true; `option` adds `flag value` (lists joined by `join`);
    `positional` adds the value(s) before `--`; `trailing` adds the value(s) after `--`;
    `trailing_option` adds `flag value` after `--`; `trailing_each` adds `flag item` after `--` for
    every item of a list; `service` values are used by the server itself."""

    name: str
    annotation: Any
    default: Any
    description: str
    placement: Placement
    flag: str | None = None
    check: Callable[[Any], Any] = _identity
    join: str | None = None


PARAMS: dict[str, Param] = {
    p.name if key is None else key: p
    for key, p in [
        (
            None,
            Param(
                "path",
                str | None,
                None,
                "Project directory, or a Cargo.toml inside it; relative paths start at the working "
                "directory. Default: the working directory set with set_working_directory, else the "
                "server's first --root. Must be inside the server's allowed roots.",
                "service",
            ),
        ),
        (
            None,
            Param(
                "toolchain",
                str | None,
                None,
                "Rust toolchain to run through rustup: stable, beta, nightly, 1.95.0, nightly-2026-05-01 "
                "or a linked name. Default: CARGO_MCP_DEFAULT_TOOLCHAIN, else the cargo on PATH.",
                "service",
            ),
        ),
        (
            None,
            Param(
                "cargo_env",
                dict[str, str] | None,
                None,
                'Extra environment for cargo, e.g. {"RUSTFLAGS": "-D warnings"} or '
                '{"CARGO_BUILD_TARGET": "wasm32-unknown-unknown"}. An allowlist: cargo and rustc '
                "settings, RUSTFLAGS with allowed flags, RUST_BACKTRACE/RUST_LOG; others are refused.",
                "service",
            ),
        ),
        (
            None,
            Param(
                "timeout_secs",
                int | None,
                None,
                "Stop cargo and everything it started after this many seconds (default 600, capped by "
                "the server's --max-timeout).",
                "service",
            ),
        ),
        (
            None,
            Param(
                "package",
                str | None,
                None,
                "Workspace package to act on (cargo --package).",
                "option",
                "--package",
                validate.check_package,
            ),
        ),
        (
            None,
            Param(
                "features",
                list[str] | str | None,
                None,
                "Features to activate: a list, or one space- or comma-separated string.",
                "option",
                "--features",
                validate.check_features,
                ",",
            ),
        ),
        (None, Param("all_features", bool, False, "Activate all features.", "switch", "--all-features")),
        (
            None,
            Param(
                "no_default_features",
                bool,
                False,
                "Do not activate the `default` feature.",
                "switch",
                "--no-default-features",
            ),
        ),
        (
            None,
            Param(
                "target",
                str | None,
                None,
                "Target triple to compile for, e.g. wasm32-unknown-unknown. Its std must be installed "
                "(rustup target add).",
                "option",
                "--target",
                validate.check_target_triple,
            ),
        ),
        (None, Param("release", bool, False, "Use the release profile.", "switch", "--release")),
        (
            None,
            Param(
                "all_targets",
                bool,
                False,
                "Also compile tests, benches and examples (--all-targets).",
                "switch",
                "--all-targets",
            ),
        ),
        (
            None,
            Param(
                "workspace",
                bool,
                False,
                "Act on every workspace member (--workspace).",
                "switch",
                "--workspace",
            ),
        ),
        (
            None,
            Param(
                "bin",
                str | None,
                None,
                "Binary target to run or build (--bin).",
                "option",
                "--bin",
                lambda v: validate.check_target_name("bin", v),
            ),
        ),
        (
            None,
            Param(
                "example",
                str | None,
                None,
                "Example target to run or build (--example).",
                "option",
                "--example",
                lambda v: validate.check_target_name("example", v),
            ),
        ),
        (
            None,
            Param(
                "test_name",
                str | None,
                None,
                "Run only tests whose path contains this text (e.g. `parser::tests::empty`).",
                "positional",
                None,
                lambda v: validate.check_filter("test_name", v),
            ),
        ),
        (
            None,
            Param(
                "test_target",
                str | None,
                None,
                "Run only this integration test target (the NAME of tests/NAME.rs).",
                "option",
                "--test",
                lambda v: validate.check_target_name("test_target", v),
            ),
        ),
        (
            None,
            Param("lib_only", bool, False, "Run only the library's unit tests (--lib).", "switch", "--lib"),
        ),
        (None, Param("doc_only", bool, False, "Run only documentation tests (--doc).", "switch", "--doc")),
        (
            None,
            Param(
                "exact",
                bool,
                False,
                "Match test_name exactly instead of as a substring.",
                "trailing",
                "--exact",
            ),
        ),
        (
            None,
            Param(
                "include_ignored",
                bool,
                False,
                "Also run tests marked #[ignore].",
                "trailing",
                "--include-ignored",
            ),
        ),
        (
            None,
            Param(
                "no_fail_fast",
                bool,
                False,
                "Run every test binary even after one fails.",
                "switch",
                "--no-fail-fast",
            ),
        ),
        (
            "test_args",
            Param(
                "args",
                list[str] | None,
                None,
                "libtest options after `--`: --nocapture, --test-threads=1, --skip NAME, --exact, "
                "--include-ignored, --show-output, --list. Other options are refused.",
                "trailing",
                None,
                validate.check_test_args,
            ),
        ),
        (
            "program_args",
            Param(
                "args",
                list[str] | None,
                None,
                "Arguments for the program, passed after `--`.",
                "trailing",
                None,
                validate.check_program_args,
            ),
        ),
        (
            None,
            Param(
                "bench_name",
                str | None,
                None,
                "Run only benchmarks whose name contains this text.",
                "positional",
                None,
                lambda v: validate.check_filter("bench_name", v),
            ),
        ),
        (
            None,
            Param(
                "baseline",
                str | None,
                None,
                "Criterion baseline to save results under (passes `-- --save-baseline NAME`).",
                "trailing_option",
                "--save-baseline",
                lambda v: validate.check_target_name("baseline", v),
            ),
        ),
        (
            None,
            Param(
                "allow_no_vcs",
                bool,
                False,
                "Let clippy fix a project that is not under version control (nothing to undo with).",
                "switch",
                "--allow-no-vcs",
            ),
        ),
        (
            None,
            Param(
                "fix",
                bool,
                False,
                "Not supported here: use cargo_clippy_fix, which declares that it edits files.",
                "service",
            ),
        ),
        (
            "fmt_workspace",
            Param(
                "workspace", bool, False, "Check every workspace member (cargo fmt --all).", "switch", "--all"
            ),
        ),
        (
            "clean_doc",
            Param("doc", bool, False, "Remove only the documentation directory.", "switch", "--doc"),
        ),
        (
            None,
            Param(
                "targets",
                list[str] | None,
                None,
                "Check each of these target triples in turn (sharing the target directory) and report per "
                'target: ok, errors, or std not installed (with the fix), e.g. ["x86_64-unknown-linux-gnu", '
                '"wasm32-unknown-unknown"].',
                "service",
                None,
                each(validate.check_target_triple),
            ),
        ),
        (
            None,
            Param(
                "warn",
                list[str] | None,
                None,
                'Lints to warn about (-W), e.g. ["clippy::undocumented_unsafe_blocks", '
                '"clippy::multiple_unsafe_ops_per_block", "unsafe_op_in_unsafe_fn"] or a group such as '
                '"clippy::pedantic".',
                "trailing_each",
                "-W",
                lambda v: validate.check_lints("warn", v),
            ),
        ),
        (
            None,
            Param(
                "deny",
                list[str] | None,
                None,
                'Lints that fail the run (-D), e.g. ["warnings"] or ["clippy::unwrap_used"].',
                "trailing_each",
                "-D",
                lambda v: validate.check_lints("deny", v),
            ),
        ),
        (
            None,
            Param(
                "allow",
                list[str] | None,
                None,
                'Lints to silence (-A), e.g. ["clippy::too_many_arguments"].',
                "trailing_each",
                "-A",
                lambda v: validate.check_lints("allow", v),
            ),
        ),
    ]
}
