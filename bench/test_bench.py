"""The bench's own instruments: its ground truth and answer readers on a tiny workspace, its size
counts and readiness signal on hand-made inputs, and one quick real run of bench.compare. (Kept
beside them: tests/ never imports bench/.)"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from bench import sizes
from bench import truth as t
from bench.cold import build_data_applied
from bench.report import added, in_turn
from bench.servers import ensure_anchors
from bench.sides import judge, located

REPO = Path(__file__).resolve().parent.parent

WIDGET = t.Query(
    name="Widget",
    kind="struct",
    declared_in="shapes/src/parts/mod.rs",
    used_in="app/src/main.rs",
    used_as="shapes::parts::Widget::new()",
)
DECLARATION = """use std::fmt;

/// A widget: the smallest part.
///
/// More words.
#[derive(Debug)]
pub struct Widget {
    size: u32,
}

impl Widget {
    pub fn new() -> Widget {
        Widget { size: 1 }
    }
}
"""
USE = """// Widget is mentioned in this comment only
fn main() {
    let label = "a Widget in a string";
    /* a block comment with Widget
       over two lines with Widget */
    let w = shapes::parts::Widget::new();
    println!("{label} {w:?}");
}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> t.Truth:
    (tmp_path / "shapes" / "src" / "parts").mkdir(parents=True)
    (tmp_path / "shapes" / "src" / "parts" / "mod.rs").write_text(DECLARATION)
    (tmp_path / "app" / "src").mkdir(parents=True)
    (tmp_path / "app" / "src" / "main.rs").write_text(USE)
    (tmp_path / "target" / "debug").mkdir(parents=True)
    (tmp_path / "target" / "debug" / "generated.rs").write_text("struct Widget;\n")  # build output: ignored
    return t.compute(tmp_path, WIDGET)


def test_ground_truth_comes_from_the_source(tiny: t.Truth) -> None:
    assert (tiny.use_line, tiny.use_column) == (5, USE.split("\n")[5].index("Widget"))
    assert tiny.declaration_line == 6
    assert tiny.declaration == "pub struct Widget"
    assert tiny.module_path == "shapes::parts"
    assert tiny.doc_first_line == "A widget: the smallest part."
    # code only: not the comments, the block comment or the string; not target/
    assert tiny.references == {
        ("shapes/src/parts/mod.rs", 6),
        ("shapes/src/parts/mod.rs", 10),
        ("shapes/src/parts/mod.rs", 11),
        ("shapes/src/parts/mod.rs", 12),
        ("app/src/main.rs", 5),
    }


def test_hover_is_right_only_with_signature_module_and_docs(tiny: t.Truth) -> None:
    right = (
        "```rust\nshapes::parts\n```\n\n```rust\npub struct Widget {\n    size: u32,\n}\n```\n\n"
        "---\n\nA widget: the smallest part."
    )
    assert t.hover_is_right(tiny, right)
    assert not t.hover_is_right(tiny, right.replace("A widget", "Some widget"))
    assert not t.hover_is_right(tiny, "```rust\n{unknown}\n```")
    assert judge(tiny, "hover", None, []) == "empty"
    assert judge(tiny, "hover", "```rust\nWidget\n```", []) == "wrong"


def test_definition_and_references_are_judged_as_places(tiny: t.Truth) -> None:
    declaration = ("shapes/src/parts/mod.rs", 6)
    assert judge(tiny, "definition", None, [declaration]) == "right"
    assert judge(tiny, "definition", None, [("shapes/src/parts/mod.rs", 10)]) == "wrong"
    assert judge(tiny, "references", None, sorted(tiny.references)) == "right"
    assert judge(tiny, "references", None, sorted(tiny.references)[1:]) == "wrong"
    assert judge(tiny, "references", None, []) == "empty"


