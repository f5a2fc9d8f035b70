"""The checker behind tests/fast/test_one_door.py: every file-system call in the servers' source, found by
walking its syntax trees. A call is named by the function it is in (`Class.method`, `function`, or
`<module>`) and what it calls (`open`, `os.scandir`, `.read_text`, `shutil.copyfile`), so the
allowlist survives edits that move lines."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

OS_CALLS = frozenset(
    {
        "open",
        "scandir",
        "walk",
        "fwalk",
        "listdir",
        "unlink",
        "remove",
        "rmdir",
        "removedirs",
        "rename",
        "renames",
        "replace",
        "mkdir",
        "makedirs",
        "truncate",
        "symlink",
        "link",
    }
)
SHUTIL_ALLOWED = frozenset({"which", "get_terminal_size"})  # no file of a project is touched
PATH_METHODS = frozenset(
    {
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "open",
        "mkdir",
        "unlink",
        "rmdir",
        "iterdir",
        "glob",
        "rglob",
        "touch",
        "rename",
        "replace",
        "symlink_to",
        "hardlink_to",
    }
)
ONE_ARGUMENT_METHODS = frozenset({"replace", "rename"})  # str.replace(a, b), x.rename(a, b, c): no files
LOADS_FROM_FILES = {"hashlib": {"file_digest"}, "tomllib": {"load"}, "json": {"load", "dump"}}


@dataclass(frozen=True)
class FileCall:
    module: str  # e.g. rust_mcp/core/runner.py
    line: int
    function: str  # Class.method, function, or <module>
    call: str  # what is called, e.g. `os.scandir`, `.read_text`, `open`

    def __str__(self) -> str:
        return f"{self.module}:{self.line} in {self.function}: {self.call}(...)"


def _called(node: ast.Call, aliases: dict[str, str]) -> str | None:
    """The name of the file-system call `node` makes, or None when it makes none."""
    func = node.func
    if isinstance(func, ast.Name):
        if func.id == "open":
            return "open"
        origin = aliases.get(func.id)  # `from os import scandir`
        if origin is not None:
            module, _, name = origin.rpartition(".")
            return _module_call(module, name)
        return None
    if not isinstance(func, ast.Attribute):
        return None
    if isinstance(func.value, ast.Name) and func.value.id in ("os", "shutil", *LOADS_FROM_FILES):
        return _module_call(func.value.id, func.attr)
    if func.attr in PATH_METHODS:
        if func.attr in ONE_ARGUMENT_METHODS and (len(node.args) != 1 or node.keywords):
            return None
        return f".{func.attr}"
    return None


def _module_call(module: str, name: str) -> str | None:
    if module == "os" and name in OS_CALLS:
        return f"os.{name}"
    if module == "shutil" and name not in SHUTIL_ALLOWED:
        return f"shutil.{name}"
    if name in LOADS_FROM_FILES.get(module, ()):
        return f"{module}.{name}"
    return None


class _Finder(ast.NodeVisitor):
    def __init__(self, module: str, aliases: dict[str, str]) -> None:
        self.module = module
        self.aliases = aliases
        self.scope: list[str] = []
        self.found: list[FileCall] = []

    def _enter(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_ClassDef = _enter
    visit_FunctionDef = _enter
    visit_AsyncFunctionDef = _enter

    def visit_Call(self, node: ast.Call) -> None:
        called = _called(node, self.aliases)
        if called is not None:
            function = ".".join(self.scope) or "<module>"
            self.found.append(FileCall(self.module, node.lineno, function, called))
        self.generic_visit(node)


def file_calls(source: str, module: str) -> list[FileCall]:
    """Every file-system call in `source` (the text of `module`)."""
    tree = ast.parse(source, module)
    aliases = {
        alias.asname or alias.name: f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "shutil", *LOADS_FROM_FILES)
        for alias in node.names
    }
    finder = _Finder(module, aliases)
    finder.visit(tree)
    return finder.found


def package_file_calls(repo: Path, packages: tuple[str, ...]) -> Iterator[FileCall]:
    for package in packages:
        for path in sorted((repo / package).rglob("*.py")):
            module = path.relative_to(repo).as_posix()
            yield from file_calls(path.read_text(encoding="utf-8"), module)
