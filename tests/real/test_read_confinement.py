"""Reads stay inside the roots, through a real client: a crate inside the root reaches files outside
it every way a project can (a symlinked module added after the workspace loaded, `#[path]` modules
naming /etc/passwd and an absolute file, a path dependency and a `[lib] path` outside the roots),
and no answer of rust-analyzer-mcp carries anything of them: not through hover, definition with
bodies, references, symbols, workspace symbols, diagnostics or the unsafe audit. Run with the
sandbox (rust-analyzer cannot see outside) and without it (rust-analyzer reads everything, and only
the server's own confinement stands between the files and the answers)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from rust_mcp.dev.figures import record
from tests.support import require_rust_analyzer, server_params, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
LEAK = "LEAK-5e1c"  # written only in files outside the roots
PASSWD_ONLY = "daemon:x:1:1"  # a line of the machine's /etc/passwd that no sandbox shows


def outside_file(kind: str) -> str:
    return (
        f"/// {LEAK} doc of {kind}\n"
        f"pub fn {kind}_entry() -> u32 {{\n"
        f'    let _s = "{LEAK} body of {kind}";\n'
        f"    // SAFETY: {LEAK} comment of {kind}\n"
        "    unsafe { core::ptr::read(&7u32) }\n"
        "}\n"
        f"/// {LEAK} hidden item\n"
        f"pub fn {kind}_hidden_5e1c() {{}}\n"
    )


@dataclass
class Leaky:
    modules: Path  # a symlinked module, #[path] modules
    dependency: Path  # a path dependency outside the roots
    library: Path  # a [lib] path outside the roots
    outside: Path


def _crate(directory: Path, manifest_extra: str, source: str, text: str) -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{directory.name}"\nversion = "0.1.0"\nedition = "2021"\n\n{manifest_extra}'
    )
    (directory / "src" / source).write_text(text)
    return directory


def build(inside: Path, outside: Path) -> Leaky:
    if inside.exists():
        shutil.rmtree(inside)
    outside.mkdir(parents=True, exist_ok=True)
    for kind in ("linked", "absolute", "library"):
        (outside / f"{kind}.rs").write_text(outside_file(kind))
    dependency = outside / "outside_dep"
    (dependency / "src").mkdir(parents=True, exist_ok=True)
    (dependency / "Cargo.toml").write_text(
        '[package]\nname = "outside_dep"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (dependency / "src" / "lib.rs").write_text(outside_file("dependency"))
    modules = _crate(
        inside / "modules",
        "",
        "lib.rs",
        f'#[path = "{outside / "absolute.rs"}"]\nmod absolute;\n'
        '#[allow(dead_code)]\n#[path = "/etc/passwd"]\nmod passwd;\n'
        "pub fn uses() -> u32 {\n    absolute::absolute_entry()\n}\n",
    )
    with_dependency = _crate(
        inside / "with_dep",
        f'[dependencies]\noutside_dep = {{ path = "{dependency}" }}\n',
        "main.rs",
        'fn main() {\n    println!("{}", outside_dep::dependency_entry());\n}\n',
    )
    library = _crate(
        inside / "lib_outside",
        f'[lib]\npath = "{outside / "library.rs"}"\n',
        "main.rs",
        'fn main() {\n    println!("{}", lib_outside::library_entry());\n}\n',
    )
    return Leaky(modules, with_dependency, library, outside)


def link_module_after_load(leaky: Leaky) -> Path:
    """Add `mod linked;` whose file is a symlink to a file outside the roots."""
    lib = leaky.modules / "src" / "lib.rs"
    (leaky.modules / "src" / "linked.rs").symlink_to(leaky.outside / "linked.rs")
    text = lib.read_text().replace("pub fn uses() -> u32 {\n", "mod linked;\npub fn uses() -> u32 {\n")
    lib.write_text(
        text.replace("absolute::absolute_entry()", "absolute::absolute_entry() + linked::linked_entry()")
    )
    return lib


def position(path: Path, needle: str) -> dict[str, Any]:
    """file_path, line and column of the first occurrence of `needle` in `path`."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return {"file_path": str(path), "line": number, "column": line.index(needle) + 1}
    raise AssertionError(f"{needle} not in {path}")


