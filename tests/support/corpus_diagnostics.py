"""Diagnostics on a corpus with an injected error, and the unsafe audit: cargo_check and both
diagnostics tools of rust-analyzer-mcp against cargo's own JSON; the whole workspace's diagnostics,
every page, against cargo's JSON; the audit's sites against the source text and its clippy findings
against cargo clippy's own JSON."""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ra_mcp.tools.audit import AUDIT_LINTS
from rust_mcp.core.paging import next_page_offset
from tests.support import text_of
from tests.support.corpus_support import Checker, CorpusSession, run_cargo
from tests.support.corpus_truth import git_restore, unsafe_sites_in_source

INJECTED = (
    '\n#[allow(dead_code)]\nfn injected_error() -> u32 {\n    "not a number"\n}\n\n'
    "#[allow(dead_code)]\nfn injected_warning() {\n    let injected_unused = 1;\n}\n"
)


async def check_unsafe_audit(session: CorpusSession, checker: Checker, package: str | None = None) -> None:
    """Sites per file against the source text; clippy findings against cargo clippy's own JSON."""
    tool = "rust_analyzer_unsafe_audit"
    arguments: dict[str, Any] = {"workspace": str(session.root)} | ({"package": package} if package else {})
    result, body = await session.ra_whole(tool, arguments)  # every page, as an agent would read them
    scope = session.root / package if package else session.root
    truth: dict[str, Counter[str]] = {}
    for path in sorted(scope.rglob("*.rs")):
        if "target" not in path.relative_to(session.root).parts and (found := unsafe_sites_in_source(path)):
            truth[session.rel(path)] = found
    ours = {
        f["path"]: Counter(
            {
                k: n
                for k, n in (
                    ("block", f["blocks"]),
                    ("fn", f["functions"]),
                    ("impl", f["impls"]),
                    ("trait", f["traits"]),
                    ("extern", f["externs"]),
                )
                if n
            }
        )
        for f in body.get("files", [])
    }
    differing = sorted(path for path in truth.keys() | ours.keys() if truth.get(path) != ours.get(path))
    checker.check(
        tool,
        not result.is_error and bool(truth) and not differing,
        f"{len(differing)} file(s) with other counts than the source, e.g. "
        + "; ".join(
            f"{p}: ours {dict(ours.get(p, {}))} source {dict(truth.get(p, {}))}" for p in differing[:3]
        ),
    )
    lints = [word for lint in AUDIT_LINTS for word in ("-W", lint)]
    clippy = await run_cargo(
        scope,
        ["clippy", "--all-targets", "--message-format=json", "--", *lints],
        {"CARGO_TARGET_DIR": str(session.root / "target" / "rust-mcp-audit")},
    )
    located = [m for m in clippy.messages if m["file"] and m["line"]]
    note = body.get("note") or ""
    outside_said = r"(\d+) (?:other clippy finding|compile error\(s\) outside)"  # lints, then errors
    outside = sum(int(n) for n in re.findall(outside_said, note))
    checker.check(
        tool,
        body["totals"]["findings"] + outside == len(located) and "log" not in text_of(result),
        f"{body['totals']['findings']} attached + {outside} outside != {len(located)} clippy findings",
    )
    sites = [s for s in body.get("sites", [])]
    inside = sum(
        1
        for m in located
        if any(s["path"] == m["file"] and s["line"] <= m["line"] <= s["end_line"] for s in sites)
    )
    checker.check(
        tool,
        inside == body["totals"]["findings"],
        f"{inside} findings fall on sites, {body['totals']['findings']} attached",
    )


