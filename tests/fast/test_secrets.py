"""Secrets invisible from every sandbox, fast and table-driven: the operator's cargo config as a
sandbox sees it (filtered, written back as TOML), the roots refused at start (home, `/`), and the
paths masked inside a root. Diagnostics: test_outside_places.py; the real runs through MCP clients:
test_secret_masking.py."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from rust_mcp.core.cargo_config import filtered_config, sandbox_config_files, write_toml
from rust_mcp.core.containment import CargoHome, Containment
from rust_mcp.core.masked_paths import HOME_ROOT_FLAG, MASKED_NAMES, masked_paths
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import Sandbox
from rust_mcp.core.toolchains import Toolchain
from tests.support import text_of

OPERATOR_CONFIG = """
include = "secrets.toml"
credential-alias.mine = ["/usr/bin/get-token", "--secret"]
[alias]
c = "check"
[build]
rustflags = ["-C", "target-cpu=native"]
jobs = 4
[env]
DATABASE_URL = "postgres://app:envpass@db/app"
[http]
proxy = "http://proxy-user:proxypass@proxy.example:3128"
cainfo = "/etc/ssl/ca.pem"
[net]
git-fetch-with-cli = true
[registry]
default = "corp"
token = "registrytoken"
credential-provider = "cargo:token"
global-credential-providers = ["cargo:libsecret"]
[registries.corp]
index = "sparse+https://reader:indexpass@crates.corp.example/index/"
token = "corptoken"
credential-provider = ["/usr/bin/corp-cred"]
secret-key = "k3.secret.keypass"
[source.crates-io]
replace-with = "mirror"
[source.mirror]
registry = "https://mirror-user:mirrorpass@mirror.example/index"
[target.x86_64-unknown-linux-gnu]
linker = "clang"
[profile.dev]
opt-level = 1
[unknown-table]
secret = "unknownpass"
"""
SECRETS = ("registrytoken", "corptoken", "keypass", "proxypass", "indexpass", "mirrorpass", "unknownpass")

# (network, dotted key, what the copy holds there: a value, or None for absent)
CASES = [
    (False, "alias.c", "check"),
    (False, "build.jobs", 4),
    (False, "build.rustflags", ["-C", "target-cpu=native"]),
    (False, "env.DATABASE_URL", "postgres://app:envpass@db/app"),  # the operator gives it to builds
    (False, "http", None),
    (False, "net", None),
    (False, "include", None),
    (False, "credential-alias", None),
    (False, "registry.default", "corp"),
    (False, "registry.token", None),
    (False, "registry.credential-provider", None),
    (False, "registry.global-credential-providers", None),
    (False, "registries.corp.index", "sparse+https://crates.corp.example/index/"),
    (False, "registries.corp.token", None),
    (False, "registries.corp.credential-provider", None),
    (False, "registries.corp.secret-key", None),
    (False, "source.crates-io.replace-with", "mirror"),
    (False, "source.mirror.registry", "https://mirror.example/index"),
    (False, "target.x86_64-unknown-linux-gnu.linker", "clang"),
    (False, "profile.dev.opt-level", 1),
    (False, "unknown-table", None),
    (True, "http.proxy", "http://proxy-user:proxypass@proxy.example:3128"),  # the fetch reaches out
    (True, "http.cainfo", "/etc/ssl/ca.pem"),
    (True, "net.git-fetch-with-cli", True),
    (True, "registries.corp.index", "sparse+https://reader:indexpass@crates.corp.example/index/"),
    (True, "registries.corp.token", None),
    (True, "registry.token", None),
    (True, "registry.credential-provider", None),
    (True, "unknown-table", None),
]


def _lookup(data: dict[str, object], dotted: str) -> object:
    value: object = data
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


@pytest.mark.parametrize(("network", "key", "expected"), CASES)
def test_the_operator_cargo_config_reaches_a_sandbox_filtered(
    network: bool, key: str, expected: object
) -> None:
    copy = filtered_config(tomllib.loads(OPERATOR_CONFIG), network=network)
    assert _lookup(tomllib.loads(write_toml(copy)), key) == expected


def test_no_token_or_password_survives_in_a_run_without_network(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(OPERATOR_CONFIG)
    (tmp_path / "config").write_text("[registry]\ntoken = 'registrytoken'\n[build]\njobs = 2\n")
    files = dict(sandbox_config_files(tmp_path, network=False))
    assert set(files) == {tmp_path / "config.toml", tmp_path / "config"}
    text = b"".join(files.values()).decode()
    assert [secret for secret in SECRETS if secret in text] == []
    assert tomllib.loads(files[tmp_path / "config"].decode()) == {"registry": {}, "build": {"jobs": 2}}
    fetch = b"".join(dict(sandbox_config_files(tmp_path, network=True)).values()).decode()
    assert [s for s in SECRETS if s in fetch] == ["proxypass", "indexpass", "mirrorpass"]


def test_an_unreadable_or_broken_config_is_not_mounted(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[registry]\ntoken = "unterminated\n')
    (tmp_path / "config").mkdir()
    assert sandbox_config_files(tmp_path, network=False) == ()


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'quote " and back\\slash',
        "tab\tnewline\ncontrol\x01del\x7f",
        "non-ascii é ☃ 😀",
        ["a", 1, 2.5, True, {"inline": "table", "deep": {"x": [1]}}],
        {},
        {"nested": {"a": {"b": "c"}}, "with.dot": 1, "": "empty key"},
        float("inf"),
    ],
)
def test_the_toml_writer_round_trips(value: object) -> None:
    data = {"table": {"key": value}, "top": value}
    assert tomllib.loads(write_toml(data)) == data


def test_a_root_that_is_or_holds_the_home_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home" / "me"
    (home / "project").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    for root in (home, tmp_path / "home", tmp_path):
        with pytest.raises(ValueError) as refused:
            AllowedRoots.from_strings([str(root)])
        message = str(refused.value)
        assert f"--root {str(root)!r}" in message and "--root <project>" in message
        assert HOME_ROOT_FLAG in message
        assert AllowedRoots.from_strings([str(root)], allow_home=True).paths == (root,)
    assert AllowedRoots.from_strings([str(home / "project")]).paths == (home / "project",)
    monkeypatch.chdir(home)
    with pytest.raises(ValueError, match=r"the current directory .* when no --root is given"):
        AllowedRoots.from_strings([])


def test_a_root_inside_a_credentials_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".ssh" / "keys").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ValueError, match="which holds credentials") as refused:
        AllowedRoots.from_strings([str(tmp_path / ".ssh" / "keys")], allow_home=True)
    assert "--root <project>" in str(refused.value) and HOME_ROOT_FLAG not in str(refused.value)


def test_the_file_system_root_is_refused_even_with_the_flag() -> None:
    with pytest.raises(ValueError, match="'/' is the file system's root") as refused:
        AllowedRoots.from_strings(["/"], allow_home=True)
    assert HOME_ROOT_FLAG not in str(refused.value)


MASKED_FILES = (".netrc", ".git-credentials", ".npmrc", ".pypirc", ".vault-token")


def _secrets_under(place: Path) -> list[Path]:
    made = []
    for name in MASKED_NAMES:
        path = place / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if "." in path.name[1:] or name in MASKED_FILES:
            path.write_text("secret")
        else:
            path.mkdir(exist_ok=True)
        made.append(path)
    return made


def test_masked_names_at_the_top_of_home_root_and_workspace_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, root = tmp_path / "home", tmp_path / "root"
    workspace, deep = root / "ws", root / "ws" / "src" / "deep"
    deep.mkdir(parents=True)
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "cache"))
    logs = root / "cache" / "cargo-mcp" / "logs"
    logs.mkdir(parents=True)
    (root / "linked-ssh").symlink_to(tmp_path / "outside")  # a link is never mounted over
    expected = _secrets_under(root) + _secrets_under(workspace)
    not_masked = _secrets_under(deep) + _secrets_under(home)  # home is not inside the root
    masked = masked_paths((root,), [workspace])
    assert set(masked) == {*expected, logs}
    assert not set(not_masked) & set(masked)
    # with home inside a root (--allow-home-root), home's own entries are masked too
    assert set(_secrets_under(home)) <= set(masked_paths((tmp_path,), []))


def test_every_sandbox_masks_them_and_mounts_the_filtered_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cargo_home = tmp_path / "root", tmp_path / "cargo-home"
    root.mkdir()
    cargo_home.mkdir()
    (root / ".netrc").write_text("machine x password p")
    (cargo_home / "config.toml").write_text(OPERATOR_CONFIG)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    containment = Containment(Sandbox("off"), AllowedRoots((root,)), home=CargoHome(cargo_home))
    toolchain = Toolchain(name="stable", bin_dir=tmp_path / "toolchain" / "bin")
    confinement = containment.confinement(toolchain, cwd=root, env={}, writable=(root,))
    assert root / ".netrc" in confinement.hidden
    assert cargo_home / "config.toml" not in confinement.system
    assert [path for path, _ in confinement.files] == [cargo_home / "config.toml"]
    assert b"registrytoken" not in confinement.files[0][1]


@pytest.mark.anyio
async def test_a_client_cannot_choose_the_home_directory_as_its_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    project = home / "project"
    project.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    settings = CargoSettings(AllowedRoots.from_strings([str(project)]), log_dir=tmp_path / "logs")
    async with Client(build_cargo_server(settings), mode="legacy") as client:
        for value in ("~", str(home), "/"):
            result = await client.call_tool("set_working_directory", {"path": value})
            refusal = text_of(result)
            assert result.is_error and f"path {value!r}" in refusal, refusal
            assert "outside the allowed roots" in refusal, refusal
