"""Every writable mount is a checked build directory: the path checks, table-driven, on a small tree
of real folders and links (no processes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rust_mcp.core.build_dirs import (
    CACHEDIR_TAG,
    BuildDirectoryRefused,
    check_build_directory,
    check_cargo_made,
    create_build_directory,
)
from rust_mcp.core.build_layout import setting_origin
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.containment import granted_writes
from rust_mcp.core.roots import AllowedRoots

TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n"
READ_ONLY = ClientPolicy("Codex read-only", writable=())


def _package(directory: Path) -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{directory.name.lower()}"\nversion = "0.1.0"\n'
    )
    (directory / "src" / "lib.rs").write_text("")
    return directory


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    _package(root / "A")
    (root / "A" / "target").mkdir()
    _package(root / "B")
    _package(root / "projects" / "group" / "C")
    (root / "shared").mkdir()
    (root / "linkdir").symlink_to(root / "B")
    (root / "A" / "tlink").symlink_to(root / "B")
    (tmp_path / "outside").mkdir()
    return root


# (path relative to the root, policy, what the refusal says; None: accepted)
CASES: list[tuple[str, ClientPolicy | None, str | None]] = [
    ("A/target", None, None),
    ("A/target/rust-analyzer", None, None),
    ("A/target-x", None, None),
    ("A/not-yet/made", None, None),
    ("shared", None, "outside the workspace {root}/A: a folder elsewhere may be another workspace's"),
    ("shared/new", None, "outside the workspace {root}/A"),
    ("B", None, "which holds {root}/B/Cargo.toml"),
    ("B/src", None, "inside {root}/B, the package or workspace of {root}/B/Cargo.toml"),
    ("B/src/new", None, "inside {root}/B, the package"),
    ("projects", None, "which holds {root}/projects/group/C/Cargo.toml"),
    ("linkdir", None, "goes through a symbolic link"),
    ("linkdir/x", None, "goes through a symbolic link"),
    ("A/tlink", None, "goes through a symbolic link"),
    ("A/tlink/../B/src", None, "goes through a symbolic link"),
    ("A/src/lib.rs", None, "which is not a directory"),
    ("../outside", None, "outside the allowed roots"),
    ("", None, "is or contains the project or a root"),
    ("A", None, "is or contains the project or a root"),
    ("A/..", None, "is or contains the project or a root"),
    ("A/target", READ_ONLY, None),
    ("A/target/rust-mcp-audit", READ_ONLY, None),
    ("A/target-x", READ_ONLY, "a run may write only this workspace's own target directory {root}/A/target"),
    ("A/other", READ_ONLY, "Codex read-only"),
    ("A/target-x", ClientPolicy("Codex workspace-write", writable=(Path("{root}/A"),)), None),
    ("A/other", ClientPolicy("Codex workspace-write", writable=(Path("{root}/A/src"),)), "and {root}/A/src"),
]


@pytest.mark.parametrize(("relative", "policy", "refusal"), CASES)
def test_build_directory_checks(
    tree: Path, relative: str, policy: ClientPolicy | None, refusal: str | None
) -> None:
    if policy is not None and policy.writable:
        policy = ClientPolicy(
            policy.source, writable=tuple(Path(str(p).format(root=tree)) for p in policy.writable)
        )
    path = Path(str(tree / relative)) if relative else tree

    def check() -> Path:
        return check_build_directory(
            path,
            label="the target directory",
            origin="build.target-dir = 'x' in config.toml",
            fix="THE FIX",
            workspace=tree / "A",
            roots=AllowedRoots((tree,)),
            policy=policy,
        )

    if refusal is None:
        assert check() == Path(os.path.normpath(path))
        return
    with pytest.raises(BuildDirectoryRefused) as refused:
        check()
    message = str(refused.value)
    assert refusal.format(root=tree) in message, message
    # the refusal names the value, where it came from, and the fix; nothing ran
    assert "(build.target-dir = 'x' in config.toml)" in message and "THE FIX" in message, message
    assert "Nothing was run" in message


def test_a_missing_build_directory_is_made_without_links_and_tagged(tree: Path) -> None:
    made = tree / "A" / "target" / "rust-mcp-audit"
    create_build_directory(made)
    assert (made / CACHEDIR_TAG).read_bytes().startswith(TAG.strip())
    create_build_directory(made)  # already there: left as it is
    with pytest.raises(BuildDirectoryRefused, match="symbolic link"):
        create_build_directory(tree / "A" / "tlink" / "made-through-a-link")
    assert not (tree / "B" / "made-through-a-link").exists()


@pytest.mark.parametrize(
    ("layout", "refusal"),
    [
        ({}, "has no CACHEDIR.TAG"),
        ({CACHEDIR_TAG: b"not cargo's\n"}, "has no CACHEDIR.TAG"),
        ({CACHEDIR_TAG: TAG, "debug/x": b""}, None),
        ({CACHEDIR_TAG: TAG, "package/b-0.1.0/Cargo.toml": b""}, None),  # what `cargo package` leaves
        ({CACHEDIR_TAG: TAG, "tests/trybuild/x/Cargo.toml": b""}, None),  # deeper than the check
        ({CACHEDIR_TAG: TAG, "B/Cargo.toml": b""}, "holds {dir}/B/Cargo.toml"),
        ({CACHEDIR_TAG: TAG, "Cargo.toml": b""}, "holds {dir}/Cargo.toml"),
    ],
)
def test_cargo_clean_deletes_only_what_cargo_made(
    tmp_path: Path, layout: dict[str, bytes], refusal: str | None
) -> None:
    directory = tmp_path / "target"
    directory.mkdir()
    for name, content in layout.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(content)
    if refusal is None:
        assert check_cargo_made(directory, "cargo's default") is True
        return
    with pytest.raises(BuildDirectoryRefused) as refused:
        check_cargo_made(directory, "cargo's default")
    assert refusal.format(dir=directory) in str(refused.value) and "Nothing was deleted" in str(refused.value)


def test_cargo_clean_of_nothing_or_through_a_link(tree: Path) -> None:
    assert check_cargo_made(tree / "A" / "target-missing", "cargo's default") is False
    (tree / "B" / CACHEDIR_TAG).write_bytes(TAG)
    with pytest.raises(BuildDirectoryRefused, match="symbolic link"):
        check_cargo_made(tree / "linkdir", "x")
    tagged_link = tree / "A" / "target" / CACHEDIR_TAG
    tagged_link.symlink_to(tree / "B" / CACHEDIR_TAG)
    with pytest.raises(BuildDirectoryRefused, match=r"has no CACHEDIR\.TAG"):
        check_cargo_made(tree / "A" / "target", "x")


def test_the_origin_names_the_setting_and_its_file(tree: Path) -> None:
    workspace = tree / "A"
    config = workspace / ".cargo" / "config.toml"
    config.parent.mkdir()
    config.write_text('[build]\ntarget-dir = "../B"\n')
    origin, fix = setting_origin("target", tree / "B", workspace, workspace, {}, tree / "no-home")
    assert origin == f"build.target-dir = '../B' in {config}"
    assert (
        f"remove build.target-dir from {config}" in fix and f"CARGO_TARGET_DIR={workspace / 'target'}" in fix
    )
    origin, fix = setting_origin("target", tree / "x", workspace, workspace, {"CARGO_TARGET_DIR": "x"}, tree)
    assert origin == "CARGO_TARGET_DIR='x' in cargo_env" and f"inside {workspace / 'target'}" in fix
    config.unlink()
    origin, _ = setting_origin("target", workspace / "target", workspace, workspace, {}, tree / "no-home")
    assert origin == "cargo's default"


def test_a_writable_root_reached_through_a_link_is_not_granted(tree: Path) -> None:
    workspace = tree / "A"
    (workspace / "real").mkdir()
    policy = ClientPolicy("Codex workspace-write", writable=(workspace / "real", workspace / "tlink"))
    assert granted_writes(workspace, policy) == (workspace / "real",)
    assert granted_writes(workspace, ClientPolicy("Codex workspace-write", writable=(tree,))) == (workspace,)
    assert granted_writes(workspace, READ_ONLY) == ()
