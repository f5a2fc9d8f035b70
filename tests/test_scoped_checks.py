"""Scoped checks (`changed=true`): only the members owning files changed since a git revision, plus
their dependents, with real git and real cargo on the workspace fixture and the ripgrep corpus."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from bench import corpus
from cargo_mcp.capture import capture
from cargo_mcp.git_changes import changed_since
from cargo_mcp.scoped import select_packages
from tests.support import copy_fixture, structured, text_of

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
    assert checked["argv"][-5:-1] == ["--package", "geometry", "--package", "app"]
    assert "(scoped to 2 of 3 packages changed since HEAD)" in checked["summary"]

    tested = structured(await cargo.call_tool("cargo_test", call))
    assert tested["tests"]["passed"] >= 1 and set(scope_of(tested)) == {"geometry", "app"}

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
