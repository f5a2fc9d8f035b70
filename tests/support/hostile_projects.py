"""Crates a hostile project might be, for both tiers: a path dependency through a link loop, with a
NUL byte or dangling; TOML nested deeper than Python's recursion limit in each file we parse."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support import FIXTURES

HOSTILE_DEPENDENCIES = {
    "link-loop": 'foo = { path = "loop" }',
    "nul-byte": 'foo = { path = "a\\u0000b" }',
    "dangling": 'foo = { path = "gone/../../x" }',
}


def hostile_dependency_crate(root: Path, kind: str) -> Path:
    crate = root / kind
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    manifest = crate / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace("[dependencies]", f"[dependencies]\n{HOSTILE_DEPENDENCIES[kind]}")
    )
    (crate / "loop").symlink_to("loop")
    return crate


DEEP = "[" * 3000 + "]" * 3000  # deeper than Python's recursion limit: tomllib raises RecursionError


NESTED_FILES = {
    "manifest": ("Cargo.toml", None),
    "cargo-config": (".cargo/config.toml", f"[env]\nDEEP = {DEEP}\n"),
    "toolchain-file": ("rust-toolchain.toml", f'[toolchain]\nchannel = "stable"\ndeep = {DEEP}\n'),
}


def nested_toml_crate(root: Path, kind: str) -> Path:
    crate = root / f"nested-{kind}"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    name, text = NESTED_FILES[kind]
    if text is None:  # the manifest itself: the nesting in its metadata table
        text = (crate / name).read_text() + f"\n[package.metadata]\ndeep = {DEEP}\n"
    (crate / name).parent.mkdir(exist_ok=True)
    (crate / name).write_text(text)
    return crate
