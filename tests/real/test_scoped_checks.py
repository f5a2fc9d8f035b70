"""Scoped checks (`changed=true`): only the members owning files changed since a git revision, plus
their dependents, with real git and real cargo on the workspace fixture and the ripgrep corpus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cargo_mcp.run.helper_runs import capture
from cargo_mcp.run.scope_choice import RECORD_FILE
from cargo_mcp.workflows.git_changes import changed_since
from cargo_mcp.workflows.scoped import select_packages
from rust_mcp.dev import corpus
from tests.support import copy_fixture, server_params, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args], cwd=project, check=True
    )


def committed(project: Path) -> Path:
    git(project, "init", "-q")
    (project / ".gitignore").write_text("target/\n*.log\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "start")
    return project


def scope_of(body: dict[str, Any]) -> dict[str, str]:
    return {package["name"]: package["reason"] for package in body["scope"]["packages"]}


async def test_changed_checks_only_changed_members_and_their_dependents(cargo: Client, scratch: Path) -> None:
    project = committed(copy_fixture("workspace", scratch / "scoped"))
    call = {"path": str(project), "changed": True}
    clean = structured(await cargo.call_tool("cargo_check", call))
    assert clean["ok"] and clean["argv"] == [] and clean["summary"].startswith("nothing to run")

    with (project / "geometry" / "src" / "shapes.rs").open("a") as source:
        source.write("\npub fn added() {}\n")
    (project / "geometry" / "debug.log").write_text("ignored by .gitignore\n")
    checked = structured(await cargo.call_tool("cargo_check", call))
    assert checked["ok"], checked["summary"]
    assert scope_of(checked) == {"geometry": "changed: src/shapes.rs", "app": "depends on geometry"}
    assert checked["scope"]["skipped"] == ["macros"]
    # 2 of 3 members: the whole workspace, for little more and with the workspace's features
    assert "--workspace" in checked["argv"] and "--package" not in checked["argv"]
    assert checked["scope"]["run"] == "workspace" and "2 of 3 members" in checked["scope"]["run_reason"]
    assert "(whole workspace: 2 of 3 packages changed since HEAD)" in checked["summary"]

    tested = structured(await cargo.call_tool("cargo_test", call))  # tests run only in the scope
    assert tested["tests"]["passed"] >= 1 and set(scope_of(tested)) == {"geometry", "app"}
    assert tested["scope"]["run"] == "packages" and "--workspace" not in tested["argv"]
    assert tested["argv"][-5:-1] == ["--package", "geometry", "--package", "app"]
    assert "(scoped to 2 of 3 packages changed since HEAD)" in tested["summary"]

    git(project, "commit", "-qam", "add a function")
    assert structured(await cargo.call_tool("cargo_check", call))["scope"]["packages"] == []
    since = structured(await cargo.call_tool("cargo_clippy", {"path": str(project), "since": "HEAD~1"}))
    assert set(scope_of(since)) == {"geometry", "app"} and since["scope"]["since"] == "HEAD~1"

    (project / "macros" / "NOTES.md").write_text("a new, untracked file\n")
    with (project / "Cargo.toml").open("a") as manifest:
        manifest.write("\n# touched\n")
    everything = structured(await cargo.call_tool("cargo_check", call))
    assert set(scope_of(everything)) == {"geometry", "app", "macros"}
    assert scope_of(everything)["app"] == "workspace file changed: Cargo.toml"


def compiled(log_path: str) -> list[str]:
    """The units a run compiled (cargo's `compiler-artifact` messages with `fresh: false`), from the
    run's full log."""
    names = []
    for line in Path(log_path).read_text().splitlines():
        if line.startswith("{") and '"compiler-artifact"' in line:
            message = json.loads(line)
            if message["reason"] == "compiler-artifact" and not message["fresh"]:
                names.append(str(message["target"]["name"]))
    return names


def edit(source: Path) -> None:
    with source.open("a") as handle:
        handle.write("\n// edited\n")


async def test_changed_keeps_the_workspace_build_features(cargo: Client, scratch: Path) -> None:
    """alpha and beta enable different features of `shared`: `-p alpha` alone would compile shared
    again with alpha's features. After a workspace check, a scoped check runs the whole workspace,
    which compiles only what changed; with nothing warm it runs the scope, and with most members in
    scope the whole workspace. The answer says which it ran and why."""
    project = committed(copy_fixture("feature_split", scratch / "scoped-features"))
    call = {"path": str(project), "changed": True}
    edit(project / "alpha" / "src" / "lib.rs")

    cold = structured(await cargo.call_tool("cargo_clippy", call))  # no workspace-wide clippy yet
    assert cold["ok"], cold["summary"]
    assert cold["scope"]["run"] == "packages" and "no warm workspace-wide run" in cold["scope"]["run_reason"]
    assert "--workspace" not in cold["argv"] and cold["argv"][-3:-1] == ["--package", "alpha"]

    whole = structured(await cargo.call_tool("cargo_check", {"path": str(project)}))
    assert whole["ok"] and set(compiled(whole["log_path"])) == {"alpha", "beta", "gamma", "shared"}
    assert (project / "target" / RECORD_FILE).is_file()

    edit(project / "alpha" / "src" / "lib.rs")
    answer = await cargo.call_tool("cargo_check", call)
    scoped = structured(answer)
    assert scoped["ok"], scoped["summary"]
    assert scoped["scope"]["run"] == "workspace" and "--workspace" in scoped["argv"]
    assert "warm in this build directory" in scoped["scope"]["run_reason"]
    assert "(whole workspace: 1 of 4 packages changed since HEAD)" in scoped["summary"]
    assert "ran: the whole workspace (--workspace), because" in text_of(answer)
    assert compiled(scoped["log_path"]) == ["alpha"]  # no dependency rebuilt with other features
    git(project, "commit", "-qam", "alpha edited")  # warm, nothing changed: nothing runs
    clean = structured(await cargo.call_tool("cargo_check", call))
    assert clean["argv"] == [] and clean["summary"].startswith("nothing to run"), clean["summary"]
    # the warm run starts alongside finding the scope: a refusal of the scope still comes as itself
    refused = await cargo.call_tool("cargo_check", {"path": str(project), "since": "no-such-branch"})
    assert refused.is_error and "is not a commit in" in text_of(refused), text_of(refused)

    # what the workspace run spared: bare cargo with -p compiles shared again, with `left` only
    bare = ["cargo", "check", "-p", "alpha", "--message-format", "json"]
    lines = (await capture(bare, project, dict(os.environ))).stdout.splitlines()
    again = [json.loads(line) for line in lines if '"compiler-artifact"' in line]
    assert any(m["target"]["name"] == "shared" and not m["fresh"] for m in again), lines

    edit(project / "shared" / "src" / "lib.rs")  # shared, alpha, beta: 3 of 4 members
    most = structured(await cargo.call_tool("cargo_clippy", call))
    assert most["ok"] and most["scope"]["run"] == "workspace", most["summary"]
    assert "3 of 4 members are in scope" in most["scope"]["run_reason"]
    assert "--workspace" in most["argv"]


async def test_the_warm_record_outlives_the_server_not_the_build_directory(
    cargo: Client, scratch: Path, tmp_path: Path
) -> None:
    """A restarted server finds the workspace build warm (the record is in the build directory);
    once the build directory is gone (what cargo clean does), the scope runs alone again."""
    project = committed(copy_fixture("feature_split", scratch / "scoped-restart"))
    assert structured(await cargo.call_tool("cargo_check", {"path": str(project)}))["ok"]
    edit(project / "alpha" / "src" / "lib.rs")
    params = server_params("cargo-mcp", "serve", "--root", str(scratch), "--log-dir", str(tmp_path))
    async with Client(params, mode="legacy", read_timeout_seconds=600) as restarted:
        warm = structured(await restarted.call_tool("cargo_check", {"path": str(project), "changed": True}))
        assert warm["scope"]["run"] == "workspace" and compiled(warm["log_path"]) == ["alpha"]
        shutil.rmtree(project / "target")
        cold = structured(await restarted.call_tool("cargo_check", {"path": str(project), "changed": True}))
        assert cold["scope"]["run"] == "packages" and "no warm" in cold["scope"]["run_reason"]
        assert set(compiled(cold["log_path"])) == {"alpha", "shared"}


async def test_changed_refusals(cargo: Client, scratch: Path) -> None:
    project = committed(copy_fixture("workspace", scratch / "scoped-refusals"))
    not_git = copy_fixture("hello_bin", scratch / "scoped-not-git")
    for arguments, reason in (
        ({"path": str(project), "since": "--output=/tmp/x"}, "is not a git revision name"),
        ({"path": str(project), "since": "no-such-branch"}, "is not a commit in"),
        ({"path": str(project), "changed": True, "package": "app"}, "leave out package"),
        ({"path": str(not_git), "changed": True}, "is not inside a git repository"),
    ):
        refused = await cargo.call_tool("cargo_check", arguments)
        assert refused.is_error and reason in text_of(refused), text_of(refused)


async def test_git_configuration_in_the_project_runs_nothing(cargo: Client, scratch: Path) -> None:
    """A project can set core.fsmonitor and clean filters in .git/config: neither may run."""
    project = committed(copy_fixture("workspace", scratch / "scoped-hostile"))
    marker = scratch / "scoped-hostile-ran"
    with (project / ".git" / "config").open("a") as config:
        config.write(f'[core]\n\tfsmonitor = "touch {marker}"\n[filter "x"]\n\tclean = "touch {marker}"\n')
    (project / ".gitattributes").write_text("*.rs filter=x\n")
    with (project / "app" / "src" / "main.rs").open("a") as source:
        source.write("\n// edited\n")
    result = structured(await cargo.call_tool("cargo_check", {"path": str(project), "changed": True}))
    assert set(scope_of(result)) == {"app"}
    assert not marker.exists()


async def test_scope_on_the_ripgrep_workspace(tmp_path: Path) -> None:
    """Real cargo metadata and git on a 9-crate workspace whose members depend on each other
    through [patch.crates-io]: a change in grep-matcher reaches every crate built on it."""
    workspace = corpus.copy(corpus.RIPGREP, tmp_path)
    with (workspace / "grep-matcher" / "src" / "lib.rs").open("a") as source:
        source.write("\n// edited\n")
    describe = ["cargo", "metadata", "--format-version", "1", "--no-deps"]
    metadata = json.loads((await capture(describe, workspace, dict(os.environ))).stdout)
    scope = select_packages(metadata, await changed_since(workspace, "HEAD", dict(os.environ)))
    reasons = {package.name: package.reason for package in scope.packages}
    assert reasons.pop("grep-matcher") == "changed: src/lib.rs"
    assert set(reasons) == {"grep", "grep-printer", "grep-regex", "grep-searcher", "ripgrep"}
    assert scope.skipped == ["globset", "grep-cli", "ignore"]


async def test_a_repository_outside_the_roots_is_not_compared(tmp_path: Path) -> None:
    """A `.git` file pointing at a repository outside the roots (or borrowing its objects) would list
    that repository's files as deleted: refused, naming the repository; nothing of it is shown."""
    from cargo_mcp.run.settings import CargoSettings
    from cargo_mcp.server import build_server
    from rust_mcp.core.roots import AllowedRoots

    secret = tmp_path / "outside" / "secret"
    (secret / "private").mkdir(parents=True)
    (secret / "private" / "canary_name.txt").write_text("secret\n")
    committed(secret)
    root = tmp_path / "root"
    linked, borrowing = root / "linked", committed(copy_fixture("hello_bin", root / "borrowing"))
    shutil.copytree(borrowing, linked, ignore=shutil.ignore_patterns(".git", "target"))
    (linked / ".git").write_text(f"gitdir: {secret / '.git'}\n")
    (borrowing / ".git" / "objects" / "info" / "alternates").write_text(f"{secret / '.git' / 'objects'}\n")
    server = build_server(CargoSettings(AllowedRoots((root,))))
    async with Client(server, mode="legacy") as client:
        for project, since in ((linked, "HEAD"), (borrowing, "HEAD")):
            result = await client.call_tool(
                "cargo_check", {"path": str(project), "changed": True, "since": since}
            )
            text = text_of(result)
            assert result.is_error and "canary_name" not in text + str(result.structured_content), text
            assert str(secret / ".git") in text and "outside the allowed roots" in text, text
