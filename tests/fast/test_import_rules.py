"""Imports point downward: the core (rust_mcp.core) knows nothing of MCP or the servers, the MCP layer
(rust_mcp.mcp) knows only the core, the two servers know both but not each other, and the entry points
(each server's cli and __main__) and the developer tools (rust_mcp.dev) may use anything.

Inside cargo_mcp the folders are layers too, in this order: table (the whitelist), results (result
models and their text), parse (cargo's output read), run (one cargo run), workflows (calls of several
runs); the MCP face (the modules at the top: server, tool_set, cli) sits above them all. The folders
know nothing of MCP: neither the SDK nor rust_mcp.mcp."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import REPO

PACKAGES = ("rust_mcp", "cargo_mcp", "ra_mcp")
SERVERS = ("cargo_mcp", "ra_mcp")
SDK = ("mcp", "mcp_types")
ENTRY_POINTS = ("cli", "__main__")
# rust-analyzer-mcp's own layers, lowest first: definitions any layer may use (settings, result
# models, the lifespan's start signal), talking to one rust-analyzer (lsp), workspaces and their pool,
# places in code, the service the tools share, the tools, and the server that lists them
RA_LAYERS = (
    ("ra_mcp.settings", "ra_mcp.models", "ra_mcp.runtime_start"),
    ("ra_mcp.lsp",),
    ("ra_mcp.workspace",),
    ("ra_mcp.places",),
    ("ra_mcp.service", "ra_mcp.pool_start"),
    ("ra_mcp.tools",),
    ("ra_mcp.tool_set", "ra_mcp.server", "ra_mcp.cli", "ra_mcp.__main__", "ra_mcp.early_start"),
)
CARGO_LAYERS = ("table", "results", "parse", "run", "workflows")  # bottom first; the face above


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer(module: str) -> int | None:
    """0 core, 1 MCP layer, 2 a server, 3 entry points, the engine and developer tools; None: not ours."""
    if _under(module, "rust_mcp.dev") or _under(module, "rust_mcp.engine"):
        return 3
    if _under(module, "rust_mcp.mcp"):
        return 1
    if _under(module, "rust_mcp"):
        return 0  # rust_mcp itself only holds the version
    for server in SERVERS:
        if _under(module, server):
            return 3 if module.rsplit(".", 1)[-1] in ENTRY_POINTS else 2
    return None


def ra_layer(module: str) -> int | None:
    """The layer of an ra_mcp module (RA_LAYERS), None outside ra_mcp or for the package itself."""
    for number, members in enumerate(RA_LAYERS):
        if any(_under(module, member) for member in members):
            return number
    return None


def cargo_layer(module: str) -> int | None:
    """The layer of a cargo_mcp module: its folder's place in CARGO_LAYERS, the face above them all;
    None for the package itself and for modules not in cargo_mcp."""
    parts = module.split(".")
    if parts[0] != "cargo_mcp" or len(parts) < 2:
        return None
    return CARGO_LAYERS.index(parts[1]) if parts[1] in CARGO_LAYERS else len(CARGO_LAYERS)


def cargo_violation(importer: str, imported: str) -> str | None:
    """Why a module of cargo_mcp may not import `imported` (its layers), or None when it may."""
    own = cargo_layer(importer)
    if own is None or own == len(CARGO_LAYERS):
        return None
    if any(_under(imported, sdk) for sdk in SDK) or _under(imported, "rust_mcp.mcp"):
        return f"cargo_mcp.{CARGO_LAYERS[own]} imports the MCP layer"
    other = cargo_layer(imported)
    if other is not None and other > own:
        return "an upward import inside cargo_mcp"
    return None


def violation(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported`, or None when it may."""
    own_ra, other_ra = ra_layer(importer), ra_layer(imported)
    if own_ra is not None and other_ra is not None and other_ra > own_ra:
        return f"an upward import in ra_mcp ({RA_LAYERS[other_ra][0]} above {RA_LAYERS[own_ra][0]})"
    if (inside := cargo_violation(importer, imported)) is not None:
        return inside
    own, other = layer(importer), layer(imported)
    if own == 0 and any(_under(imported, sdk) for sdk in SDK):
        return "the core imports the MCP SDK"
    if own is None or other is None:
        return None
    home = next((s for s in SERVERS if _under(importer, s)), None)
    away = next((s for s in SERVERS if _under(imported, s)), None)
    if home is not None and away is not None and home != away:
        return "one server imports the other"
    if other > own:
        return "an upward import"
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, lazy and TYPE_CHECKING ones included, relative
    ones resolved (`from . import x` counts as importing the package's module x)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                parent = ".".join(base + ([node.module] if node.module else []))
            else:
                parent = node.module or ""
            found.append((node.lineno, parent))
            found += [(node.lineno, f"{parent}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def package_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (REPO / package).rglob("*.py"))


def test_every_import_points_downward() -> None:
    files = package_files()
    assert len(files) > 40
    broken = [
        f"{path.relative_to(REPO)}:{line} imports {imported}: {why}"
        for path in files
        for line, imported in imports_of(path)
        if (why := violation(module_name(path), imported)) is not None
    ]
    assert broken == [], "\n".join(broken)


@pytest.mark.parametrize(
    ("importer", "imported", "expected"),
    [
        ("rust_mcp.core.roots", "rust_mcp.core.errors", None),
        ("rust_mcp.core.roots", "rust_mcp.mcp.confirm", "an upward import"),
        ("rust_mcp.core.runner", "mcp_types", "the core imports the MCP SDK"),
        ("rust_mcp.core.runner", "mcp.server.mcpserver", "the core imports the MCP SDK"),
        ("rust_mcp.core.files", "ra_mcp.lsp.client", "an upward import"),
        ("rust_mcp.mcp.confirm", "mcp_types", None),
        ("rust_mcp.mcp.prompts", "cargo_mcp.table.rows", "an upward import"),
        ("rust_mcp.mcp.prompts", "rust_mcp.dev.reference", "an upward import"),
        ("ra_mcp.tools.audit", "ra_mcp.lsp.requests", None),
        ("ra_mcp.places.locator", "ra_mcp.models", None),
        (
            "ra_mcp.lsp.client",
            "ra_mcp.workspace.workspaces",
            "an upward import in ra_mcp (ra_mcp.workspace above ra_mcp.lsp)",
        ),
        (
            "ra_mcp.workspace.pool",
            "ra_mcp.service",
            "an upward import in ra_mcp (ra_mcp.service above ra_mcp.workspace)",
        ),
        (
            "ra_mcp.places.symbol_lookup",
            "ra_mcp.tools.render",
            "an upward import in ra_mcp (ra_mcp.tools above ra_mcp.places)",
        ),
        ("ra_mcp.server", "ra_mcp.tool_set", None),
        ("cargo_mcp.tool_set", "rust_mcp.mcp.confirm", None),
        ("cargo_mcp.run.cargo_service", "rust_mcp.mcp.confirm", "cargo_mcp.run imports the MCP layer"),
        ("cargo_mcp.table.command", "mcp_types", "cargo_mcp.table imports the MCP layer"),
        ("cargo_mcp.table.rows", "cargo_mcp.parse.nextest", "an upward import inside cargo_mcp"),
        ("cargo_mcp.run.cargo_service", "cargo_mcp.parse.collector", None),
        ("cargo_mcp.workflows.scoped", "cargo_mcp.tool_set", "an upward import inside cargo_mcp"),
        ("cargo_mcp.tool_set", "cargo_mcp.workflows.call_routes", None),
        ("ra_mcp.tools.audit", "cargo_mcp.table.rows", "one server imports the other"),
        ("ra_mcp.cli", "cargo_mcp.cli", "one server imports the other"),
        ("ra_mcp.service", "rust_mcp.dev.doctor", "an upward import"),
        ("ra_mcp.cli", "rust_mcp.dev.doctor", None),
        ("rust_mcp.dev.doctor", "ra_mcp.lsp.discovery", None),
        ("rust_mcp.core.lexing", "re", None),
    ],
)
def test_the_rules_themselves(importer: str, imported: str, expected: str | None) -> None:
    assert violation(importer, imported) == expected


def test_relative_imports_are_resolved() -> None:
    tools = REPO / "ra_mcp" / "tools" / "audit.py"
    modules = {name for _, name in imports_of(tools)}
    assert {"ra_mcp.service", "ra_mcp.tools.declaration", "ra_mcp.tools.render"} <= modules


def import_graph() -> dict[str, set[str]]:
    """Each of our modules -> the modules of ours it imports (lazy and TYPE_CHECKING ones included);
    `from pkg.mod import name` counts as importing pkg.mod."""
    modules = {module_name(path): path for path in package_files()}

    def own(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    return {
        module: {found for _, name in imports_of(path) if (found := own(name)) not in (None, module)}
        for module, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: strongly connected groups of two or more modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_circles() -> None:
    circles = cycles(import_graph())
    assert circles == [], "import circles (type-only and lazy imports count too):\n" + "\n".join(
        " <-> ".join(group) for group in circles
    )


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"x": {"y"}, "y": {"x"}, "z": {"x"}}) == [["x", "y"]]
