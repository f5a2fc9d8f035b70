"""The cargo whitelist as data: one row per tool, and one function that turns a row plus the
caller's validated values into cargo's argument list. A new subcommand is one new row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mcp_types import ToolAnnotations

from rust_mcp.core.errors import Refusal
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.capabilities import Capability

from .dependency_parameters import DEPENDENCY_PARAMS
from .nextest import NEXTEST_ENV
from .parameters import PARAMS, Param
from .run_parameters import RUN_PARAMS

Output = Literal[
    "diagnostics", "tests", "nextest", "format", "metadata", "tree", "run", "plain", "outdated", "snapshots"
]
JSON_DIAGNOSTICS = "json-diagnostic-rendered-ansi"
JSON_MESSAGES = f"--message-format={JSON_DIAGNOSTICS}"
# nextest's libtest-compatible JSON for the tests, cargo's JSON for compiler messages
NEXTEST_RUN: tuple[str, ...] = ("nextest", "run", "--message-format", "libtest-json-plus")
NEXTEST_RUN += ("--cargo-message-format", JSON_DIAGNOSTICS)
MAX_TARGETS = 12
ALL_PARAMS = {**PARAMS, **RUN_PARAMS, **DEPENDENCY_PARAMS}


@dataclass(frozen=True)
class Effect:
    """What running a command does, and how its annotations say so (see capabilities.annotations)."""

    capability: Capability
    title: str
    idempotent: bool = False
    open_world: bool = False


COMMON = ("path", "toolchain", "cargo_env", "timeout_secs")
SELECT = ("package", "features", "all_features", "no_default_features")
SCOPED = ("changed", "since")
LINTS = ("warn", "deny", "allow")


@dataclass(frozen=True)
class CargoCommand:
    name: str
    description: str
    subcommand: tuple[str, ...]
    params: tuple[str, ...]
    output: Output
    effect: Effect
    json_messages: bool = False
    trailing: tuple[str, ...] = ()
    # asked of the user before running, where the client can ask; formatted with {project},
    # {manifest}, {dependencies} and {snapshots}
    confirmation: str | None = None
    # files to snapshot before running, put back if the run is cancelled, times out or is killed
    # (so an interrupted change leaves them as they were)
    guards: Literal["manifests", "sources"] | None = None
    # cargo drops an emptied table with the comments above its header; put those back afterwards
    keeps_table_comments: bool = False
    # needs the network itself (registry lookups): runs with it, from a neutral directory so the
    # project's .cargo/config.toml (credential providers, proxies, git-fetch-with-cli) is not read
    network: bool = False
    # builds or resolves offline, after the dependency-fetch step
    fetches: bool = True
    # environment the command always runs with (e.g. what turns on a subcommand's JSON output)
    env: tuple[tuple[str, str], ...] = ()

    def annotations(self, sandboxed: bool) -> ToolAnnotations:
        effect = self.effect
        return capabilities.annotations(
            effect.capability,
            title=effect.title,
            sandboxed=sandboxed,
            idempotent=effect.idempotent,
            open_world=effect.open_world,
        )

    def parameters(self) -> list[Param]:
        return [ALL_PARAMS[key] for key in self.params]

    def cargo_args(self, values: Mapping[str, Any]) -> list[str]:
        """cargo's arguments (after the toolchain) for validated `values` keyed by public name."""
        options: list[str] = []
        positionals: list[str] = []
        trailing: list[str] = []
        for param in self.parameters():
            value = values.get(param.name)
            if param.placement == "service" or value is None or value is False or value == []:
                continue
            checked = param.check(value)
            if param.placement == "switch":
                options.append(str(param.flag))
            elif param.placement == "option":
                text = (param.join or ",").join(checked) if isinstance(checked, list) else str(checked)
                options += [str(param.flag), text]
            elif param.placement == "option_each":
                for item in checked:
                    options += [str(param.flag), str(item)]
            elif param.placement == "positional":
                positionals += checked if isinstance(checked, list) else [checked]
            elif param.placement == "trailing":
                trailing += (
                    (checked if isinstance(checked, list) else [checked])
                    if param.flag is None
                    else [param.flag]
                )
            elif param.placement == "trailing_option":
                trailing += [str(param.flag), str(checked)]
            elif param.placement == "trailing_each":
                for item in checked:
                    trailing += [str(param.flag), str(item)]
        trailing = order_lint_levels(trailing)
        args = [*self.subcommand]
        if self.json_messages:
            args.append(JSON_MESSAGES)
        args += options + positionals
        if trailing or self.trailing:
            args += ["--", *trailing, *self.trailing]
        return args


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


