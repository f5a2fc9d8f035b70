"""The fetch step's address check: which URLs a project names (manifests, path dependencies, the
lockfile) and which of them point at loopback, link-local or private addresses. Fast; the real
refusal through cargo-mcp, with a loopback listener, is in test_fetch_refusal.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from rust_mcp.core.fetch_hosts import FetchHosts, named_urls, private_address, refused_urls
from rust_mcp.core.roots import AllowedRoots

MANIFEST = """[package]
name = "app"
version = "0.1.0"

[dependencies]
public = { git = "https://1.1.1.1/public.git" }
local = { git = "http://127.0.0.1:9/local.git" }
near = { path = "../near" }

[target.'cfg(unix)'.build-dependencies]
index = { version = "1", registry-index = "sparse+http://localhost:9/index/" }

[patch.crates-io]
patched = { git = "ssh://git@[fe80::1]/p.git" }
"""
NEAR = """[package]
name = "near"
version = "0.1.0"

[dev-dependencies]
lan = { git = "https://192.168.1.20/lan.git" }
"""
LOCK = """version = 3
[[package]]
name = "mapped"
version = "1.0.0"
source = "git+http://[::ffff:10.0.0.1]/m.git?branch=main#0123abcd"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "near").mkdir()
    (tmp_path / "app" / "Cargo.toml").write_text(MANIFEST)
    (tmp_path / "app" / "Cargo.lock").write_text(LOCK)
    (tmp_path / "near" / "Cargo.toml").write_text(NEAR)
    return tmp_path / "app"


def test_every_url_the_fetch_may_contact_is_found(project: Path) -> None:
    urls = named_urls(project, AllowedRoots((project.parent,)))
    assert sorted(urls) == sorted(
        [
            "https://1.1.1.1/public.git",
            "http://127.0.0.1:9/local.git",
            "sparse+http://localhost:9/index/",
            "ssh://git@[fe80::1]/p.git",
            "https://192.168.1.20/lan.git",
            "http://[::ffff:10.0.0.1]/m.git?branch=main",
        ]
    )
    # a path dependency outside the roots is not read
    assert "https://192.168.1.20/lan.git" not in named_urls(project, AllowedRoots((project,)))


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("10.1.2.3", True),
        ("172.20.0.1", True),
        ("169.254.169.254", True),  # cloud metadata
        ("100.64.0.1", True),
        ("::1", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", True),
        ("1.1.1.1", False),
        ("2606:4700::1111", False),
    ],
)
def test_private_addresses(host: str, private: bool) -> None:
    assert (private_address(host) is not None) is private


def test_the_refusal_names_the_urls_and_the_flags(project: Path) -> None:
    roots = AllowedRoots((project.parent,))
    refusal = refused_urls(project, roots, FetchHosts())
    assert refusal is not None
    assert "http://127.0.0.1:9/local.git" in refusal and "(localhost is " in refusal
    assert "and 2 more" in refusal and "1.1.1.1" not in refusal
    assert "--allow-fetch-host HOST" in refusal and "--allow-private-fetch" in refusal
    allowed = FetchHosts(
        allowed_hosts=("127.0.0.1", "LOCALHOST", "fe80::1", "192.168.1.20", "::ffff:10.0.0.1")
    )
    assert refused_urls(project, roots, allowed) is None
    assert refused_urls(project, roots, FetchHosts(allow_private=True)) is None
