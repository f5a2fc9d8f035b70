"""The corpus checks against cargo's own output, git and the source text: the cargo-mcp tools, the
diagnostics of both servers with an injected error, and the unsafe audit's counts."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import anyio

from rust_mcp.core.paging import next_page_offset
from tests.support import text_of
from tests.support.corpus_support import MAX_PAGES, Checker, CorpusSession, run_cargo

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
