"""Secrets invisible from every sandbox, through a real MCP client with real cargo and bubblewrap:
a server started on the home directory is refused (both servers), and with --allow-home-root a build
script that reads every masked name (in home, at the top of the workspace), the log directory and the
token file gets nothing; `include_str!` of the operator's cargo config shows no token; a module
outside the roots shows none of its lines."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from rust_mcp.core.outside_places import OUTSIDE_LABEL
from tests.support import BIN, require_bubblewrap, require_rust_analyzer, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
SECRET_FILES = (
    ".ssh/id_ed25519",
    ".gnupg/private-keys-v1.d/key",
    ".aws/credentials",
    ".azure/accessTokens.json",
    ".kube/config",
    ".docker/config.json",
    ".config/gh/hosts.yml",
    ".netrc",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
)
BUILD_SCRIPT = """
fn main() {
    let mut seen = String::new();
    for path in PATHS {
        match std::fs::read_to_string(path) {
            Ok(text) => seen.push_str(&format!("read {path}: [{text}]\\n")),
            Err(error) => seen.push_str(&format!("not read {path}: {error}\\n")),
        }
    }
    panic!("READ-ATTEMPTS-DONE\\n{seen}");
}
"""


@dataclass
class Home:
    home: Path
    cargo_home: Path
    project: Path
    marker: str
    token: str
    env: dict[str, str]
    secrets: list[Path]


@pytest.fixture(scope="module")
def fake_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    require_bubblewrap()
    base = tmp_path_factory.mktemp("secrets")
    home, cargo_home = base / "home", base / "cargo-home"
    project = home / "work" / "reader"
    marker, token = f"marker-{uuid.uuid4().hex}", f"token-{uuid.uuid4().hex}"
    secrets = [home / name for name in SECRET_FILES]
    secrets += [project / name for name in (".netrc", ".git-credentials", ".aws/credentials")]
    secrets += [home / ".cache" / "cargo-mcp" / "logs" / "old.log", home / "token"]
    for path in secrets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{marker} in {path.name}\n")
    (home / "token").chmod(0o600)
    (cargo_home / "registry").mkdir(parents=True)
    (cargo_home / "config.toml").write_text(
        f'[registry]\ntoken = "{token}"\n[registries.corp]\nindex = "sparse+https://u:{token}@corp.example/"\n'
        f'token = "{token}"\ncredential-provider = "cargo:token"\n[build]\nincremental = true\n'
    )
    _write_crate(project, "reader", build=BUILD_SCRIPT.replace("PATHS", _rust_list(secrets)))
    _write_crate(
        home / "work" / "includer",
        "includer",
        lib=f"const _: () = panic!(include_str!({str(cargo_home / 'config.toml')!r}));\n".replace("'", '"'),
        edition="2018",  # panic!(non-literal) is a panic with that text
    )
    analyzed = home / "work" / "analyzed"
    _write_crate(
        analyzed,
        "analyzed",
        lib=f'const _: () = panic!(include_str!("{home / ".netrc"}"));\n'
        f'const _: () = panic!(include_str!("{analyzed / ".netrc"}"));\n',
        edition="2018",
    )
    (analyzed / ".netrc").write_text(f"{marker} in the workspace's .netrc\n")
    _write_crate(home / "work" / "outsider", "outsider", lib='#[path = "/etc/hosts"]\nmod hosts;\n')
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "CARGO_HOME": str(cargo_home),
        "RUSTUP_HOME": os.environ.get("RUSTUP_HOME") or str(Path.home() / ".rustup"),
    }
    return Home(home, cargo_home, project, marker, token, env, secrets)


def _rust_list(paths: list[Path]) -> str:
    return "[" + ", ".join(f'"{path}"' for path in paths) + "]"


def _write_crate(
    directory: Path, name: str, *, build: str | None = None, lib: str = "", edition: str = "2021"
) -> None:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "{edition}"\n'
    )
    (directory / "src" / "lib.rs").write_text(lib)
    if build is not None:
        (directory / "build.rs").write_text(build)


@pytest.mark.parametrize("command", ["cargo-mcp", "rust-analyzer-mcp"])
def test_a_server_started_on_the_home_directory_is_refused(fake_home: Home, command: str) -> None:
    args = ["serve"] if command == "cargo-mcp" else []
    for extra in ([], ["--root", str(fake_home.home)], ["--root", str(fake_home.home.parent)]):
        proc = subprocess.run(
            [str(BIN / command), *args, *extra],
            cwd=fake_home.home,  # a client started in ~, with no --root: the root is ~
            env=fake_home.env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert proc.returncode != 0, proc.stderr
        assert "--root <project>" in proc.stderr and "--allow-home-root" in proc.stderr, proc.stderr
        assert "home directory" in proc.stderr


def _server(fake_home: Home) -> StdioServerParameters:
    return StdioServerParameters(
        command=str(BIN / "cargo-mcp"),
        args=["serve", "--allow-home-root", "--auth-token-file", str(fake_home.home / "token")],
        env=fake_home.env,
        cwd=str(fake_home.home),
    )


@pytest.fixture(scope="module")
async def home_cargo(fake_home: Home) -> AsyncIterator[Client]:
    async with Client(_server(fake_home), mode="legacy", read_timeout_seconds=900) as client:
        yield client


async def test_a_build_script_reads_no_masked_file_even_with_home_as_root(
    home_cargo: Client, fake_home: Home
) -> None:
    result = await home_cargo.call_tool("cargo_check", {"path": str(fake_home.project)})
    answer = text_of(result) + str(result.structured_content)
    assert "READ-ATTEMPTS-DONE" in answer, answer  # the build script ran and reported
    assert fake_home.marker not in answer, answer
    for path in fake_home.secrets:
        assert f"read {path}: []" in answer or f"not read {path}" in answer, (path, answer)


async def test_include_str_of_the_operator_cargo_config_shows_no_token(
    home_cargo: Client, fake_home: Home
) -> None:
    result = await home_cargo.call_tool("cargo_check", {"path": str(fake_home.home / "work" / "includer")})
    answer = text_of(result) + str(result.structured_content)
    assert "incremental" in answer, answer  # the filtered copy was included and shown
    assert fake_home.token not in answer, answer


async def test_a_module_outside_the_roots_shows_none_of_its_lines(
    home_cargo: Client, fake_home: Home
) -> None:
    hosts = [line for line in Path("/etc/hosts").read_text().splitlines() if line.strip()]
    result = await home_cargo.call_tool("cargo_check", {"path": str(fake_home.home / "work" / "outsider")})
    answer = text_of(result) + str(result.structured_content)
    diagnostics = structured(result)["diagnostics"]
    assert diagnostics and diagnostics[0]["file"] == OUTSIDE_LABEL, answer
    assert "/etc/hosts" not in diagnostics[0]["rendered"], answer
    assert [line for line in hosts if line in answer] == [], answer


async def test_rust_analyzer_checks_see_no_masked_file(fake_home: Home) -> None:
    require_rust_analyzer()
    server = StdioServerParameters(
        command=str(BIN / "rust-analyzer-mcp"),
        args=["--allow-home-root"],
        env=fake_home.env,
        cwd=str(fake_home.home),
    )
    async with Client(server, mode="legacy", read_timeout_seconds=900) as client:
        lib = fake_home.home / "work" / "analyzed" / "src" / "lib.rs"
        result = await client.call_tool(
            "rust_analyzer_diagnostics", {"file_path": str(lib), "check_timeout_secs": 600}
        )
    answer = text_of(result) + str(result.structured_content)
    body = result.structured_content or {}
    assert body.get("check_ran") is True, answer
    assert [d["line"] for d in body["diagnostics"] if d["severity"] == "error"] == [1, 2], answer
    assert fake_home.marker not in answer, answer
