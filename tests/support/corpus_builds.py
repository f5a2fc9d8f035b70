"""The corpus checks of cargo's builds and tests (build, test with a name, doc tests) and of
dependency changes (add, remove, fix) against bare cargo and git."""

from __future__ import annotations

import json
import os
import re
import tomllib

import anyio

from tests.support.corpus_cargo import _places
from tests.support.corpus_support import Checker, CorpusSession, run_cargo
from tests.support.corpus_truth import git_restore, git_status

TEST_RESULT = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured")


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
