"""The fetch step's address check: which URLs a project names (manifests, path dependencies, the
lockfile) and which of them point at loopback, link-local or private addresses. Fast; the real
refusal through cargo-mcp, with a loopback listener, is in test_fetch_refusal.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from rust_mcp.core.fetch_hosts import FetchHosts, named_urls, private_address, refused_urls, url_host
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


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1\\@github.com/x.git", "127.0.0.1"),  # a backslash ends the authority
        ("http:/127.0.0.1:9/x.git", "127.0.0.1"),  # a special scheme's slashes are optional
        ("http:127.0.0.1:9/x.git", "127.0.0.1"),
        ("sparse+http:/localhost:9/index/", "localhost"),
        ("http://127%2e0%2e0%2e1/x.git", "127.0.0.1"),  # percent-decoded
        ("http://\uff11\uff12\uff17.0.0.1/x.git", "127.0.0.1"),  # full-width digits
        ("http://127\u30020\u30020\u30021/x.git", "127.0.0.1"),  # ideographic full stops
        ("https://GitHub.com./x.git", "github.com"),
        ("file:///srv/index", None),
    ],
)
def test_the_host_is_read_as_cargo_reads_it(url: str, host: str | None) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize("host", ["0x7f.1", "2130706433", "127.1", "exa\u00admple.com", "a b"])
def test_odd_hosts_are_refused(host: str) -> None:
    assert private_address(host) is not None


def test_manifests_cargo_reads_that_the_walk_skips_are_checked(tmp_path: Path) -> None:
    """A member in a hidden folder (globbed too) and the underscore dependency tables."""
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = [".hidden", "target/*"]\n')
    for member, table in ((".hidden", "dev_dependencies"), ("target/m", "build_dependencies")):
        (tmp_path / member).mkdir(parents=True)
        (tmp_path / member / "Cargo.toml").write_text(
            f'[package]\nname = "m"\nversion = "0.1.0"\n\n[{table}]\n'
            f'x = {{ git = "http://10.1.1.1/{table}.git" }}\n'
        )
    urls = named_urls(tmp_path, AllowedRoots((tmp_path,)))
    assert sorted(urls) == ["http://10.1.1.1/build_dependencies.git", "http://10.1.1.1/dev_dependencies.git"]


def test_manifests_reached_through_links_are_read_as_cargo_reads_them(tmp_path: Path) -> None:
    """A path dependency or a member through a linked folder: cargo follows the link, so does the check."""
    for name in ("app", "elsewhere", "member"):
        (tmp_path / name).mkdir()
    (tmp_path / "app" / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["m*"]\n\n[dependencies]\nnear = { path = "near" }\n'
    )
    (tmp_path / "app" / "near").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "app" / "m1").symlink_to(tmp_path / "member")
    (tmp_path / "elsewhere" / "Cargo.toml").write_text(
        '[dependencies]\nx = { git = "http://10.0.0.9/x.git" }\n'
    )
    (tmp_path / "member" / "Cargo.toml").write_text('[dependencies]\ny = { git = "http://10.0.0.9/y.git" }\n')
    urls = named_urls(tmp_path / "app", AllowedRoots((tmp_path,)))
    assert sorted(urls) == ["http://10.0.0.9/x.git", "http://10.0.0.9/y.git"]
    assert named_urls(tmp_path / "app", AllowedRoots((tmp_path / "app",))) == []  # outside: not read
