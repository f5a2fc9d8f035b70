"""The order of lint-level flags after `--`: rustc applies them in order, the last one winning."""

from __future__ import annotations

LEVEL_FLAGS = ("-A", "-W", "-D", "-F")
# lint groups: rustc's and clippy's; a level set on a group is overridden by one set on its members
LINT_GROUPS = frozenset(
    {
        "warnings",
        "unused",
        "nonstandard_style",
        "future_incompatible",
        "let_underscore",
        "rust_2018_idioms",
        "rust_2018_compatibility",
        "rust_2021_compatibility",
        "rust_2024_compatibility",
        "keyword_idents",
        "refining_impl_trait",
        "deprecated_safe",
        "unknown_or_malformed_diagnostic_attributes",
        "clippy::all",
        "clippy::pedantic",
        "clippy::nursery",
        "clippy::cargo",
        "clippy::complexity",
        "clippy::correctness",
        "clippy::perf",
        "clippy::restriction",
        "clippy::style",
        "clippy::suspicious",
    }
)


def order_lint_levels(trailing: list[str]) -> list[str]:
    """rustc applies lint levels in order, the last one winning; cargo users write groups first and
    specific lints last (`-A clippy::all -W clippy::needless_return`). So: groups before single lints,
    and within each, allow before warn before deny. Other arguments keep their place, first."""
    pairs = [(trailing[i], trailing[i + 1]) for i in range(len(trailing) - 1) if trailing[i] in LEVEL_FLAGS]
    if not pairs:
        return trailing
    rest: list[str] = []
    skip = False
    for index, item in enumerate(trailing):
        if skip:
            skip = False
        elif item in LEVEL_FLAGS and index + 1 < len(trailing):
            skip = True
        else:
            rest.append(item)

    def key(pair: tuple[str, str]) -> tuple[bool, int]:
        lint = pair[1].replace("-", "_")
        return lint not in LINT_GROUPS, LEVEL_FLAGS.index(pair[0])

    return rest + [word for pair in sorted(pairs, key=key) for word in pair]
