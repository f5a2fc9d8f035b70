"""A cargo tool parameter, once: its public name, type, description, default, validator, and where its
value goes on cargo's command line; builders for the common kinds; and the parameters most tools share
(the project, selection, build and lint options). Running code: run_parameters.py; dependencies:
dependency_parameters.py. Tools list parameters by key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from cargo_mcp.table import validate

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


def switch(name: str, flag: str, description: str = "", default: bool = False) -> Param:
    """A flag cargo gets when the value is true."""
    return Param(name, bool, default, description, "switch", flag)


def option(
    name: str,
    flag: str,
    check: Callable[[Any], Any],
    description: str = "",
    annotation: Any = str | None,
    join: str | None = None,
) -> Param:
    """`flag value`, left out when the value is missing (a list is joined by `join`)."""
    return Param(name, annotation, None, description, "option", flag, check, join)


def service(
    name: str, annotation: Any, description: str = "", check: Callable[[Any], Any] = _identity
) -> Param:
    """A value the server uses itself; cargo never sees it as written."""
    return Param(name, annotation, False if annotation is bool else None, description, "service", None, check)


def keyed(params: Sequence[Param | tuple[str, Param]]) -> dict[str, Param]:
    """Parameters by the key tools list them under: their name, or the key paired with them where tools
    mean different things by one name (`args` of cargo_test and of cargo_run)."""
    return dict(entry if isinstance(entry, tuple) else (entry.name, entry) for entry in params)


def lint_level(level: str, flag: str) -> Param:
    return Param(
        level, list[str] | None, None, "", "trailing_each", flag, lambda v: validate.check_lints(level, v)
    )


def target_name(name: str, flag: str, description: str = "") -> Param:
    return option(name, flag, lambda v: validate.check_target_name(name, v), description)


# listed as a plain object: the server's instructions say it maps names to strings
ENV_MAP = Annotated[dict[str, str] | None, WithJsonSchema({"type": "object"})]
# cargo's own options keep cargo's names and no description: the instructions say so
PARAMS: dict[str, Param] = keyed(
    [
        service("path", str | None),
        service("toolchain", str | None),
        service("cargo_env", ENV_MAP),
        service("timeout_secs", int | None),
        service("offset", Annotated[int | None, Field(ge=0)]),
        option("package", "--package", validate.check_package),
        option(
            "features", "--features", validate.check_features, annotation=list[str] | str | None, join=","
        ),
        switch("all_features", "--all-features"),
        switch("no_default_features", "--no-default-features"),
        option("target", "--target", validate.check_target_triple),
        switch("release", "--release"),
        switch("all_targets", "--all-targets"),
        switch("workspace", "--workspace"),
        target_name("bin", "--bin"),
        target_name("example", "--example"),
        switch("allow_no_vcs", "--allow-no-vcs"),
        service("fix", bool, "Unsupported: use cargo_clippy_fix."),
        ("fmt_workspace", switch("workspace", "--all", "cargo fmt --all.")),
        ("clean_doc", switch("doc", "--doc", "Only the doc directory.")),
        service("targets", list[str] | None, "Each triple in turn.", each(validate.check_target_triple)),
        ("member", service("package", str | None, check=validate.check_package)),
        service("changed", bool),  # said in the instructions
        service("since", str | None, check=validate.check_revision),
        lint_level("warn", "-W"),
        lint_level("deny", "-D"),
        lint_level("allow", "-A"),
    ]
)
