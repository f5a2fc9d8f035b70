"""Secrets no sandbox may see, whatever the roots: which roots are refused (the home directory, or
one holding it, unless the operator opts in; `/` always), and which paths are masked even inside a
root.

The masking rule is bounded, not a search of the tree: each name of MASKED_NAMES is looked up at
the top of the home directory (when a root holds it), of each root and of the run's working
directory and writable directories (the workspace), and masked there when it exists; so are the
servers' own log directories, the HTTP token file and anything else the operator's command line
made private (`keep_private`), when they lie inside a root. A name deeper in a project is not
masked (a secret kept there is the project's own, readable by the agent anyway). A masked
directory is an empty read-only directory in the sandbox, a masked file an empty file; a masked
name that is a symbolic link is left alone (its target is masked instead when that lies inside a
root; outside the roots the sandbox cannot see it at all).
"""

from __future__ import annotations

import contextlib
import os
import pwd
from collections.abc import Iterable
from pathlib import Path

from .full_text import server_log_dir

HOME_ROOT_FLAG = "--allow-home-root"
# credentials of ssh, gpg, clouds, container registries, git hosts, package registries and agents
MASKED_NAMES = (
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".config/gh",
    ".config/gcloud",
    ".netrc",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".cargo/credentials.toml",
    ".cargo/credentials",
    ".codex",
    ".password-store",
    ".local/share/keyrings",
    ".vault-token",
)
SERVER_NAMES = ("cargo-mcp", "rust-analyzer-mcp")
_kept_private: list[Path] = []


def keep_private(*paths: Path) -> None:
    """Mask these paths too (the operator's --log-dir, --auth-token-file) in every sandbox of
    this process, wherever they lie inside a root."""
    for path in paths:
        resolved = Path(os.path.abspath(os.path.expanduser(path)))
        if resolved not in _kept_private:
            _kept_private.append(resolved)


def home_directories() -> tuple[Path, ...]:
    """$HOME and the account's home from the password database (when they differ), resolved."""
    found: list[Path] = []
    candidates = [str(Path.home())]
    with contextlib.suppress(KeyError):
        candidates.append(pwd.getpwuid(os.getuid()).pw_dir)
    for text in candidates:
        try:
            path = Path(text).resolve()
        except (OSError, RuntimeError):
            continue
        if path not in found:
            found.append(path)
    return tuple(found)


def home_root_problem(root: Path, *, allow_home: bool) -> str | None:
    """Why `root` (resolved) may not be a root, or None: it is `/`, or lies inside one of the home
    directory's MASKED_NAMES, or it is (or holds) the home directory and the operator did not pass
    --allow-home-root."""
    if root == Path(root.anchor):
        return "is the file system's root: every build script and test could read the whole machine"
    for secret in [home / name for home in home_directories() for name in MASKED_NAMES]:
        if root == secret or root.is_relative_to(secret):
            return f"is inside {secret}, which holds credentials that no sandbox may see"
    if allow_home:
        return None
    for home in home_directories():
        if home == root or home.is_relative_to(root):
            what = "your home directory" if home == root else f"holds your home directory {home}"
            return (
                f"is {what}: every build script, proc macro and test run there could read it "
                "(shell history, keys, tokens)"
            )
    return None


def _own_directories() -> tuple[Path, ...]:
    logs = [server_log_dir(name) for name in SERVER_NAMES]
    return (*(Path(os.path.abspath(p)) for p in logs), *_kept_private)


def _inside(path: Path, places: Iterable[Path]) -> bool:
    return any(path == place or path.is_relative_to(place) for place in places)


def masked_paths(roots: tuple[Path, ...], bases: Iterable[Path]) -> tuple[Path, ...]:
    """The paths to mask in a sandbox that sees `roots`: each MASKED_NAMES entry at the top of the
    home directory (when inside a root), of each root and of each of `bases` (the run's working and
    writable directories), and the servers' own private files, wherever they exist inside a root.
    Symbolic links are never mounted over: a link's target is masked instead, when inside a root."""
    places = [home for home in home_directories() if _inside(home, roots)]
    places += [*roots, *(base for base in bases if _inside(base, roots))]
    candidates = [place / name for place in dict.fromkeys(places) for name in MASKED_NAMES]
    candidates += [path for path in _own_directories() if _inside(path, roots)]
    found: list[Path] = []
    for path in candidates:
        real = _existing(path)
        if real is not None and _inside(real, roots) and real not in found:
            found.append(real)
    return tuple(found)


def _existing(path: Path) -> Path | None:
    """`path` with its links resolved, when it exists; None otherwise."""
    try:
        if not os.path.lexists(path):
            return None
        return path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
