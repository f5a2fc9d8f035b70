"""A revision of this project, ready to run beside this checkout (bench/revisions.py): its tree
exported from git (`git archive`) into ~/.cache/rust-mcp/revisions/<commit>/, with a .venv of its own
(its requirements.lock, then the package itself, editable the same way as this checkout's .venv)
and its modules byte-compiled, once per commit. Each revision runs its own engine, in a private
runtime directory, stopped with its own `rust-mcp-engine stop`."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rust_mcp.dev.engine_procs import engine_pids, wait_gone
from rust_mcp.dev.proctree import tree

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("rust_mcp", "cargo_mcp", "ra_mcp")


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rust-mcp" / "revisions"


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def editable_options(site_packages: Path) -> list[str]:
    """How this checkout's .venv holds the package: an import hook (setuptools' default) or the
    checkout on sys.path (`editable_mode=compat`, what scripts/setup installs): the base gets the same,
    since the two start differently."""
    if any(site_packages.glob("__editable___*_finder.py")):
        return []
    return ["--config-settings", "editable_mode=compat"]


def head_site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def prepared_base(revision: str) -> tuple[str, Path]:
    """(commit, bin directory) of `revision`, exported and installed if it is not there yet."""
    commit = git("rev-parse", "--verify", f"{revision}^{{commit}}")
    home = cache_root() / commit[:12]
    ready = home / ".ready"
    if ready.exists():
        base_site = next((home / ".venv" / "lib").glob("python*/site-packages"), None)
        if base_site is not None and editable_options(base_site) != editable_options(head_site_packages()):
            # HEAD's checkout was reinstalled the other way since (an import hook costs every start
            # ~15 ms): the base follows, or the two would differ by that alone
            print(f"reinstalling {revision} ({commit[:12]}) the way this checkout is installed")
            install_editable(home)
        return commit, home / ".venv" / "bin"
    print(f"preparing {revision} ({commit[:12]}) in {home} (once: a venv from its requirements.lock)")
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(home)], input=archive.stdout, check=True)
    subprocess.run([sys.executable, "-m", "venv", str(home / ".venv")], check=True)
    subprocess.run([*pip_install(home), "-r", str(home / "requirements.lock")], check=True, cwd=home)
    install_editable(home)
    compile_modules(home / ".venv" / "bin" / "python", home)
    ready.touch()
    return commit, home / ".venv" / "bin"


def install_editable(home: Path) -> None:
    """The revision exported in `home`, installed into its venv as this checkout is installed."""
    options = editable_options(head_site_packages())
    subprocess.run([*pip_install(home), "--no-deps", *options, "-e", "."], check=True, cwd=home)


def pip_install(home: Path) -> list[str]:
    """`pip install`, quiet, in the venv of the revision exported in `home`."""
    python = str(home / ".venv" / "bin" / "python")
    return [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]


def compile_modules(python: Path, tree_root: Path) -> None:
    """Byte-compile a tree's packages, as scripts/setup does (a server started with
    PYTHONDONTWRITEBYTECODE would otherwise compile them at every start)."""
    packages = [name for name in PACKAGES if (tree_root / name).is_dir()]
    subprocess.run([str(python), "-m", "compileall", "-q", *packages], cwd=tree_root, check=False)


@dataclass(eq=False)  # compared and hashed by identity: one object per revision
class Revision:
    """One side of the comparison: its label, console scripts and private engine directory."""

    label: str
    bin: Path
    env: dict[str, str]
    runtime: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rmr-")))  # short: sun_path

    def environment(self, engine: bool) -> dict[str, str]:
        if not engine:
            return {**self.env, "RUST_MCP_ENGINE": "off"}
        return {**self.env, "XDG_RUNTIME_DIR": str(self.runtime), "RUST_MCP_ENGINE": "on"}

    def engines(self) -> set[int]:
        return set(engine_pids(self.runtime))

    def stop_engine(self) -> None:
        """Its own `rust-mcp-engine stop`; whatever of the engine's tree outlives it 30 s is killed."""
        members = set(tree(self.engines()))
        if not members:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                [str(self.bin / "rust-mcp-engine"), "stop"],
                env=self.environment(engine=True),
                capture_output=True,
                timeout=30,
                check=False,
            )
        for pid in wait_gone(members, 30):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        self.stop_engine()
        shutil.rmtree(self.runtime, ignore_errors=True)
