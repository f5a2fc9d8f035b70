"""The keying of rust-analyzer's kept check (rust_mcp/core/analyzer_checks.py): which cargo_check
flags it answers, for which files, from which copy; no process is started."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cargo_mcp.run.analyzer_reuse import without_cargo_log
from rust_mcp.core import analyzer_checks as checks
from rust_mcp.core.analyzer_checks import CheckSetting, Copy
from rust_mcp.core.tree_state import tree_state

ROOT = "/w/app"
MANIFEST = f"{ROOT}/Cargo.toml"
RA_ARGV = [
    "check",
    "--workspace",
    "--message-format=json",
    "--manifest-path",
    MANIFEST,
    "--keep-going",
    "--all-targets",
]
CARGO_CHECK = ["check", "--manifest-path", MANIFEST, "--message-format=json-diagnostic-rendered-ansi"]
SETTING = CheckSetting(ROOT, "/tc/bin/cargo")


@pytest.fixture(autouse=True)
def _empty_registry() -> Iterator[None]:
    checks.FINISHED.clear()
    yield
    checks.FINISHED.clear()


def copy_of(argv: list[str], started: int = 1_000_000_000_000, code: int = 0) -> Copy:
    return Copy(argv, ROOT, started, started + 5_000_000, code, '{"reason":"build-finished"}\n', "")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (RA_ARGV, (MANIFEST, frozenset({"--workspace", "--all-targets"}))),
        (
            [*CARGO_CHECK, "--all-targets", "--workspace"],
            (MANIFEST, frozenset({"--workspace", "--all-targets"})),
        ),
        ([*CARGO_CHECK, "--all", "--all-targets"], (MANIFEST, frozenset({"--workspace", "--all-targets"}))),
        (CARGO_CHECK, (MANIFEST, frozenset())),
        ([*CARGO_CHECK, "--features", "serde"], None),  # features by name: never compared
        ([*CARGO_CHECK, "-p", "app"], None),
        ([*CARGO_CHECK, "--target", "wasm32-unknown-unknown"], None),
        (["clippy", "--manifest-path", MANIFEST], None),
        (["check", "--workspace"], None),  # no manifest: not rust-analyzer's
    ],
)
def test_check_flags_compare_the_manifest_and_switches_in_any_order(
    args: list[str], expected: tuple[str, frozenset[str]] | None
) -> None:
    assert checks.check_flags(args) == expected


def test_a_kept_check_answers_only_equal_flags_setting_and_state() -> None:
    kept = checks.keep(copy_of(RA_ARGV), SETTING, "state-1")
    assert kept is not None and checks.STATS["kept"] >= 1
    same = [*CARGO_CHECK, "--workspace", "--all-targets"]
    assert checks.find(SETTING, same, "state-1") is kept
    assert checks.find(SETTING, same, "state-2") is None  # an edit since
    assert checks.find(SETTING, CARGO_CHECK, "state-1") is None  # not all targets, not the workspace
    assert checks.find(SETTING, [*CARGO_CHECK, "--workspace"], "state-1") is None
    assert checks.find(SETTING, [*same, "--all-features"], "state-1") is None
    other_toolchain = CheckSetting(ROOT, "/other/bin/cargo")
    assert checks.find(other_toolchain, same, "state-1") is None
    with_env = CheckSetting(ROOT, "/tc/bin/cargo", (("RUSTFLAGS", "-Dwarnings"),))
    assert checks.find(with_env, same, "state-1") is None
    assert checks.find(CheckSetting(ROOT, "/tc/bin/cargo", network=True), same, "state-1") is None
    assert checks.find(CheckSetting(ROOT, "/tc/bin/cargo", sandboxed=False), same, "state-1") is None
    checks.forget(ROOT)
    assert checks.find(SETTING, same, "state-1") is None


def test_a_copy_of_another_command_or_directory_is_not_kept() -> None:
    assert checks.keep(copy_of(["check", "--manifest-path", MANIFEST, "-p", "x"]), SETTING, "s") is None
    moved = Copy(RA_ARGV, "/elsewhere", 1, 2, 0, "", "")
    assert checks.keep(moved, SETTING, "s") is None
    assert not checks.FINISHED


def test_a_copy_counts_only_when_nothing_changed_since_shortly_before_it_started() -> None:
    started = 1_000_000_000_000
    copy = copy_of(RA_ARGV, started)  # finished 5 ms after it started
    begun, ended = started - 80_000_000, started + 30_000_000  # the tee starts after the begin is seen
    long_ago = started - 1_000_000_000
    assert checks.counts_for(copy, begun, ended, long_ago)
    assert checks.counts_for(copy, started + 20_000_000, ended, long_ago)  # the begin seen late
    assert not checks.counts_for(copy, begun, ended, started + 1)  # a file changed while it ran
    assert not checks.counts_for(copy, begun, ended, started - 10_000_000)  # within a clock tick of its start
    assert not checks.counts_for(copy, begun, started + 1_000_000, long_ago)  # finished after the end seen
    late = started + int(checks.MAX_START_LAG * 1e9) + 1
    assert not checks.counts_for(copy, late, late + 1, long_ago)  # an older check's copy


def write_copy(directory: Path, argv: list[str] = RA_ARGV) -> None:
    done = {"argv": argv, "cwd": ROOT, "started": 10, "finished": 20, "exit": 101}
    (directory / "stdout").write_text('{"reason":"build-finished","success":false}\n')
    (directory / "stderr").write_text("    Checking app\n")
    (directory / "done").write_text(json.dumps(done))


def test_the_copy_is_read_through_the_door(tmp_path: Path) -> None:
    assert checks.read_copy(tmp_path) is None  # no check ran to its end yet
    write_copy(tmp_path)
    copy = checks.read_copy(tmp_path)
    assert copy is not None and copy.exit_code == 101 and copy.argv == RA_ARGV
    assert list(checks.lines(copy.stdout)) == ['{"reason":"build-finished","success":false}']
    assert list(checks.lines(copy.stderr)) == ["    Checking app"]
    secret = tmp_path.parent / "secret.txt"
    secret.write_text("not for us\n")
    (tmp_path / "stdout").unlink()
    (tmp_path / "stdout").symlink_to(secret)  # planted by code in the sandbox: never followed
    assert checks.read_copy(tmp_path) is None
    (tmp_path / "stdout").unlink()
    os.mkfifo(tmp_path / "stdout")  # never waited on
    started = time.monotonic()
    assert checks.read_copy(tmp_path) is None
    assert time.monotonic() - started < 5
    (tmp_path / "stdout").unlink()
    (tmp_path / "stdout").write_text("")
    (tmp_path / "done").write_text('{"argv": "check", "cwd": 1}')  # malformed: ignored
    assert checks.read_copy(tmp_path) is None
    checks.clear_directory(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert secret.read_text() == "not for us\n"


def test_the_tree_state_says_when_the_tree_last_changed(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_text("pub fn f() {}\n")
    (tmp_path / "src" / "old.rs").write_text("\n")
    newest = [0]
    before = tree_state(tmp_path, newest=newest)
    assert newest[0] > 0
    time.sleep(0.02)
    mark = time.time_ns()
    time.sleep(0.02)
    (tmp_path / "src" / "old.rs").unlink()  # a removal shows in its directory's times
    after = [0]
    assert tree_state(tmp_path, newest=after) != before
    assert after[0] > mark - checks.CLOCK_SLACK_NS


def test_the_fingerprint_log_rust_analyzer_asks_for_leaves_the_stderr_shown() -> None:
    lines = [
        "    Checking app v0.1.0 (/w/app)",
        "   0.116s  INFO prepare_target{force=false}: cargo::core::compiler::fingerprint: stale",
        "Caused by:",
        "   0: cargo_util::paths::read_bytes",
        "error: could not compile `app` (lib) due to 1 previous error",
        "    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.01s",
    ]
    assert list(without_cargo_log(lines)) == [lines[0], lines[4], lines[5]]


def test_a_kept_output_is_split_into_lines_only_while_read() -> None:
    assert list(checks.lines("")) == []
    assert list(checks.lines("a\r\n\nb")) == ["a", "", "b"]
    assert list(checks.lines("a\n")) == ["a"]
