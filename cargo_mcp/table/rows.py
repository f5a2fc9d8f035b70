"""The cargo whitelist as data: one row per tool (see command.py for what a row holds), in the
order the tools are listed; each row a named constant, so workflows that run another tool's row
(a scoped check's metadata, a verified change's check) name it in code, never by a string. A new
subcommand is one new row."""

from __future__ import annotations

from cargo_mcp.table.command import JSON_DIAGNOSTICS, CargoCommand, Effect
from rust_mcp.core.capability import Capability

# nextest's libtest-compatible JSON for the tests, cargo's JSON for compiler messages
NEXTEST_RUN: tuple[str, ...] = ("nextest", "run", "--message-format", "libtest-json-plus")
NEXTEST_RUN += ("--cargo-message-format", JSON_DIAGNOSTICS)
# what turns on nextest's libtest-compatible JSON
NEXTEST_ENV = (("NEXTEST_EXPERIMENTAL_LIBTEST_JSON", "1"),)
COMMON = ("path", "toolchain", "cargo_env", "timeout_secs")
SELECT = ("package", "features", "all_features", "no_default_features")
SCOPED = ("changed", "since")
LINTS = ("warn", "deny", "allow")
# what cargo_test and cargo_nextest both take first
TEST_RUN = (*COMMON, *SELECT, "target", "release", "workspace", "test_name", "test_target")


