"""What the cargo tools report is true, on real cargo through a real MCP client: the one error and the
requested package's warning survive hundreds of other warnings, clippy's lint levels apply as cargo
users write them, builds return their executables, fixes list the files they changed, and nothing
that did not happen (tests run, files formatted, a tree printed, a user's answer) is claimed."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp_types import ElicitRequestParams, ElicitResult

from rust_mcp.core.build_dirs import CACHEDIR_SIGNATURE
from tests.support import copy_fixture, server_params, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

NOISE = 250


def _loud_workspace(root: Path) -> Path:
    """`loud` has NOISE distinct warnings; `asked` depends on it and has one warning and one error."""
    (root / "loud" / "src").mkdir(parents=True)
    (root / "asked" / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["loud", "asked"]\nresolver = "2"\n')
    (root / "loud" / "Cargo.toml").write_text(
        '[package]\nname = "loud"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (root / "loud" / "src" / "lib.rs").write_text(
        "".join(f"pub fn noisy_{n}() {{ let unused_{n} = {n}; }}\n" for n in range(NOISE))
    )
    (root / "asked" / "Cargo.toml").write_text(
        '[package]\nname = "asked"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nloud = { path = "../loud" }\n'
    )
    (root / "asked" / "src" / "lib.rs").write_text(
        'pub fn uses() { loud::noisy_0(); let forgotten = 1; }\npub fn broken() -> u32 { "not a number" }\n'
    )
    return root


async def test_the_error_and_the_requested_packages_warning_survive_hundreds_of_warnings(
    cargo: Client, scratch: Path
) -> None:
    project = _loud_workspace(scratch / "loud-workspace")
    result = await cargo.call_tool("cargo_check", {"path": str(project), "package": "asked"})
    body = structured(result)
    text = text_of(result)
    assert result.is_error and body["counts"]["errors"] == 1 and body["counts"]["warnings"] == NOISE + 1
    first, second = body["diagnostics"][:2]
    assert first["level"] == "error" and first["code"] == "E0308" and first["file"] == "asked/src/lib.rs"
    assert (
        second["level"] == "warning"
        and second["file"] == "asked/src/lib.rs"
        and "forgotten" in second["message"]
    )
    assert body["counts"]["shown"] == len(body["diagnostics"]) < body["counts"]["total"]
    assert "asked/src/lib.rs:2" in text and "forgotten" in text
    shown, total = body["counts"]["shown"], body["counts"]["total"]
    assert (
        f"diagnostics 1-{shown} of {total} listed; {total - shown} more: call again with offset={shown}"
        in text
    )
    assert body["counts"]["next_offset"] == shown and f"full log: {body['log_path']}" in text
    assert Path(body["log_path"]).read_text().count('"reason":"compiler-message"') >= NOISE + 2
    # the next pages (cargo replays the diagnostics from its cache) cover the rest exactly once, in order
    seen = [(d["file"], d["line"], d["message"]) for d in body["diagnostics"]]
    offset = shown
    while offset is not None:
        page = await cargo.call_tool(
            "cargo_check", {"path": str(project), "package": "asked", "offset": offset}
        )
        counts = structured(page)["counts"]
        assert counts["offset"] == offset and counts["total"] == total and counts["shown"] > 0
        seen += [(d["file"], d["line"], d["message"]) for d in structured(page)["diagnostics"]]
        assert (f"call again with offset={counts['next_offset']}" in text_of(page)) is (
            counts.get("next_offset") is not None
        )
        offset = counts.get("next_offset")
    assert len(seen) == len(set(seen)) == total


async def test_clippy_applies_allow_before_warn(cargo: Client, scratch: Path) -> None:
    project = scratch / "needless"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text('[package]\nname = "needless"\nversion = "0.1.0"\nedition = "2021"\n')
    (project / "src" / "lib.rs").write_text("pub fn same(x: u8) -> u8 {\n    return x;\n}\n")
    result = await cargo.call_tool(
        "cargo_clippy",
        {"path": str(project), "allow": ["clippy::all"], "warn": ["clippy::needless_return"]},
    )
    body = structured(result)
    assert [d["code"] for d in body["diagnostics"]] == ["clippy::needless_return"], text_of(result)
    assert body["argv"][-4:] == ["-A", "clippy::all", "-W", "clippy::needless_return"]
    fixed = await cargo.call_tool("cargo_clippy_fix", {"path": str(project), "allow_no_vcs": True})
    assert not fixed.is_error, text_of(fixed)
    assert structured(fixed)["changed_files"] == ["src/lib.rs"] and "files changed: src/lib.rs" in text_of(
        fixed
    )
    assert "return x" not in (project / "src" / "lib.rs").read_text()


async def test_build_returns_its_executables_and_run_reports_the_programs_exit_code(
    cargo: Client, scratch: Path
) -> None:
    project = copy_fixture("hello_bin", scratch / "reports-hello")
    built = structured(await cargo.call_tool("cargo_build", {"path": str(project)}))
    [executable] = built["executables"]
    assert executable == str(project / "target" / "debug" / "hello_bin") and Path(executable).is_file()
    ran = await cargo.call_tool("cargo_run", {"path": str(project), "cargo_env": {"HELLO_EXIT_CODE": "1"}})
    body = structured(ran)
    assert ran.is_error and body["exit_code"] == 1 and body["program_exit_code"] == 1
    assert "the program" in body["summary"] and "exited with code 1" in body["summary"]
    assert "cargo run failed" not in body["summary"]
    broken = copy_fixture("lib_errors", scratch / "reports-broken")
    failed = structured(await cargo.call_tool("cargo_build", {"path": str(broken)}))
    assert failed["program_exit_code"] is None and failed["executables"] == []


async def test_a_test_filter_that_matches_nothing_is_not_success(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "reports-filter")
    result = await cargo.call_tool("cargo_test", {"path": str(project), "test_name": "no_such_test"})
    body = structured(result)
    assert result.is_error and body["exit_code"] == 0 and body["ok"] is False
    assert "ran no test" in body["summary"] and body["tests"]["filtered_out"] == 1
    matched = await cargo.call_tool("cargo_test", {"path": str(project), "test_name": "greets"})
    assert not matched.is_error and structured(matched)["tests"]["passed"] == 1


async def test_a_test_name_that_only_a_doc_test_has_is_not_success(cargo: Client, scratch: Path) -> None:
    """A library whose tests are all doc tests: with a test name cargo runs its unit tests only (none
    to filter out, no doc test), exits 0, and was reported as success (clap_lex in the field test)."""
    project = scratch / "doc_only"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text('[package]\nname = "doc_only"\nversion = "0.1.0"\nedition = "2021"\n')
    (project / "src" / "lib.rs").write_text(
        "/// ```\n/// assert_eq!(doc_only::two(), 2);\n/// ```\npub fn two() -> u32 {\n    2\n}\n"
    )
    named = await cargo.call_tool("cargo_test", {"path": str(project), "test_name": "two"})
    body = structured(named)
    assert named.is_error and body["exit_code"] == 0 and body["ok"] is False, text_of(named)
    assert "ran no test" in body["summary"] and body["tests"].get("filtered_out", 0) == 0
    assert any("doc_only=true" in hint for hint in body["hints"]), body["hints"]
    doc = await cargo.call_tool("cargo_test", {"path": str(project), "test_name": "two", "doc_only": True})
    assert not doc.is_error and structured(doc)["tests"]["passed"] == 1, text_of(doc)


async def test_tree_and_fmt_say_what_happened(cargo: Client, scratch: Path, workspace_root: Path) -> None:
    none = await cargo.call_tool(
        "cargo_tree", {"path": str(workspace_root / "hello_bin"), "duplicates": True}
    )
    assert not none.is_error and "nothing to print" in text_of(none), text_of(none)
    assert "nothing to print" in structured(none)["data"]["note"]
    project = scratch / "dups"
    (project / "src").mkdir(parents=True)
    (project / "src" / "lib.rs").write_text("")
    (project / "Cargo.toml").write_text(
        '[package]\nname = "dups"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        'bitflags = "2"\nbitflags_one = { package = "bitflags", version = "1" }\n'
    )
    dups = await cargo.call_tool("cargo_tree", {"path": str(project), "duplicates": True})
    lines = structured(dups)["data"]["lines"]
    assert [line.split(" ")[0] for line in lines if line.startswith("bitflags")] == ["bitflags", "bitflags"]
    # at a virtual workspace root, with no package chosen, every member is checked (`--all`)
    virtual = await cargo.call_tool("cargo_fmt_check", {"path": str(workspace_root / "workspace")})
    body = structured(virtual)
    assert "did not check" not in body["summary"] and "need formatting" in body["summary"], body["summary"]
    assert "--all" in body["argv"]


class Dismissing:
    """A user who closes the confirmation without answering."""

    def __init__(self) -> None:
        self.asked = 0

    async def __call__(self, context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        self.asked += 1
        return ElicitResult(action="cancel")


async def test_a_cancelled_confirmation_is_not_reported_as_declined(
    scratch: Path, workspace_root: Path
) -> None:
    project = copy_fixture("hello_bin", scratch / "confirm-cancel")
    (project / "target").mkdir()
    # cargo's own tag: cargo_clean deletes only a directory cargo made, and refuses before asking else
    (project / "target" / "CACHEDIR.TAG").write_bytes(CACHEDIR_SIGNATURE + b"\n")
    user = Dismissing()
    params = server_params("cargo-mcp", "serve", "--root", str(workspace_root))
    async with Client(params, mode="legacy", elicitation_callback=user) as client:
        result = await client.call_tool("cargo_clean", {"path": str(project)})
    text = text_of(result)
    assert user.asked == 1 and result.is_error and (project / "target").exists()
    assert "cancelled" in text and "declined" not in text, text
