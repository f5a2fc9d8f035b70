"""Rust paths as people write them (`Worker::search`, `my_crate::module::func`, `grep::searcher::Searcher`)
matched against the paths rust-analyzer knows an item by: its canonical path (from hover), the path
of each `pub use` that re-exports it, and the names facade crates give other crates
(`pub extern crate grep_searcher as searcher;`). No LSP, no MCP. The few files read (each package's
Cargo.toml and src/lib.rs) go through the one door: no link followed, regular files only, size-limited;
a package whose file is refused is skipped. Those functions block: async code runs them off_loop."""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rust_mcp.core.cargo_projects import MANIFEST_NAME, MAX_MANIFEST_BYTES, package_directories
from rust_mcp.core.errors import Refusal
from rust_mcp.core.project_files import is_regular_file, read_text
from rust_mcp.core.toml_text import parse_toml

GENERICS = re.compile(r"<.*>$")
HOVER_PATH = re.compile(r"^\s*```rust\n(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)\n```")
CRATE_ALIAS = re.compile(
    r"^[ \t]*pub\s+(?:extern\s+crate|use)\s+(?:::)?(?P<crate>[A-Za-z_][A-Za-z0-9_]*)\s+as\s+"
    r"(?P<alias>[A-Za-z_][A-Za-z0-9_]*)\s*;",
    re.MULTILINE,
)
# `pub use clap_builder::*;`: the facade crate's root is the other crate's root (clap::Command)
CRATE_GLOB = re.compile(
    r"^[ \t]*pub\s+use\s+(?:::)?(?P<crate>[A-Za-z_][A-Za-z0-9_]*)\s*::\s*\*\s*;", re.MULTILINE
)
# `pub use futures_util::{future, stream};`, `pub use futures_util::lock;`, `pub use a::b as c;` in
# futures' src/lib.rs: `futures::stream::X` is `futures_util::stream::X` (one path or a braced list);
# at column 0, where rustfmt puts the file's items, or one indent into a `pub mod executor {` block
# (`futures::executor::block_on` is `futures_executor::block_on`)
CRATE_PATHS = re.compile(
    r"^pub\s+use\s+(?:::)?(?P<crate>[A-Za-z_][A-Za-z0-9_]*)[ \t]*::[ \t]*"
    r"(?P<prefix>(?:[A-Za-z_][A-Za-z0-9_]*[ \t]*::[ \t]*)*)"
    r"(?P<paths>\{[^{}]*\}|[A-Za-z_][A-Za-z0-9_]*(?:[ \t]+as[ \t]+[A-Za-z_][A-Za-z0-9_]*)?)[ \t]*;",
    re.MULTILINE,
)
INLINE_MODULE = re.compile(r"pub[ \t]+mod[ \t]+(?P<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*\{[ \t]*$")
# Each pattern below is matched over a whole src/lib.rs the project wrote, so none may backtrack over
# what another start already scanned: a line starts with `[ \t]*`, never `\s*` (which spans blank
# lines: 40 KB of newlines took 14 s, an unbraced path spanning lines longer). tests/fast/test_redteam11_*
# `pub use crate::{regex::string::*, ...};` in regex's src/lib.rs: `regex::Regex` is the `Regex` of
# the module `regex::regex::string` (a glob of the crate's own module, one path or a braced list)
MODULE_GLOBS = re.compile(
    r"^[ \t]*pub\s+use\s+(?:crate|self)\s*::\s*(?P<paths>\{[^{}]*\}|[\w*]+(?:\s*::\s*[\w*]+)*)\s*;",
    re.MULTILINE,
)
LIBRARY_ROOT_BYTES = 1024 * 1024  # a member's src/lib.rs scanned for re-exports (larger: skipped)
LIBRARY_ROOTS_BYTES = 8 * 1024 * 1024  # all of them in one call (past it: the rest skipped)
PATH_KEYWORDS = frozenset({"crate", "self", "super"})
Segments = tuple[str, ...]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WantedPath:
    """A symbol path split into the item's name and the qualifiers before it (`crate`, `self` and
    `super` dropped: they name a place relative to a file nobody gave us)."""

    name: str
    qualifiers: Segments

    @classmethod
    def parse(cls, symbol: str) -> WantedPath:
        segments = [s.removeprefix("r#") for s in symbol.strip().split("::")]
        return cls(segments[-1], tuple(s for s in segments[:-1] if s not in PATH_KEYWORDS))


def type_name(container: str | None) -> str | None:
    """`SearchWorker<W>` -> `SearchWorker`; `&'a mut S` -> `S`: the name a person writes."""
    if container is None:
        return None
    bare = GENERICS.sub("", container.strip())
    return re.sub(r"^&(?:'\w+\s+)?(?:mut\s+)?", "", bare).strip() or None


