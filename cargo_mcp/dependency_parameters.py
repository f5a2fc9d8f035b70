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
                'Crates to act on, e.g. ["serde", "tokio@1"].',
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
                'Only update these packages (e.g. ["serde"]); default all.',
                "positional",
                None,
                each(validate.check_package),
            ),
        ),
        (None, Param("dev", bool, False, "Act on [dev-dependencies].", "switch", "--dev")),
        (None, Param("build", bool, False, "Act on [build-dependencies].", "switch", "--build")),
        (None, Param("optional", bool, False, "Add as an optional dependency.", "switch", "--optional")),
        (
            "dependency_features",
            Param(
                "features",
                list[str] | str | None,
                None,
                "Features to enable on the added dependency.",
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
                "Add or remove under [target.TARGET.dependencies]: a triple or a cfg expression "
                "such as `cfg(unix)`.",
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
                "Report what would change without writing anything.",
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
                "Update the single named dependency to exactly this version (needs one dependency).",
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
                "Only workspace members, not their dependencies (--no-deps).",
                "switch",
                "--no-deps",
            ),
        ),
        (None, Param("depth", int | None, None, "Maximum depth of the tree.", "option", "--depth", str)),
        (
            None,
            Param(
                "invert",
                str | None,
                None,
                "Show what depends on this package (--invert).",
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
                "Show only packages present in more than one version.",
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
                "Dependency kinds to show: normal, build, dev, features, no-normal, no-build, no-dev, all.",
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
                "Only include dependencies for this target triple (--filter-platform).",
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
                "After the change, run cargo check (all targets) or cargo test on the workspace; if it "
                "fails, Cargo.toml files and Cargo.lock are restored byte for byte and the result says what "
                "broke.",
                "service",
            ),
        ),
    ]
}
