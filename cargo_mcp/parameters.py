"""Every parameter a cargo tool can take, once: its public name, type, description, default,
validator, and where its value goes on cargo's command line. Tools list parameters by key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from . import validate
from .git_changes import check_revision
from .snapshots import check_snapshot_name

Placement = Literal[
    "service", "switch", "option", "option_each", "positional", "trailing", "trailing_option", "trailing_each"
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
    `switch` adds `flag` when true; `option` adds `flag value` (lists joined by `join`); `option_each`
    adds `flag item` for every item of a list;
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
                "",
                "service",
            ),
        ),
        (
            None,
            Param(
                "toolchain",
                str | None,
                None,
                "",
                "service",
            ),
        ),
        (
            None,
            Param(
                "cargo_env",
                # listed as a plain object: the server's instructions say it maps names to strings
                Annotated[dict[str, str] | None, WithJsonSchema({"type": "object"})],
                None,
                "",
                "service",
            ),
        ),
        (
            None,
            Param(
                "timeout_secs",
                int | None,
                None,
                "",
                "service",
            ),
        ),
        (
            None,
            Param(
                "offset",
                Annotated[int | None, Field(ge=0)],
                None,
                "",
                "service",
            ),
        ),
        (
            None,
            Param(
                "package",
                str | None,
                None,
                "",
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
                "",
                "option",
                "--features",
                validate.check_features,
                ",",
            ),
        ),
        (None, Param("all_features", bool, False, "", "switch", "--all-features")),
        (
            None,
            Param(
                "no_default_features",
                bool,
                False,
                "",
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
                "",  # cargo's --target: the instructions say parameters are cargo's options
                "option",
                "--target",
                validate.check_target_triple,
            ),
        ),
        (None, Param("release", bool, False, "", "switch", "--release")),
        (
            None,
            Param(
                "all_targets",
                bool,
                False,
                "",
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
                "",
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
                "",
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
                "",
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
                "Substring of test paths.",
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
                "Only tests/NAME.rs.",
                "option",
                "--test",
                lambda v: validate.check_target_name("test_target", v),
            ),
        ),
        (
            None,
            Param("lib_only", bool, False, "", "switch", "--lib"),
        ),
        (None, Param("doc_only", bool, False, "", "switch", "--doc")),
        (
            None,
            Param(
                "exact",
                bool,
                False,
                "",
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
                "",
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
                "",
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
                "libtest args after --, e.g. --nocapture.",
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
                "Program args after --.",
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
                "Substring of bench names.",
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
                "Criterion --save-baseline.",
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
                "",
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
                "Unsupported: use cargo_clippy_fix.",
                "service",
            ),
        ),
        (
            "fmt_workspace",
            Param("workspace", bool, False, "cargo fmt --all.", "switch", "--all"),
        ),
        (
            "clean_doc",
            Param("doc", bool, False, "Only the doc directory.", "switch", "--doc"),
        ),
        (
            None,
            Param(
                "targets",
                list[str] | None,
                None,
                "Check each triple in turn.",
                "service",
                None,
                each(validate.check_target_triple),
            ),
        ),
        (
            None,
            Param(
                "partition",
                str | None,
                None,
                "e.g. count:1/3.",
                "option",
                "--partition",
                validate.check_partition,
            ),
        ),
        (
            None,
            Param(
                "retries",
                int | None,
                None,
                "",
                "option",
                "--retries",
                validate.check_retries,
            ),
        ),
        (
            None,
            Param(
                "snapshots",
                list[str],
                REQUIRED,
                "Names from cargo_insta_pending.",
                "option_each",
                "--snapshot",
                each(check_snapshot_name),
            ),
        ),
        (
            "member",
            Param(
                "package",
                str | None,
                None,
                "",
                "service",
                None,
                validate.check_package,
            ),
        ),
        (
            None,
            Param(
                "changed",
                bool,
                False,
                "Only changed packages and their dependents.",
                "service",
            ),
        ),
        (
            None,
            Param(
                "since",
                str | None,
                None,
                "Git revision; sets changed.",
                "service",
                None,
                check_revision,
            ),
        ),
        (
            None,
            Param(
                "warn",
                list[str] | None,
                None,
                "",
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
                "",
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
                "",
                "trailing_each",
                "-A",
                lambda v: validate.check_lints("allow", v),
            ),
        ),
    ]
}