COMMANDS: tuple[CargoCommand, ...] = (
    CargoCommand(
        "cargo_check",
        "Compiler errors and warnings as structured diagnostics, errors first.",
        ("check",),
        (*COMMON, *SELECT, "target", "targets", "release", "all_targets", "workspace", *SCOPED, "offset"),
        "diagnostics",
        Effect(Capability.RUN, "cargo check", idempotent=True),
        json_messages=True,
    ),
    CargoCommand(
        "cargo_clippy",
        "Clippy lints as structured diagnostics. Changes nothing.",
        ("clippy",),
        (*COMMON, *SELECT, "target", "release", "all_targets", "workspace", *SCOPED, *LINTS, "fix", "offset"),
        "diagnostics",
        Effect(Capability.RUN, "cargo clippy", idempotent=True),
        json_messages=True,
    ),
    CargoCommand(
        "cargo_clippy_fix",
        "Apply clippy's machine-applicable fixes to the sources, then report what is left.",
        ("clippy", "--fix", "--allow-dirty", "--allow-staged"),
        (*COMMON, *SELECT, "target", "all_targets", "workspace", "warn", "deny", "allow", "allow_no_vcs"),
        "diagnostics",
        Effect(Capability.DESTRUCTIVE, "cargo clippy --fix"),
        confirmation="cargo clippy --fix edits the source files of {project} in place. Go ahead?",
        json_messages=True,
        guards="sources",
    ),
    CargoCommand(
        "cargo_fmt_check",
        "Where rustfmt would change the code, with diffs. Changes nothing.",
        ("fmt", "--check"),
        (*COMMON, "package", "fmt_workspace"),
        "format",
        Effect(Capability.RUN, "cargo fmt --check", idempotent=True),
        trailing=("--color=never",),
    ),
    CargoCommand(
        "cargo_build",
        "Build; diagnostics and the executables built.",
        ("build",),
        (*COMMON, *SELECT, "target", "release", "all_targets", "workspace", "bin", "example", "offset"),
        "diagnostics",
        Effect(Capability.RUN, "cargo build", idempotent=True),
        json_messages=True,
    ),
    CargoCommand(
        "cargo_test",
        "Run tests: counts, each failure's output, compile errors.",
        ("test",),
        (
            *COMMON,
            *SELECT,
            "target",
            "release",
            "workspace",
            "test_name",
            "test_target",
            "lib_only",
            "doc_only",
            "exact",
            "include_ignored",
            "no_fail_fast",
            "test_args",
            *SCOPED,
            "offset",
        ),
        "tests",
        Effect(Capability.RUN, "cargo test", idempotent=True, open_world=True),
        json_messages=True,
    ),
    CargoCommand(
        "cargo_nextest",
        "Run tests with cargo-nextest: like cargo_test, plus partitions and retries.",
        NEXTEST_RUN,
        (
            *COMMON,
            *SELECT,
            "target",
            "release",
            "workspace",
            "test_name",
            "test_target",
            "no_fail_fast",
            "partition",
            "retries",
            *SCOPED,
        ),
        "nextest",
        Effect(Capability.RUN, "cargo nextest run", idempotent=True, open_world=True),
        env=NEXTEST_ENV,
    ),
    CargoCommand(
        "cargo_bench",
        "Run benchmarks: their output and compile errors.",
        ("bench",),
        (*COMMON, *SELECT, "workspace", "bench_name", "baseline"),
        "tests",
        Effect(Capability.RUN, "cargo bench", idempotent=True, open_world=True),
        json_messages=True,
    ),
    CargoCommand(
        "cargo_metadata",
        "Workspace members, targets, features and dependencies (full JSON in the log).",
        ("metadata", "--format-version", "1"),
        (*COMMON, "features", "all_features", "no_default_features", "no_deps", "metadata_platform"),
        "metadata",
        Effect(Capability.RUN, "cargo metadata", idempotent=True),
    ),
    CargoCommand(
        "cargo_tree",
        "The dependency tree.",
        ("tree",),
        (*COMMON, *SELECT, "target", "workspace", "depth", "invert", "edges", "duplicates"),
        "tree",
        Effect(Capability.RUN, "cargo tree", idempotent=True),
    ),
    CargoCommand(
        "cargo_outdated",
        "Each dependency's locked, newest compatible and newest version. Changes nothing.",
        ("metadata", "--format-version", "1", "--no-deps"),
        (*COMMON, "member"),
        "outdated",
        Effect(Capability.RUN, "outdated dependencies", idempotent=True, open_world=True),
    ),
    CargoCommand(
        "cargo_insta_pending",
        "Pending insta snapshots with diffs (run the tests first).",
        ("insta", "pending-snapshots", "--as-json"),
        COMMON,
        "snapshots",
        Effect(Capability.RUN, "insta pending snapshots", idempotent=True),
    ),
    CargoCommand(
        "cargo_insta_accept",
        "Accept pending insta snapshots by name.",
        ("insta", "accept"),
        (*COMMON, "snapshots"),
        "plain",
        Effect(Capability.DESTRUCTIVE, "insta accept", idempotent=True),
        confirmation="cargo insta accept replaces the accepted snapshots {snapshots} in {project}. Go ahead?",
    ),
    CargoCommand(
        "cargo_insta_reject",
        "Reject pending insta snapshots by name.",
        ("insta", "reject"),
        (*COMMON, "snapshots"),
        "plain",
        Effect(Capability.DESTRUCTIVE, "insta reject", idempotent=True),
        confirmation="cargo insta reject deletes the pending snapshots {snapshots} in {project}. Go ahead?",
    ),
    CargoCommand(
        "cargo_run",
        "Build and run a binary or example in the sandbox; its output and exit code.",
        ("run",),
        (*COMMON, *SELECT, "bin", "example", "release", "program_args"),
        "run",
        Effect(Capability.DESTRUCTIVE, "cargo run", open_world=True),
        json_messages=True,
    ),
    CargoCommand(
        "cargo_add",
        "Add dependencies to Cargo.toml.",
        ("add",),
        (
            *COMMON,
            "package",
            "dependencies_required",
            "dev",
            "build",
            "optional",
            "dependency_features",
            "dependency_target",
            "dry_run",
            "verify",
        ),
        "plain",
        Effect(Capability.EDIT, "cargo add", idempotent=True, open_world=True),
        guards="manifests",
        network=True,
        fetches=False,
    ),
    CargoCommand(
        "cargo_remove",
        "Remove dependencies from Cargo.toml.",
        ("remove",),
        (*COMMON, "package", "dependencies_required", "dev", "build", "dependency_target", "dry_run"),
        "plain",
        Effect(Capability.DESTRUCTIVE, "cargo remove", idempotent=True),
        confirmation="cargo remove takes {dependencies} out of {manifest}. Go ahead?",
        guards="manifests",
        keeps_table_comments=True,
    ),
    CargoCommand(
        "cargo_update",
        "Update Cargo.lock: every package, or `dependencies`.",
        ("update",),
        (*COMMON, "package", "dependencies_optional", "precise", "dry_run", "workspace", "verify"),
        "plain",
        Effect(Capability.DESTRUCTIVE, "cargo update", open_world=True),
        guards="manifests",
        network=True,
        fetches=False,
    ),
    CargoCommand(
        "cargo_clean",
        "Delete build output: all, or one package's.",
        ("clean",),
        (*COMMON, "package", "release", "target", "clean_doc", "dry_run"),
        "plain",
        Effect(Capability.DESTRUCTIVE, "cargo clean", idempotent=True),
        confirmation="cargo clean deletes {target_dir} (the build output of {project}). Go ahead?",
        fetches=False,
    ),
)

COMMANDS_BY_NAME = {command.name: command for command in COMMANDS}


def check_combination(command: CargoCommand, values: Mapping[str, Any]) -> None:
    """Refusals that depend on more than one parameter."""
    if values.get("fix"):
        raise Refusal(
            f"{command.name} does not change files, so `fix` is not supported here; call cargo_clippy_fix, "
            "which edits the sources and says so"
        )
    if values.get("precise") and len(values.get("dependencies") or []) + bool(values.get("package")) != 1:
        raise Refusal('`precise` needs exactly one dependency to pin, e.g. dependencies=["serde"]')
    if values.get("changed") or values.get("since"):
        chosen = [name for name in ("package", "workspace", "targets") if values.get(name)]
        if chosen:
            raise Refusal(f"changed=true chooses the packages itself; leave out {', '.join(chosen)}")
    if values.get("bin") and values.get("example"):
        raise Refusal("pass either `bin` or `example`, not both")
    targets = values.get("targets")
    if targets is not None:
        if values.get("target"):
            raise Refusal("pass either `target` (one triple) or `targets` (a list), not both")
        if not 1 <= len(targets) <= MAX_TARGETS:
            raise Refusal(f"`targets` needs between 1 and {MAX_TARGETS} target triples")