def container_fits(container: str | None, qualifiers: Segments) -> bool:
    """A cheap first cut for names with many matches (`new`): a method's type must be among the
    qualifiers; items without a container (module level) stay in."""
    name = type_name(container)
    return name is None or name in qualifiers


def hover_path(markdown: str) -> Segments | None:
    """The path rust-analyzer prints first in a hover (`grep_searcher::searcher` for a struct,
    `rg::search::SearchWorker` for a method): where the item lives."""
    match = HOVER_PATH.match(markdown)
    return tuple(match["path"].split("::")) if match else None


def _crate_name(package_dir: Path) -> str | None:
    try:
        data = parse_toml(read_text(package_dir / MANIFEST_NAME, MAX_MANIFEST_BYTES) or "")
    except (OSError, Refusal, tomllib.TOMLDecodeError, RecursionError):
        return None
    lib = data.get("lib")
    if isinstance(lib, dict) and isinstance(lib.get("name"), str):
        return str(lib["name"])
    package = data.get("package")
    name = package.get("name") if isinstance(package, dict) else None
    return name.replace("-", "_") if isinstance(name, str) else None


def module_path_of_file(path: Path, stop: Path, readable: Callable[[Path], bool]) -> Segments | None:
    """The crate and modules a source file stands for, read from where it sits: `ignore/src/walk.rs`
    -> (`ignore`, `walk`); `src/lib.rs` and `mod.rs` add nothing. Used for the place of a `pub use`.
    Only directories `readable` allows are looked in (the roots, std, the registry): a file outside
    them (a `#[path]` module), or one whose package lies above the roots, has no module path."""
    directory = path.parent
    while not is_regular_file(directory / MANIFEST_NAME):
        if directory == stop or directory == directory.parent or not readable(directory.parent):
            return None
        directory = directory.parent
    if not readable(directory):
        return None
    crate = _crate_name(directory)
    if crate is None:
        return None
    relative = path.relative_to(directory).with_suffix("").parts
    if relative and relative[0] == "src":
        relative = relative[1:]
    modules = [part for part in relative if part not in ("lib", "main", "mod")]
    return (crate, *modules)


def crate_aliases(root: Path) -> dict[Segments, Segments]:
    """`(grep, searcher)` -> `(grep_searcher,)` for every `pub extern crate A as B;` or
    `pub use A as B;` in a workspace member's src/lib.rs, and `(clap,)` -> `(clap_builder,)` for a
    `pub use clap_builder::*;` there (a facade crate re-exporting another crate's root)."""
    aliases: dict[Segments, Segments] = {}
    for crate, text in _library_roots(root):
        for match in CRATE_ALIAS.finditer(text):
            if crate is not None and match["crate"] not in PATH_KEYWORDS:
                aliases[(crate, match["alias"])] = (match["crate"],)
        for match in CRATE_GLOB.finditer(text):
            if crate is not None and match["crate"] not in PATH_KEYWORDS | {"std", "core", "alloc"}:
                aliases[(crate,)] = (match["crate"],)
        for module, block in _module_blocks(text) if crate is not None else ():
            for match in CRATE_PATHS.finditer(block):
                if match["crate"] not in PATH_KEYWORDS:
                    found = _reexported_paths(str(crate), match["crate"], match["prefix"], match["paths"])
                    aliases.update({(key[0], *module, key[1]): path for key, path in found.items()})
    return aliases


def _module_blocks(text: str) -> Iterator[tuple[Segments, str]]:
    """The file's own lines, then each `pub mod name {` block at column 0 (up to its `}` at column 0)
    with its lines moved one indent (4 spaces) left: rustfmt's layout, read in one linear pass."""
    top: list[str] = []
    inner: list[str] = []
    module: str | None = None
    for line in text.split("\n"):
        opened = INLINE_MODULE.match(line) if module is None else None
        if opened is not None:
            module, inner = opened["name"], []
        elif module is not None and line.startswith("}"):
            yield (module,), "\n".join(inner)
            module = None
        elif module is not None:
            inner.append(line[4:] if line.startswith("    ") else " " + line.lstrip(" "))
        else:
            top.append(line)
    yield (), "\n".join(top)


def _reexported_paths(crate: str, source: str, prefix: str, paths: str) -> dict[Segments, Segments]:
    """`(futures, stream)` -> `(futures_util, stream)` for `pub use futures_util::{stream, ...};` in
    the crate `futures` (and `as` renames, `self`): the path under the crate stands for the other."""
    base = (source, *(part.strip() for part in prefix.split("::") if part.strip()))
    found: dict[Segments, Segments] = {}
    for path in paths.strip("{} \t\n").split(","):
        written, _, renamed = (" ".join(path.split())).partition(" as ")
        segments = tuple(part.strip() for part in written.split("::"))
        if segments == ("self",):
            segments = ()
        target = (*base, *segments)
        name = renamed.strip() or target[-1]
        if len(target) > 1 and all(p.isidentifier() for p in (*target, name)) and name not in PATH_KEYWORDS:
            found[(crate, name)] = target
    return found


