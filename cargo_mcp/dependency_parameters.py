"""The parameters of the commands that change dependencies (cargo_add, cargo_remove, cargo_update) and
of those that show them (cargo_tree, cargo_metadata), in the form of cargo_mcp/parameters.py."""

from __future__ import annotations

from typing import Literal

from . import validate
from .parameters import REQUIRED, Param, each

DEPENDENCY_PARAMS: dict[str, Param] = {
    p.name if key is None else key: p
    for key, p in [
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
                "Default: all.",
                "positional",
                None,
                each(validate.check_package),
            ),
        ),
        (None, Param("dev", bool, False, "", "switch", "--dev")),
        (None, Param("build", bool, False, "", "switch", "--build")),
        (None, Param("optional", bool, False, "", "switch", "--optional")),
        (
            "dependency_features",
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
        (
            "dependency_target",
            Param(
                "target",
                str | None,
                None,
                "Triple or cfg(...).",
                "option",
                "--target",
                validate.check_dependency_target,
            ),
        ),
        (
            None,
            Param(
                "dry_run",
                bool,
                False,
                "",
                "switch",
                "--dry-run",
            ),
        ),
        (
            None,
            Param(
                "precise",
                str | None,
                None,
                "Exact version for one dependency.",
                "option",
                "--precise",
                lambda v: validate.check_name(
                    "precise", v, validate.PACKAGE_SPEC, "a version such as 1.0.200"
                ),
            ),
        ),
        (
            None,
            Param(
                "no_deps",
                bool,
                True,
                "",
                "switch",
                "--no-deps",
            ),
        ),
        (None, Param("depth", int | None, None, "", "option", "--depth", str)),
        (
            None,
            Param(
                "invert",
                str | None,
                None,
                "Package to invert on.",
                "option",
                "--invert",
                validate.check_package,
            ),
        ),
        (
            None,
            Param(
                "duplicates",
                bool,
                False,
                "",
                "switch",
                "--duplicates",
            ),
        ),
        (
            None,
            Param(
                "edges",
                list[str] | None,
                None,
                "e.g. normal,dev,build.",
                "option",
                "--edges",
                each(
                    lambda v: validate.check_name(
                        "edge kind", v, validate.EDGE_KIND, "one of normal, build, dev, features, all, ..."
                    )
                ),
                ",",
            ),
        ),
        (
            "metadata_platform",
            Param(
                "target",
                str | None,
                None,
                "--filter-platform triple.",
                "option",
                "--filter-platform",
                validate.check_target_triple,
            ),
        ),
        (
            None,
            Param(
                "verify",
                Literal["check", "test"] | None,
                None,
                "check or test after; undone if it fails.",
                "service",
            ),
        ),
    ]
}
