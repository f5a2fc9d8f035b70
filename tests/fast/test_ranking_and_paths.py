"""Fast, table-driven: how cargo diagnostics are ranked before they are cut, how clippy lint levels are
ordered, and how a symbol path people write is matched against the paths an item is known by."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cargo_mcp.parse.diagnostic_focus import RankingMoments
from cargo_mcp.results.models import CargoResult
from cargo_mcp.results.render import result_text, shape_for_model
from cargo_mcp.table.lint_levels import order_lint_levels
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from ra_mcp.places.symbol_paths import WantedPath, container_fits, hover_path, path_matches, type_name
from rust_mcp.core.budgets import ANSWER_STRUCTURED_BUDGET, compact_json
from rust_mcp.core.compiler_messages import Diagnostic, Focus, rank_diagnostics


def _diagnostic(level: str, path: Path, line: int = 1, width: int = 600) -> Diagnostic:
    return Diagnostic(
        level=level,
        message=f"{level} at {path.name}:{line}",
        file=path.name,
        absolute_path=str(path),
        line=line,
        column=1,
        rendered=f"{level}: something\n --> {path.name}:{line}:1\n" + "x" * width,
    )


def test_errors_first_then_the_requested_package_and_changed_files_then_the_rest(tmp_path: Path) -> None:
    other, wanted, changed = (tmp_path / "other", tmp_path / "wanted", tmp_path / "changed")
    for directory in (other, wanted, changed):
        directory.mkdir()
    old_file, wanted_file, new_file = other / "a.rs", wanted / "b.rs", changed / "c.rs"
    for path in (old_file, wanted_file, new_file):
        path.write_text("")
    past = time.time() - 3600
    os.utime(old_file, (past, past))
    os.utime(wanted_file, (past, past))
    emitted = [_diagnostic("warning", old_file, n) for n in range(1, 300)]
    emitted += [
        _diagnostic("warning", new_file),
        _diagnostic("warning", wanted_file),
        _diagnostic("error", old_file),
    ]
    ranked = rank_diagnostics(emitted, Focus((wanted,), changed_after=time.time() - 60))
    assert [d.level for d in ranked[:1]] == ["error"]
    assert {d.absolute_path for d in ranked[1:3]} == {str(new_file), str(wanted_file)}
    assert len(ranked) == len(emitted)


def test_the_cut_keeps_errors_and_the_text_says_where_the_rest_is(tmp_path: Path) -> None:
    source = tmp_path / "lib.rs"
    source.write_text("")
    diagnostics = rank_diagnostics(
        [_diagnostic("warning", source, n) for n in range(1, 200)] + [_diagnostic("error", source, 500)],
        Focus(),
    )[:60]
    result = CargoResult(
        tool="cargo_check",
        ok=False,
        exit_code=101,
        summary="cargo check failed",
        argv=["cargo", "check"],
        cwd=str(tmp_path),
        manifest=str(tmp_path / "Cargo.toml"),
        toolchain=None,
        duration_ms=1,
        diagnostics=diagnostics,
        log_path=None,
    )
    result.counts.total, result.counts.errors, result.counts.warnings = 200, 1, 199
    shaped = shape_for_model(result)
    assert shaped.diagnostics[0].level == "error"
    assert shaped.counts.shown == len(shaped.diagnostics) < 200
    text = result_text(shaped)
    assert "lib.rs:500:1" in text.split("\n\n")[1]
    shown = shaped.counts.shown
    assert f"diagnostics 1-{shown} of 200 listed; {200 - shown} more: call again with offset={shown}" in text
    assert shaped.counts.next_offset == shown
    kept = shape_for_model(result, ranked=150)  # past the parser's limit only errors are kept
    assert "50 more diagnostics were counted but not kept" in kept.hints[-1]
    assert "no full log was kept" in kept.hints[-1]
    assert "see structuredContent.diagnostics or the log" not in text


def test_a_shaped_result_with_its_later_notes_fits_the_budget(tmp_path: Path) -> None:
    """Notes are added after the shed: the page's, the diagnostics not kept, and a reused run's (the
    memchr corpus's pedantic clippy, asked twice, went 9 characters over). However many diagnostics
    and however long their paths, the result as sent stays within the structured budget."""
    deep = tmp_path / ("d" * 40) / ("e" * 40)
    deep.mkdir(parents=True)
    source = deep / "lib.rs"
    source.write_text("")
    for count in range(5, 40):
        diagnostics = [_diagnostic("warning", source, n, width=200) for n in range(1, count)]
        result = CargoResult(
            tool="cargo_clippy",
            ok=True,
            exit_code=0,
            summary="cargo clippy succeeded",
            argv=["cargo", "clippy"],
            cwd=str(deep),
            manifest=str(deep / "Cargo.toml"),
            toolchain=None,
            duration_ms=1,
            diagnostics=diagnostics,
            log_path=str(deep / "log"),
        )
        result.counts.total = result.counts.warnings = 3000
        shaped = shape_for_model(result, ranked=2000)
        shaped.hints.insert(
            0,
            "reused the cargo clippy finished 12 s ago with the same arguments on the "
            "same files (nothing changed since); its findings stand",
        )
        sent = compact_json(shaped.model_dump(mode="json", exclude_defaults=True))
        assert len(sent) <= ANSWER_STRUCTURED_BUDGET, f"{count} diagnostics: {len(sent)} characters"


@pytest.mark.parametrize(
    ("allow", "warn", "deny", "expected"),
    [
        (
            ["clippy::all"],
            ["clippy::needless_return"],
            None,
            ["-A", "clippy::all", "-W", "clippy::needless_return"],
        ),
        (
            ["clippy::missing_errors_doc"],
            ["clippy::pedantic"],
            None,
            ["-W", "clippy::pedantic", "-A", "clippy::missing_errors_doc"],
        ),
        (["dead_code"], None, ["warnings"], ["-D", "warnings", "-A", "dead_code"]),
        (None, ["a"], ["b"], ["-W", "a", "-D", "b"]),
    ],
)
def test_lint_levels_groups_first_then_allow_warn_deny(
    allow: list[str] | None, warn: list[str] | None, deny: list[str] | None, expected: list[str]
) -> None:
    args = COMMANDS_BY_NAME["cargo_clippy"].cargo_args({"allow": allow, "warn": warn, "deny": deny})
    assert args[args.index("--") + 1 :] == expected
    assert order_lint_levels(["--", "x"]) == ["--", "x"]


@pytest.mark.parametrize(
    ("written", "known_as", "matches"),
    [
        ("SearchWorker::search", [("rg", "search", "SearchWorker")], True),
        ("Worker::search", [("app", "Worker<W>")], True),
        ("grep_searcher::Searcher", [("grep_searcher", "searcher")], True),
        ("grep_searcher::searcher::Searcher", [("grep_searcher", "searcher")], True),
        ("ignore::WalkBuilder", [("ignore", "walk"), ("ignore",)], True),
        ("grep::searcher::Searcher", [("grep_searcher", "searcher")], True),  # through the alias
        ("grep::regex::Searcher", [("grep_searcher", "searcher")], False),
        ("crate::shapes::Circle", [("geometry", "shapes")], True),
        ("printer::Standard::new", [("grep_printer", "standard", "StandardBuilder")], False),
    ],
)
def test_symbol_paths_as_people_write_them(
    written: str, known_as: list[tuple[str, ...]], matches: bool
) -> None:
    wanted = WantedPath.parse(written)
    aliases: dict[tuple[str, ...], tuple[str, ...]] = {
        ("grep", "searcher"): ("grep_searcher",),
        ("grep", "regex"): ("grep_regex",),
    }
    assert path_matches(wanted.qualifiers, known_as, aliases) is matches


def test_hover_paths_and_containers() -> None:
    assert hover_path("```rust\nrg::search::SearchWorker\n```\n\n```rust\nfn search()\n```") == (
        "rg",
        "search",
        "SearchWorker",
    )
    assert hover_path("```rust\nlet x: u8\n```") is None
    assert type_name("SearchWorker<W>") == "SearchWorker" and type_name("&'a mut S") == "S"
    assert container_fits("Standard<W>", ("grep_printer", "Standard")) and not container_fits(
        "StandardBuilder", ("Standard",)
    )
    assert WantedPath.parse("r#crate::self::r#type") == WantedPath("type", ())


def test_later_pages_rank_from_the_moment_their_first_page_was_ranked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moments = RankingMoments(size=2)
    check, clippy, build = ["cargo", "check"], ["cargo", "clippy"], ["cargo", "build"]
    first = moments.moment(check, 0)
    monkeypatch.setattr(time, "time", lambda: first + 600)
    assert moments.moment(check, 25) == first  # the same ranking, however long the caller took
    assert moments.moment(check, 0) == first + 600  # asking for the first page again ranks anew
    moments.moment(clippy, 0)
    moments.moment(build, 0)
    assert moments.moment(check, 25) == first + 600  # forgotten (oldest first): ranked from now