def test_answers_are_read_in_each_dialect(tiny: t.Truth) -> None:
    uri = (tiny.root / "shapes/src/parts/mod.rs").as_uri()
    span = {"start": {"line": 6, "character": 11}, "end": {"line": 6, "character": 17}}
    location = {"uri": uri, "range": span}
    link = {"targetUri": uri, "targetRange": span, "targetSelectionRange": span}
    assert t.lsp_places(tiny.root, [location, link]) == [("shapes/src/parts/mod.rs", 6)] * 2
    assert t.lsp_hover_text({"contents": {"kind": "markdown", "value": "x"}}) == "x"
    assert t.lsp_hover_text({"contents": ["a", {"language": "rust", "value": "b"}]}) == "a\nb"
    grouped = {
        "groups": [
            {"path": "app/src/main.rs", "count": 1, "locations": [{"path": "app/src/main.rs", "line": 6}]}
        ]
    }
    assert list(located(grouped)) == [("app/src/main.rs", 6)]


def test_definition_sizes_count_name_description_and_input_schema() -> None:
    schema = {"type": "object", "properties": {"path": {"type": "string"}}}
    listed = {"tools": [{"name": "a", "description": "bb", "inputSchema": schema, "outputSchema": schema}]}
    counted = sizes.definitions(listed)
    assert counted.tools == 1
    assert counted.definition_chars == 1 + 2 + len(sizes.compact(schema))
    assert counted.whole_chars == len(sizes.compact(listed)) > counted.definition_chars
    answer = sizes.answer_size(
        {"content": [{"type": "text", "text": "héllo"}], "structuredContent": {"a": 1}}
    )
    assert (answer.text, answer.structured, answer.error) == (5, 7, False)


def test_ready_to_ask_is_when_the_build_data_is_applied() -> None:
    events = [
        (0.1, "begin", "Fetching"),
        (1.0, "end", "Fetching"),
        (1.0, "begin", "Building CrateGraph"),
        (1.1, "end", "Building CrateGraph"),  # the first crate graph: no build data yet
        (1.1, "begin", "Building compile-time-deps"),
        (20.0, "end", "Building compile-time-deps"),
        (20.0, "begin", "Building CrateGraph"),
        (20.1, "end", "Building CrateGraph"),
        (20.1, "begin", "Roots Scanned"),
        (20.3, "end", "Roots Scanned"),
        (20.4, "begin", "Loading proc-macros"),  # within the settle time: not applied yet
        (20.6, "end", "Loading proc-macros"),
        (20.7, "begin", "Fetching"),
        (24.0, "end", "Fetching"),  # the VFS reload is not waited for
    ]
    assert build_data_applied(events) == 20.6
    assert build_data_applied(events[:7]) is None  # the crate graph is still being rebuilt
    assert build_data_applied(events[:5]) is None  # build scripts still running


def test_interleaving_rotates_and_added_pairs_runs() -> None:
    assert [in_turn(["raw", "anchor", "ours"], run)[0] for run in range(4)] == [
        "raw",
        "anchor",
        "ours",
        "raw",
    ]
    # the machine's drift moves both sides of a run together: pairing cancels it, medians do not
    ours, raw = [5.0, 6.0, 50.0, 7.0], [1.0, 1.0, 46.0, 10.0]
    assert added(ours, raw) == 4.0
    assert statistics.median(ours) - statistics.median(raw) == 1.0


@pytest.mark.real
def test_a_quick_run_prints_the_start_up_row(tmp_path: Path) -> None:
    """bench.compare --quick --only start, for real: both anchors (built once into a cache from
    crates.io), both our servers and the SDK's floor each started to tools/list."""
    ensure_anchors()
    env = {**os.environ, "BENCH_RESULTS_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "bench.compare", "--quick", "--only", "start"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for name in ("cargo-mcp", "rust-analyzer-mcp"):
        row = next(line for line in run.stdout.splitlines() if line.strip().startswith(name))
        figures = re.findall(r"(\d+\.\d) ms", row)
        assert len(figures) == 3 and all(float(f) > 0 for f in figures), row
    (written,) = tmp_path.glob("compare-*.txt")
    assert "start to tools/list" in written.read_text()