async def check_injected_error(
    session: CorpusSession, checker: Checker, relative: str, package: str, noise: str, at_least: int
) -> None:
    """One error and one warning appended to a file of `package`; the other crates say `at_least`
    things. cargo_check, and both diagnostics tools of rust-analyzer-mcp, against cargo's JSON."""
    path = session.root / relative
    original = path.read_text(encoding="utf-8")
    path.write_text(original + INJECTED, encoding="utf-8")
    lines = (original + INJECTED).split("\n")
    error_line = lines.index('    "not a number"') + 1
    flags = {"RUSTFLAGS": noise}
    try:
        result, body = await session.cargo_call(
            "cargo_check", {"path": str(session.root), "package": package, "cargo_env": flags}
        )
        truth = await run_cargo(session.root, ["check", "-p", package, "--message-format=json"], flags)
        assert truth.count("warning") >= at_least, (
            f"the corpus set-up gives {truth.count('warning')} warnings"
        )
        listed = body.get("diagnostics", [])
        # the error, then what cargo says about the file just changed, by line: the model's own edit
        in_file = [m for m in truth.messages if m["file"] == relative and m["level"] == "warning"]
        head = [(relative, error_line, "error"), *sorted((m["file"], m["line"], m["level"]) for m in in_file)]
        head = head[: len(listed)]  # the listing may be cut to the budget: its head is what counts
        ours_head = [(d["file"], d["line"], d["level"]) for d in listed[: len(head)]]
        checker.check(
            "cargo_check",
            body["counts"]["errors"] == truth.count("error") == 1
            and body["counts"]["warnings"] == truth.count("warning")
            and body["counts"]["total"] == len(truth.messages)
            and body["counts"]["shown"] == len(listed)
            and ours_head == head
            and {(d["file"], d["line"], d["code"]) for d in listed}
            <= {(m["file"], m["line"], m["code"]) for m in truth.messages}
            and f"{relative}:{error_line}" in text_of(result),
            f"counts {body['counts']} vs {truth.count('error')} errors / {len(truth.messages)}; "
            f"first {ours_head} vs {head}",
        )
        ra_truth = await run_cargo(
            session.root,
            ["check", "--workspace", "--all-targets", "--keep-going", "--message-format=json"],
            flags,  # bare cargo's own target/, where the `-p` check above already built most of it
        )
        result, body = await session.ra_call("rust_analyzer_diagnostics", {"file_path": str(path)})
        errors = {(d["line"], d["code"]) for d in body.get("diagnostics", []) if d["severity"] == "error"}
        expected = {
            (m["line"], m["code"])
            for m in ra_truth.messages
            if m["level"] == "error" and m["file"] == relative
        }
        checker.check(
            "rust_analyzer_diagnostics",
            body.get("check_ran") is True and errors == expected and (error_line, "E0308") in errors,
            f"{errors} vs cargo's {expected} (check_ran {body.get('check_ran')}, {body.get('check_error')})",
        )
        result, body = await session.ra_call(
            "rust_analyzer_workspace_diagnostics", {"workspace": str(session.root)}
        )
        listed = body.get("diagnostics", [])
        truth_errors = {
            (m["file"], m["line"], m["code"])
            for m in ra_truth.messages
            if m["level"] == "error" and m["file"]
        }
        ours_errors = {(d["path"], d["line"], d["code"]) for d in listed if d["severity"] == "error"}
        checker.check(
            "rust_analyzer_workspace_diagnostics",
            body.get("check_ran") is True
            and body["counts"]["errors"] == len(ours_errors) == len(truth_errors)
            and ours_errors == truth_errors
            and [d["severity"] for d in listed[: len(ours_errors)]] == ["error"] * len(ours_errors)
            and body["counts"]["warnings"] >= at_least,
            f"errors {sorted(ours_errors)[:4]} vs cargo's {sorted(truth_errors)[:4]}; "
            f"counts {body.get('counts')}",
        )
    finally:
        path.write_text(original, encoding="utf-8")
        await git_restore(session.root)


# what rust-analyzer's own cargo check runs (its defaults: --workspace --all-targets --keep-going),
# run bare in the same copy and target directory, for the files as they are
MAX_PAGES = 2000  # a bound on the paging loop (reaching it fails the check)
MAX_CALLS = 40  # calls (each within the answer deadline) for the pass to become whole
FLYCHECK = ["check", "--workspace", "--all-targets", "--keep-going", "--message-format=json"]
Finding = tuple[str, int, str | None, str]  # file relative to the workspace, 1-based line, code, level


def _shown_at(span: dict[str, Any], root: Path) -> str | None:
    """Where rust-analyzer shows a primary span (its `primary_location`): the first span, walking
    out through the macro expansions it came from, in a real file (not `<...>`) inside the
    workspace; else the outermost invocation. The file relative to `root`; None outside it or in
    its build output (`target/`), which rust-analyzer-mcp does not show either."""
    chain = [span]
    while (outer := chain[-1].get("expansion")) is not None:
        chain.append(outer["span"])
    real = [s for s in chain if not s["file_name"].startswith("<")]
    # relative names are the workspace's; `#[path = "../x.rs"]` gives names such as `a/../x.rs`
    places = [(Path(os.path.normpath(root / s["file_name"])), s) for s in real]
    inside = [(path, s) for path, s in places if path.is_relative_to(root)]
    outermost = Path(os.path.normpath(root / chain[-1]["file_name"]))
    path, shown = inside[0] if inside else (outermost, chain[-1])
    if not path.is_relative_to(root) or path.is_relative_to(root / "target"):
        return None  # outside the workspace, or build output (a build script's `include!`d file)
    return f"{path.relative_to(root)}:{shown['line_start']}"