def _library_roots(root: Path) -> Iterator[tuple[str | None, str]]:
    """(crate name, text of src/lib.rs) for the workspace's members, each file at most
    LIBRARY_ROOT_BYTES and all of them LIBRARY_ROOTS_BYTES: what a call scans is bounded, whatever
    the project wrote (a package whose file is a link, a FIFO, a device or too large is skipped)."""
    left = LIBRARY_ROOTS_BYTES
    for directory in package_directories(root).values():
        try:
            text = read_text(directory / "src" / "lib.rs", min(LIBRARY_ROOT_BYTES, left)) or ""
        except Refusal as refused:
            log.info("crate aliases: %s", refused)
            continue
        except OSError:
            continue
        left -= len(text)
        yield _crate_name(directory), text


def module_globs(root: Path) -> list[tuple[Segments, Segments]]:
    """`(regex,)` -> `(regex, regex, string)` for every `pub use crate::regex::string::*;` (or one
    in a braced list) in a workspace member's src/lib.rs: the crate's root is another spelling of
    that module (`regex::Regex` is `regex::regex::string::Regex`)."""
    globs: list[tuple[Segments, Segments]] = []
    for crate, text in _library_roots(root):
        for match in MODULE_GLOBS.finditer(text) if crate is not None else ():
            for path in match["paths"].strip("{} \n").split(","):
                modules = tuple(part.strip() for part in path.split("::"))
                if len(modules) > 1 and modules[-1] == "*" and all(m.isidentifier() for m in modules[:-1]):
                    globs.append(((str(crate),), (str(crate), *modules[:-1])))
    return globs


def _spellings(
    qualifiers: Segments,
    aliases: dict[Segments, Segments],
    globs: Iterable[tuple[Segments, Segments]] = (),
    name: str | None = None,
) -> list[Segments]:
    """The qualifiers as written and through each alias or glob that covers them; an alias of the
    whole path (`futures::executor::block_on` -> `futures_executor::block_on`) spells the qualifiers
    of the item of that same name."""
    spelled = [qualifiers]
    for prefix, crate in [*aliases.items(), *globs]:
        if qualifiers[: len(prefix)] == prefix:
            spelled.append(crate + qualifiers[len(prefix) :])
        elif name is not None and prefix == (*qualifiers, name) and crate[-1:] == (name,):
            spelled.append(crate[:-1])
    return spelled


def _subsequence(wanted: Sequence[str], path: Sequence[str]) -> bool:
    remaining = iter(path)
    return all(any(part == item for item in remaining) for part in wanted)


def path_matches(
    qualifiers: Segments,
    known_as: Iterable[Segments],
    aliases: dict[Segments, Segments],
    exact: bool = False,
    globs: Iterable[tuple[Segments, Segments]] = (),
    name: str | None = None,
) -> bool:
    """Whether the qualifiers (crate, modules, type; any may be left out, in order) fit one of the
    paths an item is known by; with `exact`, whether one of those paths is exactly the qualifiers
    (`memchr::memmem::find` is the function in `memmem`, not `memmem::Finder::find`), spelled
    directly or through a crate alias or a module glob (module_globs), or an alias of the whole path
    to the item `name`."""
    if not qualifiers:
        return True
    paths = [tuple(type_name(part) or part for part in path) for path in known_as]
    spellings = [s for s in _spellings(qualifiers, aliases, globs, name) if s]
    if exact:
        return any(spelled == path for spelled in spellings for path in paths)
    return any(_subsequence(spelled, path) for spelled in spellings for path in paths)


REGISTRY_COPY = re.compile(r"(?P<name>[A-Za-z0-9_-]+)-\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?")


def other_copy(qualifiers: Segments, packages: Iterable[str], path: Path, root: Path) -> str | None:
    """The directory (`tokio-1.54.1`) when `path`, outside `root`, is in a dependency's copy of the
    workspace package that the path's first segment names, else None. tokio 1.47.1's dev-dependencies
    pull in tokio 1.54.1: `tokio::spawn` (off in the workspace: `rt` is off) named 1.54.1's, silently."""
    own = {name.replace("-", "_") for name in packages}
    if not qualifiers or qualifiers[0] not in own or path.is_relative_to(root):
        return None
    for part in path.parts:
        match = REGISTRY_COPY.fullmatch(part)
        if match is not None and match["name"].replace("-", "_") == qualifiers[0]:
            return part
    return None


def crate_names(root: Path) -> set[str]:
    """The workspace's package names as a path spells them (`tokio_macros`). Blocking: a bounded walk."""
    return {name.replace("-", "_") for name in package_directories(root)}
