"""The corpus checks against cargo's own output, git and the source text: the cargo-mcp tools, the
diagnostics of both servers with an injected error, and the unsafe audit's counts."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import anyio

from rust_mcp.core.paging import next_page_offset
from tests.support import text_of
from tests.support.corpus_support import MAX_PAGES, Checker, CorpusSession, run_cargo
from tests.support.corpus_truth import git_restore, git_status

TEST_RESULT = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured")
FMT_DIFF = re.compile(r"^Diff in (.+?)(?::\d+:| at line \d+:)\s*$", re.MULTILINE)


def _places(messages: list[dict[str, Any]], level: str) -> set[tuple[str | None, int | None, str | None]]:
    """(file, line, code) of the messages at `level`: cargo's own or the tool's (same field names)."""
    return {(m["file"], m["line"], m["code"]) for m in messages if m["level"].startswith(level)}


async def check_project_tools(
    session: CorpusSession, checker: Checker, package: str, directory: str, fmt: dict[str, Any]
) -> None:
    """metadata, tree (and duplicates), fmt --check, set_working_directory, clean and update dry runs."""
    root = str(session.root)
    member = package
    meta = await anyio.run_process(["cargo", "metadata", "--format-version", "1"], cwd=session.root)
    raw = json.loads(meta.stdout)
    members = set(raw["workspace_members"])
    truth_members = sorted((p["name"], p["version"]) for p in raw["packages"] if p["id"] in members)
    pages, data = await cargo_pages(session, "cargo_metadata", {"path": root, "no_deps": False}, "members")
    ours_members = sorted((m["name"], m["version"]) for m in data.get("members", []))
    others = len(raw["packages"]) - len(members)
    checker.check(
        "cargo_metadata",
        ours_members == truth_members
        and data.get("member_count") == len(truth_members)
        and data.get("other_package_count", 0) == others,
        f"members (after {pages} page(s)) {ours_members[:5]} vs cargo's {truth_members[:5]} "
        f"({len(ours_members)} vs {len(truth_members)}); others {data.get('other_package_count')} "
        f"vs {others}",
    )
    described = next(p for p in raw["packages"] if p["id"] in members and p["name"] == member)
    truth_dependencies = sorted(
        (d["name"], d["req"], d["kind"] or "normal") for d in described["dependencies"]
    )
    pages, data = await cargo_pages(
        session, "cargo_metadata", {"path": root, "no_deps": False, "package": member}, "dependencies"
    )
    ours_dependencies = sorted(
        (d["name"], d["req"], d.get("kind") or "normal")
        for d in (data.get("member") or {}).get("dependencies", [])
    )
    checker.check(
        "cargo_metadata",
        ours_dependencies == truth_dependencies
        and (data.get("member") or {}).get("dependency_count") == len(truth_dependencies),
        f"package={member}: dependencies {ours_dependencies[:4]} vs cargo's {truth_dependencies[:4]}",
    )
    pages, data = await cargo_pages(
        session, "cargo_tree", {"path": root, "package": member, "depth": 1}, "lines"
    )
    tree = await anyio.run_process(["cargo", "tree", "-p", member, "--depth", "1"], cwd=session.root)
    checker.check(
        "cargo_tree",
        data.get("lines") == tree.stdout.decode().splitlines(),
        f"tree of {member} differs ({pages} page(s))",
    )
    pages, data = await cargo_pages(
        session, "cargo_tree", {"path": root, "duplicates": True, "depth": None}, "lines"
    )
    dups = await anyio.run_process(["cargo", "tree", "-d"], cwd=session.root)
    expected = dups.stdout.decode().splitlines()
    checker.check(
        "cargo_tree",
        data.get("lines") == expected and data.get("total_lines", 0) == len(expected),
        f"duplicates ({pages} page(s)): {(data.get('lines') or [])[:3]} vs {expected[:3]}",
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
        bool(body) and body["exit_code"] == truth.returncode and all(line in body["stderr"] for line in said),
        f"{said[:3]} vs {body.get('stderr', text_of(result))[:300]!r}",
    )


def _listing(data: dict[str, Any], key: str) -> dict[str, Any]:
    """Where a cargo-mcp page keeps its list: `data`, or `data["member"]` (cargo_metadata's package=)."""
    member = data.get("member")
    return member if key not in data and isinstance(member, dict) else data


async def cargo_pages(
    session: CorpusSession, tool: str, arguments: dict[str, Any], key: str
) -> tuple[int, dict[str, Any]]:
    """A paged cargo-mcp answer read to its end: the `data` of its first page, with the list under
    `key` put together from every page its notes point to."""
    _, body = await session.cargo_call(tool, arguments)
    data: dict[str, Any] = dict(body.get("data") or {})
    listing = _listing(data, key)
    pages = 1
    while (following := next_page_offset(str((body.get("data") or {}).get("page")))) is not None:
        assert pages < MAX_PAGES, f"{tool} pages on past {MAX_PAGES} pages"
        _, body = await session.cargo_call(tool, {**arguments, "offset": following})
        listing[key] = list(listing.get(key) or []) + list(
            _listing(body.get("data") or {}, key).get(key) or []
        )
        pages += 1
    return pages, data


async def check_lint_run(
    session: CorpusSession,
    checker: Checker,
    warn: list[str],
    noise: str,
    package: str,
    at_least: int = 200,
) -> None:
    """clippy with `warn` on `package` (and the members it depends on) against cargo clippy's JSON:
    the counts, the errors first, and every listed finding one cargo reported."""
    flags = {"RUSTFLAGS": noise} if noise else {}
    _, body = await session.cargo_call(
        "cargo_clippy", {"path": str(session.root), "package": package, "warn": warn, "cargo_env": flags}
    )
    truth = await run_cargo(
        session.root,
        ["clippy", "-p", package, "--message-format=json", "--", *[w for lint in warn for w in ("-W", lint)]],
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
        await git_restore(root)
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
        await git_restore(root)
