"""Sixth red team: a walk that cannot list a directory says so (project_walk.walk_without_links's
`unlisted`), and the walks that must see everything act on it: the socket scan is incomplete (the run
gets the filter that refuses unix sockets, and a note naming the directory), and the files' state is
one of its own (no check reused). A directory deeper than MAX_WALK_DEPTH is the case any user can
make; an unreadable but searchable one needs a non-root user (tests/real/test_hostile_deep_walks.py
covers the real runs)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from rust_mcp.core.project_walk import MAX_WALK_DEPTH, walk_without_links
from rust_mcp.core.tree_state import tree_state
from rust_mcp.core.unix_sockets import find_sockets


def deep_directory(top: Path) -> Path:
    directory = top.joinpath(*["d"] * (MAX_WALK_DEPTH + 2))
    directory.mkdir(parents=True)
    return directory


def test_a_directory_past_the_depth_is_reported_not_listed(tmp_path: Path) -> None:
    deep = deep_directory(tmp_path / "tree")
    (deep / "hidden.rs").write_text("")
    (tmp_path / "tree" / "seen.rs").write_text("")
    missed: list[str] = []
    names = [f.name for f in walk_without_links(tmp_path / "tree", bool, bool, unlisted=missed.append)]
    assert names == ["seen.rs"]
    assert len(missed) == 1 and deep.is_relative_to(missed[0]) and Path(missed[0]) != deep.parent, missed
    gone: list[str] = []
    assert list(walk_without_links(tmp_path / "absent", bool, bool, unlisted=gone.append)) == []
    assert gone == [str(tmp_path / "absent")]


def test_a_socket_scan_past_the_depth_is_incomplete_and_names_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "root"
    deep = deep_directory(root / "deep")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(root / "s.sock"))  # a socket's path must be short: made here, moved deep
        os.rename(root / "s.sock", deep / "s.sock")
        scan = find_sockets([root])
    finally:
        server.close()
    assert not scan.complete and scan.sockets == (), scan
    assert scan.unlisted is not None and deep.is_relative_to(scan.unlisted), scan
    assert str(scan.unlisted) in scan.note() and "could not create unix sockets" in scan.note()
    shallow = find_sockets([root.joinpath("deep", *["d"] * 4)])  # from nearer, all of it is listed
    assert shallow.complete, shallow


def test_a_tree_past_the_depth_never_has_an_equal_state(tmp_path: Path) -> None:
    crate = tmp_path / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "deep"\nversion = "0.1.0"\n')
    (crate / "src" / "lib.rs").write_text("")
    state = tree_state(crate, (tmp_path,))
    assert tree_state(crate, (tmp_path,)) == state  # the control: an unchanged tree, the same state
    (deep_directory(crate / "src") / "value.rs").write_text("pub const VALUE: u8 = 1;\n")
    assert tree_state(crate, (tmp_path,)) != tree_state(crate, (tmp_path,))