def cargo_findings(stdout: str, root: Path) -> set[Finding]:
    """cargo's errors and warnings as (file, line, code, level): one per primary span of each
    compiler message (rust-analyzer makes one diagnostic per primary span, none for a message with
    none), at the place rust-analyzer shows it; places outside the workspace are left out (rust-
    analyzer-mcp does not show them)."""
    found: set[Finding] = set()
    for line in stdout.splitlines():
        if not line.startswith('{"reason":"compiler-message"'):
            continue
        message = json.loads(line)["message"]
        level = "error" if message["level"].startswith("error") else message["level"]
        if level not in ("error", "warning"):
            continue
        code = (message.get("code") or {}).get("code")
        for span in message.get("spans") or []:
            if span.get("is_primary") and (place := _shown_at(span, root)) is not None:
                file, _, number = place.rpartition(":")
                found.add((file, int(number), code, level))
    return found


async def check_workspace_diagnostics_paged(
    session: CorpusSession, checker: Checker, limit: int = 100
) -> dict[str, Any]:
    """rust_analyzer_workspace_diagnostics called again until its pass is whole (every file analysed,
    the check finished: each call goes on from the last), then read to its last page (`limit` a
    page), against bare cargo check's JSON for the same files. The equivalence: the set of (file,
    line, code, level) of the confirmed errors and warnings on all pages equals the set
    cargo_findings makes of cargo's errors and warnings; each page gives the same counts and
    total, no finding twice, errors before warnings before the unconfirmed; rust-analyzer's own
    findings that cargo does not make are listed apart (unconfirmed), never counted as errors or
    warnings. Returns the numbers for the report."""
    tool = "rust_analyzer_workspace_diagnostics"
    arguments: dict[str, Any] = {"workspace": str(session.root), "limit": limit}
    began, calls = time.monotonic(), 0
    while calls < MAX_CALLS:  # as an agent does: call again, as the note says, until the pass is whole
        result, body = await session.ra_call(tool, arguments)
        calls += 1
        assert not result.is_error, text_of(result)[:2000]
        if body.get("check_ran") and "not analysed" not in (body.get("note") or ""):
            break
    whole = time.monotonic() - began
    pages: list[dict[str, Any]] = []
    seconds: list[float] = []
    offset: int | None = 0
    while offset is not None and len(pages) < MAX_PAGES:
        began = time.monotonic()
        result, body = await session.ra_call(tool, {**arguments, "offset": offset})
        seconds.append(time.monotonic() - began)
        assert not result.is_error, text_of(result)[:2000]
        pages.append(body)
        offset = next_page_offset(body.get("note"))
    listed = [d for page in pages for d in page.get("diagnostics", [])]
    counts = pages[0].get("counts", {})
    truth = await run_cargo(session.root, FLYCHECK)
    expected = cargo_findings(truth.stdout, session.root)
    confirmed = [d for d in listed if d["confirmed"] and d["severity"] in ("error", "warning")]
    ours = {(d["path"], d["line"], d["code"], d["severity"]) for d in confirmed}
    unconfirmed = [d for d in listed if not d["confirmed"]]
    ranks = [(not d["confirmed"], {"error": 0, "warning": 1}.get(d["severity"], 2)) for d in listed]
    keys = [
        (d["path"], d["line"], d["column"], d["code"], d["severity"], d["message"], d["confirmed"])
        for d in listed
    ]
    numbers = {
        "pages": len(pages),
        "calls_until_whole": calls,
        "until_whole_s": round(whole, 1),
        "first_page_s": round(seconds[0], 3),
        "next_pages_s_median_max": [round(statistics.median(seconds[1:]), 3), round(max(seconds[1:]), 3)]
        if len(seconds) > 1
        else None,
        "all_pages_s": round(sum(seconds), 1),
        "listed": len(listed),
        "counts": counts,
        "cargo_errors_warnings": len(expected),
        "ours_errors_warnings": len(ours),
        "unconfirmed": len(unconfirmed),
    }
    print(f"workspace diagnostics paged: {numbers}")
    for d in unconfirmed[:20]:  # shown apart: rust-analyzer only, not counted
        print(f"  unconfirmed (rust-analyzer only): {d['path']}:{d['line']} {d['code']} {d['message'][:80]}")
    checker.check(
        tool,
        all(page.get("counts") == counts for page in pages)
        and len(listed) == len(set(keys)) == sum(counts.values())
        and ranks == sorted(ranks)
        and counts.get("errors") == sum(1 for d in confirmed if d["severity"] == "error")
        and counts.get("warnings") == sum(1 for d in confirmed if d["severity"] == "warning")
        and counts.get("unconfirmed") == len(unconfirmed),
        f"pages disagree or miscount: {len(pages)} pages, {len(listed)} listed "
        f"({len(set(keys))} distinct), counts {[page.get('counts') for page in pages][:3]}",
    )
    checker.check(
        tool,
        offset is None and len(pages) > 1 and bool(expected) and ours == expected,
        f"{len(ours)} confirmed vs cargo's {len(expected)}: "
        f"ours only {sorted(ours - expected, key=str)[:5]}; "
        f"cargo only {sorted(expected - ours, key=str)[:5]}; the pass: {numbers}",  # seen once in CI
    )
    return numbers
