"""The parameters of the commands that change dependencies (cargo_add, cargo_remove, cargo_update) and
of those that show them (cargo_tree, cargo_metadata), in the form of cargo_mcp/table/parameters.py."""

from __future__ import annotations

from typing import Literal

from cargo_mcp.table import validate
from cargo_mcp.table.parameters import REQUIRED, Param, each, keyed, option, service, switch
from rust_mcp.core.errors import Refusal

TREE_DEPTH = 3  # cargo_tree's default depth: a member, its dependencies and theirs (pages show the rest)


def _precise(value: str) -> str:
    return validate.check_name("precise", value, validate.PACKAGE_SPEC, "a version such as 1.0.200")


def _depth(value: int) -> str:
    if value < 0:  # reached cargo as "--depth -1": "unexpected argument '-1' found"
        raise Refusal(f"depth {value} is negative: pass 0 or more levels, or null for every level")
    return str(value)


def _edge_kind(value: str) -> str:
    return validate.check_name(
        "edge kind", value, validate.EDGE_KIND, "one of normal, build, dev, features, all, ..."
    )


DEPENDENCY_PARAMS: dict[str, Param] = keyed(
    [
        (
            "dependencies_required",
            Param(
                "dependencies",
                list[str],
                REQUIRED,
                'e.g. ["serde@1"].',
                "positional",
                None,
                each(validate.check_dependency),
            ),
        ),
        (
            "dependencies_optional",
            Param(
                "dependencies",
                list[str] | None,
                None,
                "",  # the tool says: every package, or `dependencies`
                "positional",
                None,
                each(validate.check_package),
            ),
        ),
        switch("dev", "--dev"),
        switch("build", "--build"),
        switch("optional", "--optional"),
        (
            "dependency_features",
            option(
                "features", "--features", validate.check_features, annotation=list[str] | str | None, join=","
            ),
        ),
        (
            "dependency_target",
            option("target", "--target", validate.check_dependency_target, "Triple or cfg(...)."),
        ),
        switch("dry_run", "--dry-run"),
        option("precise", "--precise", _precise, "Exact version for one dependency."),
        switch("no_deps", "--no-deps", default=True),
        Param("depth", int | None, TREE_DEPTH, "null: every level.", "option", "--depth", _depth),
        option("invert", "--invert", validate.check_package, "Package to invert on."),
        switch("duplicates", "--duplicates"),
        option(
            "edges",
            "--edges",
            each(_edge_kind),
            "e.g. normal,dev,build.",
            annotation=list[str] | None,
            join=",",
        ),
        (
            "metadata_package",
            service("package", str | None, "A member to show in full.", check=validate.check_package),
        ),
        (
            "metadata_platform",
            option("target", "--filter-platform", validate.check_target_triple, "--filter-platform triple."),
        ),
        service("verify", Literal["check", "test"] | None, "Run after; undone if it fails."),
    ]
)
