"""The real-code corpus: crates nobody here wrote, from crates.io at pinned versions, set up once
(network) into a cache and copied from there (offline) for every test or bench that needs them.

- `ripgrep`: a 9-crate workspace assembled from ripgrep 14.1.1 and the crates it is built from
  (grep, grep-*, globset, ignore), each a published crate, joined with `[patch.crates-io]` so the
  members use each other's sources: generics (`Searcher`, `Sink`, `Printer<W>`), re-exports
  (`grep` re-exports every grep-* crate), macros, build scripts.
- `memchr`: memchr 2.7.4 alone, much unsafe code (SIMD, raw pointers) across many modules.
- `clap`: clap 4.5.41, clap_builder, clap_derive (a proc macro), clap_lex (test_corpus_clap.py).
- `pest`: pest 2.8.3 with pest_meta (a build script), pest_generator and pest_derive (a proc
  macro), the second field test's workspace (tests/real/test_corpus_pest.py).
- `serde`: serde 1.0.229 with serde_core and serde_derive (a proc macro), serde_json 1.0.154;
  build scripts and cfg'd features, the third field test's workspace
  (tests/real/test_corpus_serde.py).
- `regex`: regex 1.13.2 with regex-syntax 0.8.12 and regex-automata 0.4.19 (their libraries and
  unit tests), the fourth field test's workspace (tests/real/test_corpus_regex.py).
- `futures`: futures 0.3.34's nine crates (libraries), the fifth field test's workspace: futures-util's
  `compat` needs futures 0.1 under the same name (tests/real/test_corpus_futures.py).
- `rayon`: rayon 1.10.0 over rayon-core 1.12.1, the sixth field test's (tests/real/test_corpus_rayon.py).
- `tokio`: tokio 1.47.1 alone, items inside `cfg_rt! { ... }` macro blocks behind features that are
  all off by default, the seventh field test's (no test of its own in CI: CI time is full).
- `large`: 53 widely used crates joined as one workspace (their libraries only), the size
  where paging, budgets and readiness matter (`python -m bench.big` measures it).

python -m rust_mcp.dev.corpus         # set up (or check) the cache, print where each corpus lives
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
    # keep each member's library (src/, build.rs) and drop its tests/, benches/, examples/: published
    # packages leave out files their tests read and their benches use nightly features, so a check
    # of every target (rust-analyzer's) would fail on crates.io's packaging, not on anything we do
    libraries_only: bool = False

    @property
    def key(self) -> str:
        described = repr(self.members) + (" libraries" if self.libraries_only else "")
        digest = hashlib.sha256(described.encode()).hexdigest()[:10]
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
# the large corpus: 53 published crates side by side (libc, the regex family, serde, rayon, rand,
# zerocopy, parking_lot...), each its own member resolving its crates.io dependencies to the other
# members through [patch.crates-io]; the versions are the newest that agree with each other, so
# every patch is used. Proc macros (serde_derive, thiserror-impl, zerocopy-derive,
# rustversion) and build scripts (libc, serde, proc-macro2, num-traits, zerocopy...).
LARGE = Corpus(
    "large",
    (
        ("libc", "0.2.191"),
        ("memchr", "2.8.3"),
        ("aho-corasick", "1.1.5"),
        ("regex", "1.13.2"),
        ("regex-syntax", "0.8.12"),
        ("regex-automata", "0.4.19"),
        ("serde", "1.0.229"),
        ("serde_core", "1.0.229"),
        ("serde_derive", "1.0.229"),
        ("serde_json", "1.0.154"),
        ("thiserror", "2.0.21"),
        ("thiserror-impl", "2.0.21"),
        ("anyhow", "1.0.98"),  # 1.0.105's dev-dependencies need a trybuild newer than the index has
        ("proc-macro2", "1.0.107"),
        ("quote", "1.0.47"),
        ("either", "1.19.0"),
        ("indexmap", "2.14.2"),
        ("equivalent", "1.0.3"),
        ("smallvec", "1.16.6"),
        ("once_cell", "1.21.4"),
        ("num-traits", "0.2.19"),
        ("autocfg", "1.5.1"),
        ("ppv-lite86", "0.2.21"),
        ("crossbeam-utils", "0.8.23"),
        ("crossbeam-deque", "0.8.8"),
        ("crossbeam-epoch", "0.9.21"),
        ("rayon", "1.12.0"),
        ("rayon-core", "1.13.0"),
        ("rand", "0.10.4"),
        ("rand_core", "0.10.1"),
        ("rand_chacha", "0.10.0"),
        ("getrandom", "0.4.3"),
        ("pin-project-lite", "0.2.19"),
        ("heck", "0.5.0"),
        ("strsim", "0.11.1"),
        ("unicode-width", "0.2.3"),
        ("tracing-core", "0.1.36"),
        ("zerocopy", "0.8.66"),
        ("zerocopy-derive", "0.8.66"),
        ("bitflags", "2.13.2"),
        ("cfg-if", "1.0.5"),
        ("scopeguard", "1.2.0"),
        ("lock_api", "0.5.0"),
        ("parking_lot", "0.13.0"),
        ("parking_lot_core", "0.10.0"),
        ("same-file", "1.0.6"),
        ("walkdir", "2.5.1"),
        ("fastrand", "2.5.0"),
        ("rustversion", "1.0.23"),
        ("byteorder", "1.5.0"),
        ("percent-encoding", "2.3.2"),
        ("form_urlencoded", "1.2.3"),
        ("static_assertions", "1.1.0"),
    ),
    libraries_only=True,
)
# clap: a derive front end (clap_derive, a proc macro) over a builder (clap_builder) and a lexer
# (clap_lex), re-exported by one facade crate; what a user of a CLI crate opens first. The field
# test's workspace: nothing here was tuned on it.
CLAP = Corpus(
    "clap",
    (
        ("clap", "4.5.41"),
        ("clap_builder", "4.5.41"),
        ("clap_derive", "4.5.41"),
        ("clap_lex", "0.7.5"),
    ),
)
# pest: a parser generator as four crates: the runtime (pest), a grammar front end with a build
# script (pest_meta), a code generator (pest_generator) and the derive that joins them
# (pest_derive, a proc macro). The second field test's workspace (tests/real/test_corpus_pest.py).
PEST = Corpus(
    "pest", tuple((name, "2.8.3") for name in ("pest", "pest_meta", "pest_generator", "pest_derive"))
)
# serde: the data model (serde_core, behind the facade serde, both with build scripts probing the
# compiler), its derive (serde_derive, a proc macro) and serde_json (features such as
# `preserve_order` and `arbitrary_precision` behind cfg). The third field test's workspace
# (tests/real/test_corpus_serde.py).
SERDE = Corpus(
    "serde",
    (
        ("serde", "1.0.229"),
        ("serde_core", "1.0.229"),
        ("serde_derive", "1.0.229"),
        ("serde_json", "1.0.154"),
    ),
)
# regex: the facade on a parser (regex-syntax) and the matching engines (regex-automata). Libraries
# only: regex-syntax's benches need nightly, the others' tests read files their packages leave out.
REGEX_MEMBERS = (("regex", "1.13.2"), ("regex-syntax", "0.8.12"), ("regex-automata", "0.4.19"))
REGEX = Corpus("regex", REGEX_MEMBERS, libraries_only=True)
FUTURES_CRATES = ("", "-channel", "-core", "-executor", "-io", "-macro", "-sink", "-task", "-util")
FUTURES = Corpus("futures", tuple((f"futures{p}", "0.3.34") for p in FUTURES_CRATES), libraries_only=True)
RAYON = Corpus("rayon", (("rayon", "1.10.0"), ("rayon-core", "1.12.1")))  # `mod join; pub use join::join;`
# tokio: items in `cfg_rt! { ... }`-style blocks behind features, all off by default
TOKIO = Corpus("tokio", (("tokio", "1.47.1"),))
CORPORA = {c.name: c for c in (RIPGREP, MEMCHR, LARGE, CLAP, PEST, SERDE, REGEX, FUTURES, RAYON, TOKIO)}


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


def _keep_library(member: Path) -> None:
    """A member reduced to its library: its [[test]]/[[bench]]/[[example]] targets and their
    directories gone, and cargo told not to look for more."""
    for directory in ("tests", "benches", "examples"):
        shutil.rmtree(member / directory, ignore_errors=True)
    kept: list[str] = []
    dropping = False
    for line in (member / "Cargo.toml").read_text(encoding="utf-8").split("\n"):
        if line.startswith("["):
            dropping = line.strip() in ("[[test]]", "[[bench]]", "[[example]]")
        if not dropping and not line.startswith(("autotests", "autobenches", "autoexamples")):
            kept.append(line)
        if line.strip() == "[package]":
            kept += ["autotests = false", "autobenches = false", "autoexamples = false"]
    (member / "Cargo.toml").write_text("\n".join(kept), encoding="utf-8")


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
                if corpus.libraries_only:
                    _keep_library(staged / crate)
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
