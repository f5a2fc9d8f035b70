"""A facade crate's glob re-export (`pub use clap_builder::*;` in clap's src/lib.rs) makes the
facade's root another spelling of the other crate's root: `clap::Command` is clap_builder's
`Command` (found in the field test on clap; tests/real/test_corpus_clap.py checks it on the real crates)."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.places.symbol_paths import crate_aliases, module_globs, path_matches


def _package(root: Path, name: str, lib: str) -> None:
    (root / name / "src").mkdir(parents=True)
    (root / name / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\n')
    (root / name / "src" / "lib.rs").write_text(lib)


def test_a_glob_reexport_of_a_crate_is_an_alias_of_its_root(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["facade", "builder"]\n')
    _package(tmp_path, "facade", "pub use builder::*;\npub use std::*;\npub use self::inner::*;\n")
    _package(tmp_path, "builder", "pub mod command;\n")
    aliases = crate_aliases(tmp_path)
    assert aliases[("facade",)] == ("builder",)
    assert ("builder",) not in aliases
    known = [("builder", "command")]
    assert path_matches(("facade",), known, aliases)
    assert not path_matches(("other",), known, aliases)


def test_a_glob_of_the_crates_own_module_spells_its_items_from_the_root(tmp_path: Path) -> None:
    """regex's `pub use crate::{builders::string::*, regex::string::*};`: `regex::Regex` is written
    out in full as `regex::regex::string::Regex` (tests/real/test_corpus_regex.py on the real crate)."""
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["regex"]\n')
    lib = (
        "pub use crate::{builders::string::*,\n    regex::string::*};\npub use self::error::*;\nmod regex;\n"
    )
    _package(tmp_path, "regex", lib)
    globs = module_globs(tmp_path)
    assert sorted(globs) == [
        (("regex",), ("regex", "builders", "string")),
        (("regex",), ("regex", "error")),
        (("regex",), ("regex", "regex", "string")),
    ]
    string, bytes_ = [("regex", "regex", "string", "Regex")], [("regex", "regex", "bytes", "Regex")]
    assert path_matches(("regex", "Regex"), string, {}, exact=True, globs=globs)
    assert not path_matches(("regex", "Regex"), bytes_, {}, exact=True, globs=globs)
    assert not path_matches(("regex", "Regex"), string, {}, exact=True)


FUTURES_LIB = """pub use futures_core::future::{Future, TryFuture};
#[doc(no_inline)]
pub use futures_util::{future, never, sink, stream, task};
pub use futures_util::lock;
pub use futures_channel as channel;

pub mod executor {
    //! Built-in executors.
    pub use futures_executor::{
        block_on, block_on_stream, enter, BlockingStream, Enter, EnterError, LocalPool,
    };
    pub use futures_executor::{ThreadPool as Pool};
}

pub mod prelude {
    pub use crate::stream::{self, Stream};
}
"""


def test_a_facade_re_exporting_modules_and_items_of_other_crates_spells_their_paths(tmp_path: Path) -> None:
    """futures' src/lib.rs re-exports futures_util's modules in a braced list and futures_executor's
    items inside an inline `pub mod executor { ... }`: `futures::stream::FuturesUnordered` and
    `futures::executor::block_on`, as every user of futures writes them, were "no symbol named"
    (field test 10 on the futures 0.3.34 crates)."""
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["futures"]\n')
    _package(tmp_path, "futures", FUTURES_LIB)
    aliases = crate_aliases(tmp_path)
    assert aliases[("futures", "stream")] == ("futures_util", "stream")
    assert aliases[("futures", "lock")] == ("futures_util", "lock")
    assert aliases[("futures", "Future")] == ("futures_core", "future", "Future")
    assert aliases[("futures", "channel")] == ("futures_channel",)
    assert aliases[("futures", "executor", "block_on")] == ("futures_executor", "block_on")
    assert aliases[("futures", "executor", "Pool")] == ("futures_executor", "ThreadPool")
    assert ("futures", "block_on") not in aliases and ("futures", "prelude", "stream") not in aliases
    unordered = [("futures_util", "stream", "futures_unordered")]
    assert path_matches(("futures", "stream"), unordered, aliases)
    assert not path_matches(("futures", "sink"), unordered, aliases)
    block_on = [("futures_executor", "local_pool"), ("futures_executor",)]
    assert path_matches(("futures", "executor"), block_on, aliases, name="block_on")
    assert path_matches(("futures", "executor"), block_on, aliases, exact=True, name="block_on")
    assert not path_matches(("futures", "executor"), block_on, aliases, name="enter_not")
    assert not path_matches(("futures", "executor"), block_on, aliases)
