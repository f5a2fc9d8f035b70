"""The real-code corpus: crates nobody here wrote, from crates.io at pinned versions, set up once
(network) into a cache and copied from there (offline) for every test or bench that needs them.

- `ripgrep`: a 9-crate workspace assembled from ripgrep 14.1.1 and the crates it is built from
  (grep, grep-*, globset, ignore), each a published crate, joined with `[patch.crates-io]` so the
  members use each other's sources: generics (`Searcher`, `Sink`, `Printer<W>`), re-exports
  (`grep` re-exports every grep-* crate), macros, build scripts.
- `memchr`: memchr 2.7.4 alone, a crate with much unsafe code (SIMD, raw pointers) across many
  modules.

python -m bench.corpus            # set up (or check) the cache, print where each corpus lives
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Corpus:
    name: str
    members: tuple[tuple[str, str], ...]  # (crate, exact version)

    @property
    def key(self) -> str:
        digest = hashlib.sha256(repr(self.members).encode()).hexdigest()[:10]
        return f"{self.name}-{digest}"


RIPGREP = Corpus(
    "ripgrep",
    (
        ("ripgrep", "14.1.1"),
        ("grep", "0.3.2"),
        ("grep-cli", "0.1.12"),
        ("grep-matcher", "0.1.9"),
        ("grep-printer", "0.2.2"),
        ("grep-regex", "0.1.14"),
        ("grep-searcher", "0.1.17"),
        ("globset", "0.4.22"),
        ("ignore", "0.4.35"),
    ),
)
MEMCHR = Corpus("memchr", (("memchr", "2.7.4"),))
CORPORA = {corpus.name: corpus for corpus in (RIPGREP, MEMCHR)}


def cache_dir() -> Path:
    base = os.environ.get("RUST_MCP_CORPUS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"), "rust-mcp", "corpus"
    )
    return Path(base)


def cargo_home() -> Path:
    return Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo")


def _run(argv: list[str], cwd: Path) -> None:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed in {cwd}:\n{proc.stderr[-3000:]}")


def _registry_source(crate: str, version: str) -> Path:
    for index in sorted((cargo_home() / "registry" / "src").glob("*")):
        candidate = index / f"{crate}-{version}"
        if (candidate / "Cargo.toml").is_file():
            return candidate
    raise RuntimeError(f"{crate} {version} is not in the cargo registry after `cargo fetch`")


def _download(corpus: Corpus, scratch: Path) -> None:
    """Fetch the pinned crates into cargo's registry with a throwaway manifest."""
    probe = scratch / "probe"
    (probe / "src").mkdir(parents=True)
    (probe / "src" / "lib.rs").write_text("")
    deps = "\n".join(f'{crate} = "={version}"' for crate, version in corpus.members)
    (probe / "Cargo.toml").write_text(
        f'[package]\nname = "corpus-probe"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n{deps}\n'
    )
    _run(["cargo", "fetch"], probe)


def _workspace_manifest(corpus: Corpus) -> str:
    members = ", ".join(f'"{crate}"' for crate, _ in corpus.members)
    patches = "\n".join(f'{crate} = {{ path = "{crate}" }}' for crate, _ in corpus.members)
    return (
        f"# The {corpus.name} corpus: published crates at pinned versions, joined as one workspace.\n"
        f'[workspace]\nmembers = [{members}]\nresolver = "2"\n\n[patch.crates-io]\n{patches}\n'
    )


def ensure(corpus: Corpus) -> Path:
    """The cached, ready-to-copy corpus (sources, Cargo.lock, dependencies fetched); sets it up the
    first time (needs crates.io), instantly afterwards."""
    target = cache_dir() / corpus.key
    if (target / ".ready").exists():
        return target
    with tempfile.TemporaryDirectory(prefix="rust-mcp-corpus-") as raw:
        scratch = Path(raw)
        _download(corpus, scratch)
        staged = scratch / corpus.name
        if len(corpus.members) == 1:  # one crate: the crate is the corpus
            shutil.copytree(_registry_source(*corpus.members[0]), staged)
        else:
            staged.mkdir()
            for crate, version in corpus.members:
                shutil.copytree(_registry_source(crate, version), staged / crate)
            (staged / "Cargo.toml").write_text(_workspace_manifest(corpus))
        _run(["cargo", "generate-lockfile"], staged)
        _run(["cargo", "fetch"], staged)
        (staged / ".gitignore").write_text("target/\n.ready\n")
        subprocess.run(["git", "init", "-q"], cwd=staged, check=True)
        subprocess.run(["git", "add", "-A"], cwd=staged, check=True)
        subprocess.run(
            ["git", "-c", "user.name=corpus", "-c", "user.email=corpus@localhost", "commit", "-qm", "corpus"],
            cwd=staged,
            check=True,
        )
        (staged / ".ready").write_text(repr(corpus.members) + "\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staged), target)
    return target


def copy(corpus: Corpus, destination: Path) -> Path:
    """A private copy of the corpus under `destination` (no build output), for a test or bench that
    may modify it or needs a cold start. Returns the workspace directory."""
    source = ensure(corpus)
    target = destination / corpus.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns("target", ".ready"))
    return target


def main() -> None:
    for corpus in CORPORA.values():
        try:
            path = ensure(corpus)
        except RuntimeError as exc:
            sys.exit(f"corpus {corpus.name}: {exc}")
        members = ", ".join(f"{crate} {version}" for crate, version in corpus.members)
        print(f"{corpus.name}: {path} ({members})")


if __name__ == "__main__":
    main()
