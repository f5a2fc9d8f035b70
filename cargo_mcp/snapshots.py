"""Pending insta snapshots, from `cargo insta pending-snapshots --as-json`: one JSON line per snapshot,
`{"type":"file_snapshot","path":".../x.snap"}` (the new content waits in `x.snap.new`) or
`{"type":"inline_snapshot","path":".../x.rs","line":N,"old_snapshot":..,"new_snapshot":..}`.
Each becomes a name cargo insta accepts with `--snapshot` (its workspace-relative path, `:line` for
inline ones) and a unified diff from the accepted content to the new one."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from rust_mcp.core.budgets import MAX_SNAPSHOT_BYTES
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.errors import Refusal
from rust_mcp.core.full_text import save_full_text
from rust_mcp.core.json_nesting import parse_json
from rust_mcp.core.project_files import off_loop, read_text

from .render_workflows import SHORT_DIFF, SNAPSHOTS_IN_TEXT
from .workflow_models import PendingSnapshot

DIFF_LIMIT = 1500
SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+/-]{0,299}(?::[0-9]{1,7})?")


def check_snapshot_name(value: str) -> str:
    """A snapshot as cargo_insta_pending names it: a relative path, `:line` for an inline one."""
    if not SNAPSHOT_NAME.fullmatch(value) or ".." in value.split("/"):
        raise Refusal(
            f"snapshot {value!r} is not a snapshot name: pass one as cargo_insta_pending lists it, e.g. "
            "tests/snapshots/api__greeting.snap or src/lib.rs:42"
        )
    return value


def snapshot_body(text: str) -> str:
    """The content of a .snap file, without its `---` metadata header."""
    if text.startswith("---\n"):
        header_end = text.find("\n---\n", 4)
        if header_end != -1:
            return text[header_end + 5 :]
    return text


def _source(text: str) -> str | None:
    match = re.search(r"^source: (.+)$", text.split("\n---\n", 1)[0], re.MULTILINE)
    return match[1].strip().strip('"') if match else None


def _diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "accepted", "new", lineterm="", n=2)
    return "\n".join(lines)


def clip_diffs(snapshots: list[PendingSnapshot], log_dir: Path) -> str | None:
    """Each snapshot's diff cut to DIFF_LIMIT (the answer may cut it further); the path of a private
    file holding every diff uncut, written when an answer could leave any of it out."""
    whole = "".join(f"pending {s.kind} snapshot {s.name}\n{s.diff}\n\n" for s in snapshots)
    could_cut = len(snapshots) > SNAPSHOTS_IN_TEXT or any(len(s.diff) > SHORT_DIFF for s in snapshots)
    for snapshot in snapshots:
        snapshot.diff = clip_end(snapshot.diff, DIFF_LIMIT)
    return save_full_text(log_dir, "snapshot-diffs", whole) if could_cut else None


class SnapshotNotRead(Refusal):
    """A snapshot file that is not read: outside the workspace, a link, not a regular file, too large."""


def _read(path: Path, workspace_root: Path) -> str:
    """A .snap file's text, read through the one door (no link followed anywhere on its path, a
    regular file of at most MAX_SNAPSHOT_BYTES); "" when there is none. cargo insta runs project code
    in the sandbox, so the paths it prints are the project's word: they must lie inside the workspace."""
    if not path.is_relative_to(workspace_root):
        raise SnapshotNotRead(f"{path} is outside the workspace {workspace_root}; it is not read")
    try:
        return read_text(path, MAX_SNAPSHOT_BYTES) or ""
    except Refusal as refused:
        raise SnapshotNotRead(str(refused)) from refused
    except OSError:
        return ""


def _file_snapshot(path: Path, relative: str, workspace_root: Path) -> PendingSnapshot:
    try:
        new_text = _read(path.with_name(path.name + ".new"), workspace_root)
        old_text = _read(path, workspace_root)
    except SnapshotNotRead as refused:
        return PendingSnapshot(name=relative, kind="file", diff=f"(not shown: {refused})")
    return PendingSnapshot(
        name=relative,
        kind="file",
        source=_source(new_text),
        diff=_diff(snapshot_body(old_text), snapshot_body(new_text)),
    )


async def pending_snapshots(lines: list[str], workspace_root: Path, deadline: float) -> list[PendingSnapshot]:
    """read_pending off the event loop, within `deadline` seconds."""
    return await off_loop(read_pending, lines, workspace_root, deadline=deadline, what="reading .snap files")


def read_pending(lines: list[str], workspace_root: Path) -> list[PendingSnapshot]:
    """The pending snapshots cargo insta listed, with whole diffs (clip_diffs cuts them), in its order.
    Blocking: async code calls pending_snapshots."""
    found: list[PendingSnapshot] = []
    for line in lines:
        try:
            entry = parse_json(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or "path" not in entry:
            continue
        path = Path(os.path.normpath(str(entry["path"])))  # no `..` walks out of the workspace
        inside = path.is_relative_to(workspace_root)
        relative = path.relative_to(workspace_root).as_posix() if inside else str(path)
        if entry.get("type") == "inline_snapshot":
            line_number = int(entry.get("line") or 0)
            found.append(
                PendingSnapshot(
                    name=f"{relative}:{line_number}",
                    kind="inline",
                    source=relative,
                    line=line_number,
                    diff=_diff(str(entry.get("old_snapshot") or ""), str(entry.get("new_snapshot") or "")),
                )
            )
        else:
            found.append(_file_snapshot(path, relative, workspace_root))
    return found
