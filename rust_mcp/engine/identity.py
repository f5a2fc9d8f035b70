"""Which engine a front may use: one per (install, build, relevant environment).

**Build identity**: the package version, the Python interpreter (sys.executable), the install
location and a fingerprint (name, size, mtime) of every file of the three packages. An upgraded,
edited or different install (CI runs from fresh clones) therefore never talks to an engine that
runs other code; the handshake repeats the identity so even a name collision is caught.

**Relevant environment**: what cargo, rustc, rust-analyzer, build scripts and our own settings read.
We hash the whole environment *minus an ignore list* of cosmetic and per-terminal variables rather
than an allowlist of known-relevant ones: build scripts read arbitrary variables (CC, CFLAGS,
PKG_CONFIG_PATH, OPENSSL_DIR, LIBCLANG_PATH, ...), so an allowlist would sooner or later let two
sessions whose builds differ share one engine, a wrong answer; an ignore list can at worst start
one engine too many, a cost. The ignore list is what changes per terminal or shell without changing
a build: TERM, SHLVL, PWD, OLDPWD, _, COLUMNS, LINES, SSH_*, terminal-emulator ids, session-bus and
display addresses, XDG session ids, the client agents' own markers (CLAUDECODE, ...) and pytest's
per-test variable. Codex hands a server a small fixed environment (HOME, PATH, USER, LOGNAME, SHELL,
LANG, TERM, TMPDIR plus the configured env; PATH led by a per-session directory of Codex's own
helpers, which is left out), so two Codex sessions share one engine; PATH, HOME,
CARGO_*, RUSTUP_*, RUST*, *_MCP_*, SCCACHE_*, proxies, LD_*, TMPDIR and XDG_*_HOME all count.

Standard library only: every front computes this before it connects.
"""

from __future__ import annotations

import json
import os
import sys

import rust_mcp

try:  # built in: hashlib would load OpenSSL, about 10 ms of a front's start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

TYPE_CHECKING = False  # typing itself costs a front milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping

PACKAGES = ("rust_mcp", "cargo_mcp", "ra_mcp")
FINGERPRINTED = (".py", ".json", ".toml")
IGNORED_NAMES = frozenset(
    {
        "_", "PWD", "OLDPWD", "SHLVL", "TERM", "COLORTERM", "COLUMNS", "LINES", "LS_COLORS", "LESSOPEN",
        "LESSCLOSE", "MAIL", "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS",
        "WINDOWID", "STY", "TMUX", "TMUX_PANE", "GPG_TTY", "SSH_AUTH_SOCK", "HISTFILE", "PS1",
        "PROMPT_COMMAND", "XDG_SESSION_ID", "XDG_SESSION_TYPE", "XDG_SESSION_CLASS", "XDG_SESSION_DESKTOP",
        "XDG_SEAT",
        "XDG_VTNR", "CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "PYTEST_CURRENT_TEST", "RUST_MCP_ENGINE",
        "INVOCATION_ID", "JOURNAL_STREAM", "MOTD_SHOWN",
    }
)  # fmt: skip
IGNORED_PREFIXES = (
    "SSH_", "TERM_", "ITERM_", "KITTY_", "ALACRITTY_", "WEZTERM_", "KONSOLE_", "GNOME_TERMINAL_", "VTE_",
    "VSCODE_", "TMUX_", "LC_TERMINAL", "XDG_SESSION_",
    # Claude Code gives every server it starts per-session values (CLAUDE_CODE_SESSION_ID,
    # _MESSAGING_SOCKET, _MESSAGING_TOKEN, _CHILD_NOTES_DIR, _LAUNCHED_BY_SESSION_IDS): counted, each
    # Claude Code session would start an engine of its own (tests/real/test_claude_code_engine.py)
    "CLAUDE_CODE_",
)  # fmt: skip


def relevant_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables that may change what cargo, rustc, rust-analyzer or the servers do."""
    source = os.environ if env is None else env
    return {
        name: without_session_aliases(value) if name == "PATH" else value
        for name, value in source.items()
        if name not in IGNORED_NAMES and not name.startswith(IGNORED_PREFIXES)
    }


def without_session_aliases(path: str) -> str:
    """PATH without Codex's per-session alias directory (`$CODEX_HOME/tmp/arg0/codex-arg0XXXXXX`,
    a fresh name each session, holding only Codex's own helpers, apply_patch and its sandbox):
    counted, every Codex session of a user would start an engine of its own
    (tests/real/test_codex_home_engine.py)."""
    entries = path.split(os.pathsep)
    kept = [entry for entry in entries if not _codex_alias_directory(entry)]
    return path if len(kept) == len(entries) else os.pathsep.join(kept)


def _codex_alias_directory(entry: str) -> bool:
    parent, name = os.path.split(entry.rstrip("/"))
    return name.startswith("codex-arg0") and os.path.basename(parent).startswith("arg0")


def install_location() -> str:
    return os.path.dirname(os.path.dirname(os.path.realpath(rust_mcp.__file__)))


def fingerprint(location: str | None = None) -> str:
    """A hash of the name, size and mtime of every package file (cheap: stat only, no reads)."""
    base = location or install_location()
    digest = blake2b(digest_size=16)
    for package in PACKAGES:
        stack = [os.path.join(base, package)]
        while stack:
            directory = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith(FINGERPRINTED):
                    info = entry.stat()
                    digest.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def build_identity() -> dict[str, str]:
    """What must be equal for a front and an engine to run the same code."""
    location = install_location()
    return {
        "version": rust_mcp.__version__,
        "python": sys.executable,
        "install": location,
        "fingerprint": fingerprint(location),
    }


def handshake_identity(identity: Mapping[str, str], env: Mapping[str, str]) -> dict[str, str]:
    """What a front and its engine compare in the handshake: the build and a digest of the relevant
    environment (the socket name carries only short hashes of both)."""
    digest = blake2b(json.dumps(dict(env), sort_keys=True).encode(), digest_size=16).hexdigest()
    return {**identity, "environment": digest}


def _short(value: object) -> str:
    return blake2b(json.dumps(value, sort_keys=True).encode(), digest_size=6).hexdigest()


def engine_key(identity: Mapping[str, str], env: Mapping[str, str]) -> str:
    """`<install+environment>-<build>`: sessions of one install and environment share the first
    half, so a newer build of the same install finds (and retires) the engines of older builds."""
    place = _short({"python": identity["python"], "install": identity["install"], "env": dict(env)})
    build = _short({"version": identity["version"], "fingerprint": identity["fingerprint"]})
    return f"{place}-{build}"