CHECK = CargoCommand(
    name="cargo_check",
    description="Compiler errors and warnings as diagnostics, errors first.",
    subcommand=("check",),
    params=(*COMMON, *SELECT, "target", "targets", "release", "all_targets", "workspace", *SCOPED, "offset"),
    output="diagnostics",
    effect=Effect(Capability.RUN, "cargo check", idempotent=True),
    json_messages=True,
    compile_only=True,
    shared=True,
    answers_from_analyzer=True,
)
CLIPPY = CargoCommand(
    name="cargo_clippy",
    description="Clippy lints as diagnostics; changes nothing.",
    subcommand=("clippy",),
    params=(
        *COMMON,
        *SELECT,
        "target",
        "release",
        "all_targets",
        "workspace",
        *SCOPED,
        *LINTS,
        "fix",
        "offset",
    ),
    output="diagnostics",
    effect=Effect(Capability.RUN, "cargo clippy", idempotent=True),
    json_messages=True,
    compile_only=True,
    shared=True,
)
CLIPPY_FIX = CargoCommand(
    name="cargo_clippy_fix",
    description="Apply clippy's machine-applicable fixes; report what is left.",
    subcommand=("clippy", "--fix", "--allow-dirty", "--allow-staged"),
    params=(*COMMON, *SELECT, "target", "all_targets", "workspace", "warn", "deny", "allow", "allow_no_vcs"),
    output="diagnostics",
    effect=Effect(Capability.DESTRUCTIVE, "cargo clippy --fix"),
    confirmation="cargo clippy --fix edits the source files of {project} in place. Go ahead?",
    json_messages=True,
    guards="sources",
)
FMT_CHECK = CargoCommand(
    name="cargo_fmt_check",
    description="Where rustfmt would change the code, with diffs.",
    subcommand=("fmt", "--check"),
    params=(*COMMON, "package", "fmt_workspace"),
    output="format",
    effect=Effect(Capability.RUN, "cargo fmt --check", idempotent=True),
    trailing=("--color=never",),
)
BUILD = CargoCommand(
    name="cargo_build",
    description="Build; diagnostics and the executables built.",
    subcommand=("build",),
    params=(*COMMON, *SELECT, "target", "release", "all_targets", "workspace", "bin", "example", "offset"),
    output="diagnostics",
    effect=Effect(Capability.RUN, "cargo build", idempotent=True),
    json_messages=True,
    compile_only=True,
    lists_executables=True,
)
TEST = CargoCommand(
    name="cargo_test",
    description="Tests: counts, each failure's output, compile errors.",
    subcommand=("test",),
    params=(
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
    output="tests",
    effect=Effect(Capability.RUN, "cargo test", idempotent=True, open_world=True),
    json_messages=True,
)
NEXTEST = CargoCommand(
    name="cargo_nextest",
    description="cargo_test via cargo-nextest, plus partitions and retries.",
    subcommand=NEXTEST_RUN,
    params=(*TEST_RUN, "no_fail_fast", "partition", "retries", *SCOPED),
    output="nextest",
    effect=Effect(Capability.RUN, "cargo nextest run", idempotent=True, open_world=True),
    env=NEXTEST_ENV,
)
BENCH = CargoCommand(
    name="cargo_bench",
    description="Benchmarks: their output and compile errors.",
    subcommand=("bench",),
    params=(*COMMON, *SELECT, "workspace", "bench_name", "baseline"),
    output="tests",
    effect=Effect(Capability.RUN, "cargo bench", idempotent=True, open_world=True),
    json_messages=True,
    shows_output=True,
)
METADATA = CargoCommand(
    name="cargo_metadata",
    description="Workspace members, a line each; `package`: one in full (full JSON in the log).",
    subcommand=("metadata", "--format-version", "1"),
    params=(
        *COMMON,
        "metadata_package",
        "features",
        "all_features",
        "no_default_features",
        "no_deps",
        "metadata_platform",
        "offset",
    ),
    output="metadata",
    effect=Effect(Capability.RUN, "cargo metadata", idempotent=True),
)
TREE = CargoCommand(
    name="cargo_tree",
    description="The dependency tree.",
    subcommand=("tree",),
    params=(*COMMON, *SELECT, "target", "workspace", "depth", "invert", "edges", "duplicates", "offset"),
    output="tree",
    effect=Effect(Capability.RUN, "cargo tree", idempotent=True),
)
OUTDATED = CargoCommand(
    name="cargo_outdated",
    description="Each dependency's locked, newest compatible and newest version.",
    subcommand=("metadata", "--format-version", "1", "--no-deps"),
    params=(*COMMON, "member"),
    output="outdated",
    effect=Effect(Capability.RUN, "outdated dependencies", idempotent=True, open_world=True),
)
INSTA_PENDING = CargoCommand(
    name="cargo_insta_pending",
    description="Pending insta snapshots with diffs (run tests first).",
    subcommand=("insta", "pending-snapshots", "--as-json"),
    params=COMMON,
    output="snapshots",
    effect=Effect(Capability.RUN, "insta pending snapshots", idempotent=True),
)
INSTA_ACCEPT = CargoCommand(
    name="cargo_insta_accept",
    description="Accept pending insta snapshots by name.",
    subcommand=("insta", "accept"),
    params=(*COMMON, "snapshots"),
    output="plain",
    effect=Effect(Capability.DESTRUCTIVE, "insta accept", idempotent=True),
    confirmation="cargo insta accept replaces the accepted snapshots {snapshots} in {project}. Go ahead?",
    edits_project=True,
    shows_output=True,
)
INSTA_REJECT = CargoCommand(
    name="cargo_insta_reject",
    description="Reject pending insta snapshots by name.",
    subcommand=("insta", "reject"),
    params=(*COMMON, "snapshots"),
    output="plain",
    effect=Effect(Capability.DESTRUCTIVE, "insta reject", idempotent=True),
    confirmation="cargo insta reject deletes the pending snapshots {snapshots} in {project}. Go ahead?",
    edits_project=True,
    shows_output=True,
)
RUN = CargoCommand(
    name="cargo_run",
    description="Run a binary or example in the sandbox; its output and exit code.",
    subcommand=("run",),
    params=(*COMMON, *SELECT, "bin", "example", "release", "program_args"),
    output="run",
    effect=Effect(Capability.DESTRUCTIVE, "cargo run", open_world=True),
    json_messages=True,
    shows_output=True,
)
ADD = CargoCommand(
    name="cargo_add",
    description="Add dependencies to Cargo.toml.",
    subcommand=("add",),
    params=(
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
    output="plain",
    effect=Effect(Capability.EDIT, "cargo add", idempotent=True, open_world=True),
    guards="manifests",
    network=True,
    fetches=False,
    shows_output=True,
)
REMOVE = CargoCommand(
    name="cargo_remove",
    description="Remove dependencies from Cargo.toml.",
    subcommand=("remove",),
    params=(*COMMON, "package", "dependencies_required", "dev", "build", "dependency_target", "dry_run"),
    output="plain",
    effect=Effect(Capability.DESTRUCTIVE, "cargo remove", idempotent=True),
    confirmation="cargo remove takes {dependencies} out of {manifest}. Go ahead?",
    guards="manifests",
    keeps_table_comments=True,
    shows_output=True,
)
UPDATE = CargoCommand(
    name="cargo_update",
    description="Update Cargo.lock: every package, or `dependencies`.",
    subcommand=("update",),
    params=(*COMMON, "package", "dependencies_optional", "precise", "dry_run", "workspace", "verify"),
    output="plain",
    effect=Effect(Capability.DESTRUCTIVE, "cargo update", open_world=True),
    guards="manifests",
    network=True,
    fetches=False,
    shows_output=True,
)
CLEAN = CargoCommand(
    name="cargo_clean",
    description="Delete build output: all, or one package's.",
    subcommand=("clean",),
    params=(*COMMON, "package", "release", "target", "clean_doc", "dry_run"),
    output="plain",
    effect=Effect(Capability.DESTRUCTIVE, "cargo clean", idempotent=True),
    confirmation="cargo clean, for {project}, deletes {target_dir}. Go ahead?",
    fetches=False,
    shows_output=True,
    cleans_build=True,
)

# in the order the tools are listed
COMMANDS: tuple[CargoCommand, ...] = (
    CHECK,
    CLIPPY,
    CLIPPY_FIX,
    FMT_CHECK,
    BUILD,
    TEST,
    NEXTEST,
    BENCH,
    METADATA,
    TREE,
    OUTDATED,
    INSTA_PENDING,
    INSTA_ACCEPT,
    INSTA_REJECT,
    RUN,
    ADD,
    REMOVE,
    UPDATE,
    CLEAN,
)

COMMANDS_BY_NAME = {command.name: command for command in COMMANDS}
# what a dependency change with `verify` runs before and after it
VERIFY_COMMANDS = {"check": CHECK, "test": TEST}