def calls(leaky: Leaky, lib: Path) -> list[tuple[str, dict[str, Any]]]:
    uses_dependency = leaky.dependency / "src" / "main.rs"
    uses_library = leaky.library / "src" / "main.rs"
    targets = [
        position(lib, "linked_entry"),
        position(lib, "absolute_entry"),
        position(lib, "mod passwd") | {"column": 5},
        position(uses_dependency, "dependency_entry"),
        position(uses_library, "library_entry"),
    ]
    found: list[tuple[str, dict[str, Any]]] = []
    for at in targets:
        found += [
            ("rust_analyzer_hover", at),
            ("rust_analyzer_definition", at | {"include_body": True}),
            ("rust_analyzer_references", at),
            ("rust_analyzer_implementations", at | {"include_body": True}),
        ]
    sources = ((leaky.modules, lib, "uses"), (leaky.dependency, uses_dependency, "main"))
    for workspace, source, function in (*sources, (leaky.library, uses_library, "main")):
        found += [
            ("rust_analyzer_symbols", {"file_path": str(source), "include_bodies": True}),
            ("rust_analyzer_diagnostics", {"file_path": str(source), "check_timeout_secs": 120}),
            ("rust_analyzer_workspace_diagnostics", {"workspace": str(workspace), "check_timeout_secs": 120}),
            ("rust_analyzer_workspace_symbol", {"query": "hidden_5e1c", "workspace": str(workspace)}),
            (
                "rust_analyzer_workspace_symbol",
                {"query": "_entry", "workspace": str(workspace), "with_dependencies": True},
            ),
            ("rust_analyzer_unsafe_audit", {"workspace": str(workspace), "include_clippy": False}),
            ("rust_analyzer_call_hierarchy", position(source, function)),
        ]
    found.append(("rust_analyzer_symbols", {"file_path": str(leaky.modules / "src" / "linked.rs")}))
    return found


@pytest.fixture(params=["bwrap", "off"])
async def analyzer(request: pytest.FixtureRequest, workspace_root: Path) -> AsyncIterator[tuple[Client, str]]:
    require_rust_analyzer()
    params = server_params("rust-analyzer-mcp", "--root", str(workspace_root), "--sandbox", request.param)
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        yield client, request.param


async def test_nothing_outside_the_roots_comes_back(
    analyzer: tuple[Client, str], scratch: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    client, mode = analyzer
    leaky = build(scratch / f"reads-{mode}", tmp_path_factory.mktemp(f"outside-reads-{mode}"))
    for workspace in (leaky.modules, leaky.dependency, leaky.library):  # loaded before the link appears
        loaded = await client.call_tool("rust_analyzer_set_workspace", {"workspace_path": str(workspace)})
        assert not loaded.is_error, text_of(loaded)
    lib = link_module_after_load(leaky)
    leaks: list[str] = []
    answered = left_out = 0
    planned = calls(leaky, lib)
    for tool, arguments in planned:
        result = await client.call_tool(tool, arguments)
        answer = text_of(result) + json.dumps(result.structured_content or {})
        answered += not result.is_error
        left_out += "outside the allowed roots were left out" in answer
        for marker in (LEAK, PASSWD_ONLY):
            if marker in answer:
                leaks.append(f"{tool} {arguments}: {answer[max(0, answer.index(marker) - 200) :][:400]}")
    record("reads attempted outside the roots", len(planned), add=True)
    record("reads leaked", len(leaks), add=True)
    assert leaks == []
    if mode == "off":  # rust-analyzer read the outside files; the answers said what they left out
        assert left_out >= 5, left_out
    assert answered > len(planned) // 2, "most calls should answer (without the outside parts)"
    # what is inside still answers: the call site in lib.rs is found by references to `uses`
    inside = await client.call_tool("rust_analyzer_references", position(lib, "uses"))
    assert not inside.is_error and "src/lib.rs" in text_of(inside), text_of(inside)
