"""The corpus checks against cargo's own output, git and the source text: the cargo-mcp tools, the
diagnostics of both servers with an injected error, and the unsafe audit's counts."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import anyio

from ra_mcp.tools.audit import AUDIT_LINTS
from tests.corpus_checks import unsafe_sites_in_source
from tests.corpus_support import Checker, CorpusSession, run_cargo, text

INJECTED = (
    '\nfn injected_error() -> u32 {\n    "not a number"\n}\n\n'
    "#[allow(dead_code)]\nfn injected_warning() {\n    let injected_unused = 1;\n}\n"
)
TEST_RESULT = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured")
FMT_DIFF = re.compile(r"^Diff in (.+?)(?::\d+:| at line \d+:)\s*$", re.MULTILINE)


async def git_status(root: Path) -> list[str]:
    done = await anyio.run_process(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root)
    return sorted(line[3:] for line in done.stdout.decode().splitlines() if line.strip())


async def _git_restore(root: Path) -> None:
    await anyio.run_process(["git", "checkout", "-q", "--", "."], cwd=root)
    await anyio.run_process(["git", "clean", "-fdq"], cwd=root)


def _places(messages: list[dict[str, Any]], level: str) -> set[tuple[str | None, int | None, str | None]]:
    """(file, line, code) of the messages at `level`: cargo's own or the tool's (same field names)."""
    return {(m["file"], m["line"], m["code"]) for m in messages if m["level"].startswith(level)}


async def check_unsafe_audit(session: CorpusSession, checker: Checker, package: str | None = None) -> None:
    """Sites per file against the source text; clippy findings against cargo clippy's own JSON."""
    tool = "rust_analyzer_unsafe_audit"
    arguments: dict[str, Any] = {"workspace": str(session.root)} | ({"package": package} if package else {})
    result, body = await session.ra_call(tool, arguments)
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
        {**session.env, "CARGO_TARGET_DIR": str(session.root / "target" / "rust-mcp-audit")},
    )
    located = [m for m in clippy.messages if m["file"] and m["line"]]
    note = body.get("note") or ""
    outside = int(match.group(1)) if (match := re.search(r"(\d+) other clippy finding", note)) else 0
    checker.check(
        tool,
        body["totals"]["findings"] + outside == len(located) and "log" not in text(result),
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


async def check_project_tools(
    session: CorpusSession, checker: Checker, package: str, directory: str, fmt: dict[str, Any]
) -> None:
    """metadata, tree (and duplicates), fmt --check, set_working_directory, clean and update dry runs."""
    root = str(session.root)
    member = package
    result, body = await session.cargo_call("cargo_metadata", {"path": root, "no_deps": False})
    meta = await anyio.run_process(["cargo", "metadata", "--format-version", "1"], cwd=session.root)
    raw = json.loads(meta.stdout)
    members = set(raw["workspace_members"])
    truth_members = sorted((p["name"], p["version"]) for p in raw["packages"] if p["id"] in members)
    ours_members = sorted((m["name"], m["version"]) for m in (body.get("data") or {}).get("members", []))
    others = len(raw["packages"]) - len(members)
    checker.check(
        "cargo_metadata",
        ours_members == truth_members and (body.get("data") or {}).get("other_package_count", 0) == others,
        f"members {ours_members} vs {truth_members}",
    )
    result, body = await session.cargo_call("cargo_tree", {"path": root, "package": member, "depth": 1})
    tree = await anyio.run_process(["cargo", "tree", "-p", member, "--depth", "1"], cwd=session.root)
    checker.check(
        "cargo_tree",
        (body.get("data") or {}).get("lines") == tree.stdout.decode().splitlines(),
        f"tree of {member} differs",
    )
    result, body = await session.cargo_call("cargo_tree", {"path": root, "duplicates": True})
    dups = await anyio.run_process(["cargo", "tree", "-d"], cwd=session.root)
    expected = dups.stdout.decode().splitlines()
    data = body.get("data") or {}
    checker.check(
        "cargo_tree",
        data.get("lines") == expected and (bool(expected) or "nothing to print" in text(result)),
        f"duplicates: {data.get('lines')} vs {expected}",
    )
    result, body = await session.cargo_call("cargo_fmt_check", {"path": root, **fmt})
    argv = ["cargo", "fmt", "--check"] + (["--all"] if fmt.get("workspace") else [])
    done = await anyio.run_process(argv, cwd=session.root, check=False)
    diffs = FMT_DIFF.findall(done.stdout.decode())
    files = {str(Path(f).resolve().relative_to(session.root)) if Path(f).is_absolute() else f for f in diffs}
    ours_files = {
        str(Path(i["file"]).resolve().relative_to(session.root))
        if Path(i["file"]).is_absolute()
        else i["file"]
        for i in body.get("format_issues") or []
    }
    checker.check(
        "cargo_fmt_check",
        body["ok"] == (done.returncode == 0)
        and body.get("format_places") == len(diffs)
        and ours_files <= files,
        f"{body.get('format_places')} places vs cargo fmt's {len(diffs)}; summary {body['summary']!r}",
    )
    await session.cargo.call_tool("set_working_directory", {"path": str(session.root / directory)})
    located = await anyio.run_process(
        ["cargo", "locate-project", "--message-format", "plain"], cwd=session.root / directory
    )
    result, body = await session.cargo_call("cargo_metadata", {"no_deps": True})
    checker.check(
        "set_working_directory",
        body.get("manifest") == located.stdout.decode().strip(),
        f"{body.get('manifest')}",
    )
    await session.cargo.call_tool("set_working_directory", {"path": root})
    result, body = await session.cargo_call("cargo_clean", {"path": root, "package": member, "dry_run": True})
    truth = await anyio.run_process(
        ["cargo", "clean", "-p", member, "--dry-run"], cwd=session.root, check=False
    )
    summary = [line for line in truth.stderr.decode().splitlines() if "Summary" in line]
    checker.check(
        "cargo_clean",
        bool(summary) and summary[-1].strip() in body["stderr"],
        f"{summary} not in {body['stderr'][-300:]!r}",
    )
    offline = {"CARGO_NET_OFFLINE": "true"}
    result, body = await session.cargo_call(
        "cargo_update", {"path": root, "dry_run": True, "cargo_env": offline}
    )
    truth = await anyio.run_process(
        ["cargo", "update", "--dry-run"],
        cwd=session.root,
        env={**os.environ, **offline},
        check=False,
    )
    said = [
        line.strip()
        for line in truth.stderr.decode().splitlines()
        if line.strip().startswith(("Updating", "Locking", "Adding", "Removing"))
    ]
    checker.check(
        "cargo_update",
        body["exit_code"] == truth.returncode and all(line in body["stderr"] for line in said),
        f"{said[:3]} vs {body['stderr'][:300]!r}",
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
            and f"{relative}:{error_line}" in text(result),
            f"counts {body['counts']} vs {truth.count('error')} errors / {len(truth.messages)}; "
            f"first {ours_head} vs {head}",
        )
        ra_truth = await run_cargo(
            session.root,
            ["check", "--workspace", "--all-targets", "--keep-going", "--message-format=json"],
            {**flags, "CARGO_TARGET_DIR": str(session.root / "target" / "rust-analyzer")},
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
        await _git_restore(session.root)


async def check_lint_run(
    session: CorpusSession, checker: Checker, warn: list[str], noise: str, at_least: int = 200
) -> None:
    flags = {"RUSTFLAGS": noise} if noise else {}
    _, body = await session.cargo_call(
        "cargo_clippy", {"path": str(session.root), "warn": warn, "cargo_env": flags}
    )
    truth = await run_cargo(
        session.root,
        ["clippy", "--message-format=json", "--", *[w for lint in warn for w in ("-W", lint)]],
        flags,
    )
    listed = body.get("diagnostics", [])
    errors_first = [d["level"] for d in listed[: truth.count("error")]] == ["error"] * truth.count("error")
    checker.check(
        "cargo_clippy",
        body["counts"]["total"] == len(truth.messages) >= at_least
        and body["counts"]["errors"] == truth.count("error")
        and errors_first
        and body["counts"]["shown"] == len(listed)
        and {(d["file"], d["line"], d["code"]) for d in listed}
        <= {(m["file"], m["line"], m["code"]) for m in truth.messages},
        f"counts {body['counts']} vs {len(truth.messages)} ({truth.count('error')} errors)",
    )


def _test_counts(output: str) -> tuple[int, int, int]:
    found = [tuple(int(n) for n in m) for m in TEST_RESULT.findall(output)]
    return tuple(sum(row[i] for row in found) for i in range(3)) if found else (0, 0, 0)  # type: ignore[return-value]


async def check_builds(
    session: CorpusSession,
    checker: Checker,
    package: str,
    run: tuple[str, str, list[str]] | None,
    test_name: str | None = None,
) -> None:
    """build (its executables), test (counts against libtest's own listing and result lines), bench,
    and run (the program's output and exit code against running the built program directly; with
    nothing to run, cargo's own refusal)."""
    root = str(session.root)
    _, body = await session.cargo_call("cargo_build", {"path": root, "package": package, "all_targets": True})
    truth = await run_cargo(session.root, ["build", "-p", package, "--all-targets", "--message-format=json"])
    checker.check(
        "cargo_build",
        body["ok"] == (truth.exit_code == 0)
        and sorted(body.get("executables", [])) == sorted(truth.executables),
        f"{body.get('executables')} vs {truth.executables}",
    )
    selection = ["-p", package] + ([test_name] if test_name else [])
    _, body = await session.cargo_call(
        "cargo_test", {"path": root, "package": package} | ({"test_name": test_name} if test_name else {})
    )
    compiled = await run_cargo(session.root, ["test", "-p", package, "--no-run", "--message-format=json"])
    if compiled.exit_code != 0:  # the tests do not build on this toolchain: the same errors, not a pass
        errors = _places(compiled.messages, "error")
        checker.check(
            "cargo_test",
            not body["ok"] and _places(body.get("diagnostics", []), "error") == errors and bool(errors),
            f"tests do not build: ours {_places(body.get('diagnostics', []), 'error')} vs cargo's {errors}",
        )
    else:
        listing = await anyio.run_process(
            ["cargo", "test", *selection, "--", "--list"], cwd=session.root, check=False
        )
        listed = sum(1 for line in listing.stdout.decode().splitlines() if line.endswith(": test"))
        own = await anyio.run_process(["cargo", "test", *selection], cwd=session.root, check=False)
        passed, failed, ignored = _test_counts(own.stdout.decode())
        tests = body.get("tests") or {}
        checker.check(
            "cargo_test",
            (tests.get("passed"), tests.get("failed"), tests.get("ignored")) == (passed, failed, ignored)
            and passed + failed + ignored == listed > 0
            and body["ok"] == (own.returncode == 0),
            f"{tests.get('passed')}/{tests.get('failed')}/{tests.get('ignored')} vs cargo's "
            f"{passed}/{failed}/{ignored} of {listed} listed",
        )
    quick = {"CARGO_PROFILE_BENCH_OPT_LEVEL": "0", "CARGO_PROFILE_BENCH_DEBUG": "0"}
    _result, body = await session.cargo_call(
        "cargo_bench", {"path": root, "package": package, "cargo_env": quick}
    )
    own = await anyio.run_process(
        ["cargo", "bench", "-p", package], cwd=session.root, env={**os.environ, **quick}, check=False
    )
    tests = body.get("tests") or {}
    ours_counts = (tests.get("passed", 0), tests.get("failed", 0), tests.get("ignored", 0))
    checker.check(
        "cargo_bench",
        body["exit_code"] == own.returncode and ours_counts == _test_counts(own.stdout.decode()),
        f"bench exit {body['exit_code']} vs {own.returncode}; {tests}",
    )
    if run is None:
        _, body = await session.cargo_call("cargo_run", {"path": root})
        own = await anyio.run_process(["cargo", "run"], cwd=session.root, check=False)
        said = next((line for line in own.stderr.decode().splitlines() if line.startswith("error")), "?")
        checker.check(
            "cargo_run",
            body["exit_code"] == own.returncode != 0
            and said in body["stderr"]
            and body["program_exit_code"] is None,
            f"exit {body['exit_code']} vs {own.returncode}; {said!r} not in {body['stderr'][:200]!r}",
        )
        return
    run_package, example, args = run
    built = await run_cargo(
        session.root, ["build", "-p", run_package, "--example", example, "--message-format=json"]
    )
    [program] = built.executables
    for program_args in (args, []):
        _, body = await session.cargo_call(
            "cargo_run",
            {"path": root, "package": run_package, "example": example, "args": program_args},
        )
        direct = await anyio.run_process([program, *program_args], check=False)
        code = body.get("program_exit_code")
        checker.check(
            "cargo_run",
            code == direct.returncode
            and direct.stdout.decode().strip() in body["stdout"]
            and ("failed" not in body["summary"] if code else body["ok"]),
            f"{example} {program_args}: exit {code} vs {direct.returncode}; {body['summary']!r}",
        )


async def check_dependency_changes(
    session: CorpusSession, checker: Checker, package: str, member: str, fix_member: str
) -> None:
    """add and remove against the manifest (tomllib), cargo metadata and git; clippy --fix's changed
    files against git. The tree is put back afterwards."""
    root = session.root
    try:
        result, body = await session.cargo_call(
            "cargo_add", {"path": str(root / member), "dependencies": ["itoa@1"]}
        )
        manifest = tomllib.loads((root / member / "Cargo.toml").read_text())
        meta = await anyio.run_process(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=root)
        described = next(p for p in json.loads(meta.stdout)["packages"] if p["name"] == package)
        changed = await git_status(root)
        checker.check(
            "cargo_add",
            not result.is_error
            and "itoa" in manifest.get("dependencies", {})
            and any(d["name"] == "itoa" for d in described["dependencies"])
            and sorted(body.get("changed_files", [])) == changed,
            f"changed {body.get('changed_files')} vs git {changed}",
        )
        result, body = await session.cargo_call(
            "cargo_remove", {"path": str(root / member), "dependencies": ["itoa"]}
        )
        committed = await anyio.run_process(["git", "show", f"HEAD:{member}/Cargo.toml"], cwd=root)
        now = tomllib.loads((root / member / "Cargo.toml").read_text())
        checker.check(  # the same manifest as before the add (cargo may leave an empty [dependencies])
            "cargo_remove",
            not result.is_error and now == tomllib.loads(committed.stdout.decode()),
            f"{member}/Cargo.toml means something else after add and remove",
        )
        await _git_restore(root)
        before = await git_status(root)
        result, body = await session.cargo_call(
            "cargo_clippy_fix", {"path": str(root / fix_member), "warn": ["clippy::pedantic"]}
        )
        after = await git_status(root)
        checker.check(
            "cargo_clippy_fix",
            not result.is_error
            and bool(after)
            and sorted(body.get("changed_files", [])) == sorted(set(after) - set(before)),
            f"changed {body.get('changed_files')} vs git {after}",
        )
    finally:
        await _git_restore(root)
