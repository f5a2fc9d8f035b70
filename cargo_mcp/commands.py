"""The cargo whitelist as data: one row per tool (see cargo_command.py for what a row holds), in the
order the tools are listed, and the refusals that depend on more than one parameter. A new
subcommand is one new row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rust_mcp.core.errors import Refusal
from rust_mcp.mcp.capabilities import Capability

from .cargo_command import JSON_DIAGNOSTICS, CargoCommand, Effect
from .nextest import NEXTEST_ENV

# nextest's libtest-compatible JSON for the tests, cargo's JSON for compiler messages
NEXTEST_RUN: tuple[str, ...] = ("nextest", "run", "--message-format", "libtest-json-plus")
NEXTEST_RUN += ("--cargo-message-format", JSON_DIAGNOSTICS)
MAX_TARGETS = 12
COMMON = ("path", "toolchain", "cargo_env", "timeout_secs")
SELECT = ("package", "features", "all_features", "no_default_features")
SCOPED = ("changed", "since")
LINTS = ("warn", "deny", "allow")
# what cargo_test and cargo_nextest both take first
TEST_RUN = (*COMMON, *SELECT, "target", "release", "workspace", "test_name", "test_target")


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
            *TEST_RUN,
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
        (*TEST_RUN, "no_fail_fast", "partition", "retries", *SCOPED),
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
        "Workspace members, one line each; `package` shows one in full (full JSON in the log).",
        ("metadata", "--format-version", "1"),
        (
            *COMMON,
            "metadata_package",
            "features",
            "all_features",
            "no_default_features",
            "no_deps",
            "metadata_platform",
            "offset",
        ),
        "metadata",
        Effect(Capability.RUN, "cargo metadata", idempotent=True),
    ),
    CargoCommand(
        "cargo_tree",
        "The dependency tree.",
        ("tree",),
        (*COMMON, *SELECT, "target", "workspace", "depth", "invert", "edges", "duplicates", "offset"),
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
        edits_project=True,
    ),
    CargoCommand(
        "cargo_insta_reject",
        "Reject pending insta snapshots by name.",
        ("insta", "reject"),
        (*COMMON, "snapshots"),
        "plain",
        Effect(Capability.DESTRUCTIVE, "insta reject", idempotent=True),
        confirmation="cargo insta reject deletes the pending snapshots {snapshots} in {project}. Go ahead?",
        edits_project=True,
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
        confirmation="cargo clean, for {project}, deletes {target_dir}. Go ahead?",
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
