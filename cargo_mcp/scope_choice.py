"""Whether a scoped check (`changed=true`) runs cargo on the chosen members (`--package` each) or
on the whole workspace, and the record that makes the choice: which workspace-wide runs are warm in
a build directory.

Stable cargo resolves features for the packages a run selects, so `-p a` after a `--workspace`
build compiles every shared dependency again with a's features only (164 crates on codex-rs), a
second copy beside the workspace's own. `--workspace` on a warm build directory is the same set of
units: only the changed crates and their dependents compile, the rest is found fresh in a moment.
(`resolver.feature-unification = "workspace"` would let `-p` keep the workspace's features, but
cargo 1.95 stable ignores it without the nightly-only `-Zfeature-unification`.)

The rule, first match wins:
1. every member is in scope: the whole workspace (the same run);
2. a compile-only command (check, clippy, build) whose workspace-wide run with the same flags is on
   record in this build directory: the whole workspace (same features, nothing rebuilt);
3. a compile-only command with more than half of the members in scope: the whole workspace (it
   costs little more than the scope and keeps the workspace's features for the next full check);
4. otherwise `--package` for each member in scope (tests run only there; nothing warm to keep).

The record is a small file in the build directory itself, so `cargo clean` takes it with the
artifacts it speaks for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rust_mcp.core.json_nesting import parse_json
from rust_mcp.core.safe_io import read_without_links, write_without_links
from rust_mcp.core.toml_text import parse_toml

if TYPE_CHECKING:
    from .invocation import Invocation
    from .models import CargoResult

RECORD_FILE = "rust-mcp-workspace-runs.json"  # in the build directory, next to rust-mcp-lock
RECORDS_KEPT = 32
RECORD_BYTES = 1024 * 1024
COMPILE_ONLY = frozenset({"cargo_check", "cargo_clippy", "cargo_build"})
# arguments that pick packages: not part of "the same flags"
SELECTION = frozenset({"--workspace", "--all"})
SELECTION_WITH_VALUE = frozenset({"--package", "-p", "--exclude", "--manifest-path"})

RunKind = Literal["packages", "workspace"]


@dataclass(frozen=True)
class Choice:
    run: RunKind
    reason: str


def choose_run(command: str, scoped: int, members: int, warm: bool) -> Choice:
    """The rule in the module docstring, for `scoped` of `members` members in scope."""
    if scoped >= members:
        return Choice("workspace", f"every one of the {members} members is in scope")
    compile_only = command in COMPILE_ONLY
    if compile_only and warm:
        return Choice(
            "workspace",
            "a workspace-wide run with the same flags is warm in this build directory: "
            "--workspace compiles only the changed crates and their dependents, with the same "
            "features (--package would rebuild shared dependencies with other features)",
        )
    if compile_only and scoped * 2 > members:
        return Choice(
            "workspace",
            f"{scoped} of {members} members are in scope: the whole workspace costs little more "
            "and keeps the workspace's features for the next full check",
        )
    why = "tests run only in the scope" if not compile_only else "no warm workspace-wide run to reuse"
    return Choice("packages", f"--package for the {scoped} of {members} members in scope ({why})")


def flags_key(
    command: str, args: Sequence[str], toolchain: str | None, env: Mapping[str, str], root: Path
) -> str:
    """What makes two runs the same units, whatever packages they select: the command, its flags
    without the package selection, the toolchain, the environment and the workspace."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in SELECTION_WITH_VALUE:
            skip = True
        elif arg not in SELECTION and not any(arg.startswith(f"{s}=") for s in SELECTION_WITH_VALUE):
            kept.append(arg)
    text = json.dumps([command, kept, toolchain, sorted(env.items()), str(root)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def workspace_wide(args: Sequence[str], manifest: Path, root: Path) -> bool:
    """Whether a run checks every member: `--workspace`, or at a virtual root with no package
    chosen and no `default-members`."""
    if any(arg == "--exclude" or arg.startswith("--exclude=") for arg in args):
        return False
    if "--workspace" in args or "--all" in args:
        return True
    picked = any(arg in SELECTION_WITH_VALUE - {"--manifest-path"} for arg in args)
    if picked or manifest != root / "Cargo.toml":
        return False
    try:
        data = parse_toml((read_without_links(manifest, RECORD_BYTES) or b"").decode())
    except (OSError, ValueError):  # unreadable, not UTF-8, not TOML: cargo will say so itself
        return False
    workspace = data.get("workspace")
    return "package" not in data and isinstance(workspace, dict) and "default-members" not in workspace


def _records(build_dir: Path) -> dict[str, float]:
    try:
        data = parse_json(read_without_links(build_dir / RECORD_FILE, RECORD_BYTES) or b"{}")
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    # the build directory is the sandbox's to write: a number too large for a float is no record
    return {str(k): float(v) for k, v in data.items() if isinstance(v, float) or _small_int(v)}


def _small_int(value: object) -> bool:
    return isinstance(value, int) and abs(value) < 1 << 62


def is_warm(build_dir: Path, key: str) -> bool:
    return key in _records(build_dir)


def record_run(build_dir: Path, key: str) -> None:
    """Note a successful workspace-wide run; keeps the RECORDS_KEPT newest. Best effort: a build
    directory that cannot take the file only makes the next scoped check choose `--package`."""
    records = _records(build_dir)
    records[key] = time.time()
    newest = dict(sorted(records.items(), key=lambda item: item[1])[-RECORDS_KEPT:])
    if not build_dir.is_dir():  # never made here: cargo makes it, cargo clean removes it
        return
    with contextlib.suppress(OSError):
        write_without_links(build_dir / RECORD_FILE, json.dumps(newest).encode())


def note_run(invocation: Invocation, build_dir: Path | None, result: CargoResult) -> None:
    """After a run: a workspace-wide compile-only run that compiled is recorded as warm."""
    name = invocation.command.name
    if not compiled(result) or build_dir is None or name not in COMPILE_ONLY:
        return
    if workspace_wide(invocation.args, invocation.manifest, invocation.workspace_root):
        record_run(build_dir, run_key(invocation))


def compiled(result: CargoResult) -> bool:
    """Whether a run left its units in the build directory: it passed, or it ran to compile errors
    (the units before them are built with the workspace's features, the rest are still to build
    with them)."""
    if result.timed_out:
        return False
    return result.ok or (result.exit_code == 101 and result.counts.errors > 0)


def run_key(invocation: Invocation) -> str:
    return flags_key(
        invocation.command.name,
        invocation.args,
        invocation.toolchain,
        invocation.env,
        invocation.workspace_root,
    )
