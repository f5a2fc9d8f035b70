"""Every size limit of both servers, in one place: what an answer may hold (a model pays for every
character), and how much of what the tools read is kept. Limits on what a model may send (a name's
length, a path's, an SSR rule's) stay beside the checks that name them in their refusals."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

# -- every default answer ----------------------------------------------------------------------------
ANSWER_TEXT_BUDGET = 8 * 1024  # characters of an answer's text
ANSWER_STRUCTURED_BUDGET = 10 * 1024  # characters of an answer's structuredContent JSON
PAGE_ITEMS_BUDGET = 7_000  # characters of JSON the items of one page may take (the rest: counts, notes)

# -- cargo-mcp: the text of a result ----------------------------------------------------------------
CARGO_TEXT_BUDGET = ANSWER_TEXT_BUDGET  # characters of a result's text, head and tail kept
CARGO_DIAGNOSTICS_PAGE = 25  # diagnostics one answer lists (text and structuredContent list the same)
CARGO_DIAGNOSTICS_TEXT = 5_000  # characters of those diagnostics' renderings in the text
CARGO_FAILURES_IN_TEXT = 10  # failing tests whose output the text shows
CARGO_FORMAT_ISSUES_IN_TEXT = 20
CARGO_RUNNING_TESTS_IN_TEXT = 20  # tests named as still running when a run was stopped

# -- cargo-mcp: the structured result -----------------------------------------------------------------
CARGO_STRUCTURED_BUDGET = ANSWER_STRUCTURED_BUDGET  # structuredContent JSON; detail is shed to fit
# kept free when shedding: notes added after it (the page's, diagnostics not kept, a reused run's)
CARGO_LATER_NOTES = 600
CARGO_SHED_FAILURE_OUTPUT = 1_500  # a failing test's output once the result is over budget
CARGO_SHED_STREAM = 4_000  # stdout and stderr, each, once over budget
CARGO_SHED_RENDERED = 800  # each diagnostic's rendering, if still over budget
CARGO_MIN_DIAGNOSTICS = 5  # diagnostics kept however far over budget
CARGO_SHED_LEAST_TEXT = 50  # a kept diagnostic's rendering and message, clipped at most to
CARGO_MATRIX_ERRORS = 5  # errors listed per target of a cross-target check, and per failed verification
CARGO_NEW_FAILURES = 50  # failures a dependency change added, listed in its verification

# -- cargo-mcp: what is kept of cargo's output while it runs --------------------------------------------
CARGO_STREAM_BUDGET = 12_000  # characters of stdout and of stderr, each, head and tail
KEPT_DIAGNOSTICS = 2_000  # diagnostics parsed and kept for ranking; past it only errors (all are counted)
RENDERED_LIMIT = 4_000  # one diagnostic's rendered text
SPANS_PER_DIAGNOSTIC = 8  # spans, suggestions and notes of one diagnostic
TEST_OUTPUT_LIMIT = 3_000  # one failing test's output
FORMAT_HUNK_LIMIT = 1_500  # one rustfmt diff hunk
FORMAT_MAX_ISSUES = 50
TREE_LINES = 50_000  # lines of `cargo tree` kept for paging (more are counted as not kept)
TREE_PAGE_CHARS = 5_000  # characters of tree lines in one answer (`offset` pages on)
METADATA_PAGE = 6_000  # characters of JSON of the member summaries in one cargo_metadata answer
METADATA_DETAIL_TARGETS = 2_000  # characters of JSON of one member's targets (package=NAME)
METADATA_DETAIL_DEPENDENCIES = 3_500  # ... of one page of its dependencies (`offset` pages on)
METADATA_DETAIL_FEATURES = 60  # feature names listed for one member (all are counted)
METADATA_NAMES_IN_REFUSAL = 30  # member names listed when `package` names none of them
METADATA_OTHER_PACKAGES = 30  # non-member packages named (all are counted)
METADATA_NAMES_CHARS = 1_500  # characters of those names, or of one member's feature names, listed
STDERR_TAIL_LINES = 50  # stderr lines searched for hints (missing target, component)
PROGRESS_MESSAGE = 200  # characters of one progress message
PROGRESS_INTERVAL = 1.0  # seconds between two progress notifications of one call, at least
# what progress goes to: (progress, total, message); the MCP layer gates it (rust_mcp/mcp/progress.py)
ProgressCallback = Callable[[float, float | None, str], Awaitable[None]]

# -- reading: memory bounds -------------------------------------------------------------------------
MAX_LINE_BYTES = 64 * 1024 * 1024  # a process's output line, before it is delivered cut
MAX_JSON_LINE = 8 * 1024 * 1024  # a cargo JSON message that is parsed
MAX_CAPTURED_CHARS = 128 * 1024 * 1024  # a helper's output the server reads whole (cargo metadata, git)
MAX_SOURCE_BYTES = 16 * 1024 * 1024  # a source file rust-analyzer-mcp reads
MAX_SYNC_BYTES = 8 * 1024 * 1024  # a changed source file sent to rust-analyzer (larger: not sent)
MAX_PULLED_BYTES = 512 * 1024  # a file a workspace pass asks rust-analyzer's own findings of (larger: not)
MAX_LOG_HEAD_BYTES = 4 * 1024 * 1024  # a run's log keeps its first bytes ...
MAX_LOG_TAIL_BYTES = 1024 * 1024  # ... and its last, with a count of what was cut between them
MAX_LOCKFILE_BYTES = 32 * 1024 * 1024  # a project's Cargo.lock, read (lockfile.locked_packages) or copied
MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024  # an insta .snap (or .snap.new) file read for its diff
MAX_HASHED_BYTES = 64 * 1024 * 1024  # a tracked file hashed for changed=true (larger: counted as changed)
MAX_HASHED_TOTAL_BYTES = 256 * 1024 * 1024  # all of them in one call (past it: counted as changed)

# -- rust-analyzer-mcp -----------------------------------------------------------------------------
ANALYZER_TEXT_BUDGET = ANSWER_TEXT_BUDGET  # characters of an answer's text, mostly head
DIFF_FILE_BUDGET = 2_500  # characters of one file's diff in an edit's answer: its first hunks
DIFF_BUDGET = 5_000  # characters of diffs in an edit's text
DIFF_MIN_PER_FILE = 500  # characters each further file's diff still gets
BODY_LIMIT = 4_000  # characters of an item's source, per item
HOVER_LIMIT = 6_000  # characters of hover markdown
EXPANSION_PAGE = 6_000  # characters of a macro expansion per page (its lines; `offset` pages on)
SOURCE_LINE_LIMIT = 300  # characters of the source line shown with a location
NAME_LIMIT = 300  # characters of a symbol's name, detail or container shown (Rust names have no limit)
CALL_SITES_PER_ENTRY = 10  # call sites listed per caller or callee of a call hierarchy (all are counted)
SYMBOL_CANDIDATES = 12  # symbols named when a name is ambiguous or not found
SYMBOL_SEARCH_LIMIT = 256  # symbols rust-analyzer lists at most per workspace/symbol (its search limit)
RELATED_PER_DIAGNOSTIC = 8  # related locations listed per diagnostic
RECENT_MESSAGES = 5  # rust-analyzer's own messages in a status answer
SITE_OPERATIONS = 12  # unsafe operations listed per site of an unsafe audit (all are counted)
SITE_FINDINGS = 6  # clippy findings listed per site of an unsafe audit (all are counted)

# -- tool definitions (what a client sends the model on every turn) ------------------------------------
DEFINITION_AVERAGE = 600  # characters of name + description + inputSchema per tool, averaged per server
TOOLS_LIST_BUDGET = 40_000  # characters of a whole tools/list result (output schemas, annotations too)


def compact_json(value: object) -> str:
    """JSON as a client sends it to a model: no spaces, non-ASCII kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def definition_chars(name: str, description: str | None, input_schema: object) -> int:
    """What one tool's definition costs a model: its name, description and input schema."""
    return len(name) + len(description or "") + len(compact_json(input_schema))
