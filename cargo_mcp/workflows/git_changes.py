"""Which files under a directory differ from a git revision: changed, added (not ignored) or deleted.

Project files can configure git to run programs (`core.fsmonitor`, clean filters named in
.gitattributes, external diff drivers), and these tools run outside any sandbox the agent is in.
So git is only asked to read objects (`rev-parse`, `ls-tree`) and ignore rules (`check-ignore
--no-index`), which run nothing; the working tree is hashed here, as git hashes a blob, without
filters. A filtered file (LFS, eol conversion) may count as changed when it is not: that only
widens a scoped check, never narrows it. Files are hashed through the one door (no link followed,
regular files only, at most MAX_HASHED_BYTES), off the event loop and within the call's deadline: a
FIFO, a device or a file too large to hash counts as changed, and is never waited on.

Which repository: one the project can point anywhere (a `.git` file saying `gitdir: /elsewhere`,
`core.worktree`, `objects/info/alternates`), and whose trees would then list files outside the
allowed roots as deleted. So its git directories must lie inside the allowed roots or be the
`.git` folder of a work tree above them (a workspace in a subfolder of a repository: only paths
under the workspace are compared), the work tree must hold the compared directory, and borrowed
object stores must lie inside the roots."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cargo_mcp.run.helper_runs import capture
from cargo_mcp.table.validate import check_revision
from rust_mcp.core.budgets import MAX_HASHED_BYTES, MAX_HASHED_TOTAL_BYTES
from rust_mcp.core.cargo_projects import project_files
from rust_mcp.core.errors import Refusal
from rust_mcp.core.project_files import git_blob_ids, is_regular_file, off_loop, read_text
from rust_mcp.core.roots import AllowedRoots

# no fsmonitor hook, no pager, no user or system config that could name programs
GIT = ("git", "-c", "core.fsmonitor=false", "-c", "core.pager=cat", "--no-pager")
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}
# files outside the walk (hidden directories) that still change how every package builds
HIDDEN_BUILD_FILES = (".cargo/config.toml", ".cargo/config")


@dataclass(frozen=True)
class Changes:
    toplevel: Path
    revision: str
    files: list[str]  # relative to the directory that was compared, sorted


async def _git(args: list[str], cwd: Path, env: Mapping[str, str]) -> str:
    run = await capture([*GIT, *args], cwd, {**env, **GIT_ENV})
    if not run.ok:
        raise run.failure(f"git {args[0]}")
    return run.stdout


async def changed_since(
    directory: Path,
    revision: str,
    env: Mapping[str, str],
    deadline: float | None = None,
    roots: AllowedRoots | None = None,
) -> Changes:
    """Files under `directory` whose content differs from `revision`'s, plus files it lacks (unless
    ignored) and files it has that are gone. The working tree is hashed within `deadline` seconds.
    With `roots`, a repository that lives outside them is refused (see above)."""
    check_revision(revision)
    asked = ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir", "--git-common-dir"]
    run = await capture([*GIT, *asked], directory, {**env, **GIT_ENV})
    if not run.ok:
        raise Refusal(f"changed=true compares with git, but {directory} is not inside a git repository")
    toplevel, *git_dirs = run.stdout.strip().split("\n")
    if roots is not None:
        await off_loop(
            check_repository, directory, Path(toplevel), git_dirs, roots, what="reading git's layout"
        )
    commit = await capture(
        [*GIT, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"],
        directory,
        {**env, **GIT_ENV},
    )
    if not commit.ok:
        raise Refusal(f"since {revision!r} is not a commit in {toplevel}")
    listing = await _git(["ls-tree", "-r", "-l", "-z", "--full-tree", commit.stdout.strip()], directory, env)
    changed, added = await off_loop(
        compare_worktree, directory, Path(toplevel), listing, deadline=deadline, what="hashing the work tree"
    )
    if added:
        changed |= set(added) - await _ignored(directory, added, env)
    return Changes(Path(toplevel), revision, sorted(changed))


def check_repository(directory: Path, toplevel: Path, git_dirs: list[str], roots: AllowedRoots) -> None:
    """Refuse a repository whose data lies outside `roots` (but a work tree's own `.git` above
    them), whose work tree does not hold `directory`, or that borrows objects from outside."""
    top, where = toplevel.resolve(), directory.resolve()
    if where != top and not where.is_relative_to(top):
        raise Refusal(
            f"git's work tree for {directory} is {toplevel}, which does not hold it; changed=true not run"
        )
    fix = "call without changed and since (no git), or have the operator add the repository to --root"
    for git_dir in dict.fromkeys(Path(item).resolve() for item in git_dirs):
        if not roots.contains(git_dir) and git_dir != top / ".git":
            raise Refusal(f"{directory}'s git repository is {git_dir}, outside the allowed roots: {fix}")
        alternates = read_text(git_dir / "objects" / "info" / "alternates", 64 * 1024) or ""
        for line in alternates.splitlines():
            borrowed = (git_dir / "objects" / line.strip()).resolve() if line.strip() else None
            if borrowed is not None and not line.startswith("#") and not roots.contains(borrowed):
                raise Refusal(
                    f"{git_dir} borrows git objects from {borrowed}, outside the allowed roots: {fix}"
                )


def compare_worktree(directory: Path, toplevel: Path, listing: str) -> tuple[set[str], list[str]]:
    """(changed or deleted, added) paths relative to `directory`, from `git ls-tree -r -l -z` output.
    A file whose size is not its blob's is changed unread; at most MAX_HASHED_TOTAL_BYTES are hashed
    in all, and past them a file counts as changed (a wider check, never a narrower one)."""
    prefix = directory.resolve().relative_to(toplevel.resolve()).as_posix()
    recorded: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for entry in listing.split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) >= 3 and fields[1] == "blob" and (prefix == "." or path.startswith(prefix + "/")):
            relative = path if prefix == "." else path.removeprefix(prefix + "/")
            recorded[relative] = fields[2]
            if len(fields) == 4 and fields[3].isdigit():
                sizes[relative] = int(fields[3])
    present = {
        Path(entry.path).relative_to(directory).as_posix(): Path(entry.path)
        for entry in project_files(directory, lambda name: True)
    }
    for name in HIDDEN_BUILD_FILES:
        if is_regular_file(directory / name):
            present[name] = directory / name
    hashed = git_blob_ids(
        [path for rel, path in present.items() if rel in recorded],
        MAX_HASHED_BYTES,
        sizes={path: sizes[rel] for rel, path in present.items() if rel in sizes},
        total=MAX_HASHED_TOTAL_BYTES,
    )
    changed = {rel for rel, path in present.items() if rel in recorded and recorded[rel] != hashed[path]}
    deleted = {rel for rel in recorded if _walked(rel)} - present.keys()
    return changed | deleted, sorted(present.keys() - recorded.keys())


def _walked(relative: str) -> bool:
    """Whether the directory walk would have seen this path (it skips build output and hidden dirs)."""
    parts = relative.split("/")
    return relative in HIDDEN_BUILD_FILES or not any(
        part in ("target", "node_modules") or part.startswith(".") for part in parts[:-1]
    )


async def _ignored(directory: Path, paths: list[str], env: Mapping[str, str]) -> set[str]:
    """The paths git's ignore rules exclude (read from .gitignore files; nothing is run)."""
    run = await capture(
        [*GIT, "check-ignore", "--no-index", "-z", "--stdin"],
        directory,
        {**env, **GIT_ENV},
        stdin="\0".join(paths).encode("utf-8", "surrogateescape") + b"\0",  # names as on disk
    )
    if run.exit_code not in (0, 1):  # 1: none of them is ignored
        raise run.failure("git check-ignore")
    return {path for path in run.stdout.split("\0") if path}
