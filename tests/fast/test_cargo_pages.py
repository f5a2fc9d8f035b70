"""Fast tier: cargo_metadata's and cargo_tree's pages (cargo_mcp/results/dependency_views.py) on cargo's
JSON for a 102-member workspace with 1,150 other packages, as the answer a model gets (shaped,
rendered): within budget, every member and line once over the pages, and the check the corpus runs on
every answer (tests/support/answer_budget.py) catching an answer over budget or cut without a note."""

from __future__ import annotations

import json
from typing import Any

from mcp_types import CallToolResult, TextContent

from cargo_mcp.results import render
from cargo_mcp.results.dependency_views import metadata_page, tree_page
from cargo_mcp.results.models import CargoResult
from rust_mcp.core import budgets
from rust_mcp.core.paging import next_page_offset
from tests.support.answer_budget import budget_problems

ROOT = "/work/big"


def _metadata(members: int, others: int) -> str:
    packages = []
    for i in range(members):
        packages.append(
            {
                "id": f"path+file://{ROOT}/crates/m{i}#0.1.{i}",
                "name": f"codex-member-{i:03}",
                "version": f"0.1.{i}",
                "manifest_path": f"{ROOT}/crates/m{i}/Cargo.toml",
                "edition": "2024",
                "targets": [
                    {
                        "name": f"codex_member_{i}",
                        "kind": ["lib"],
                        "src_path": f"{ROOT}/crates/m{i}/src/lib.rs",
                    },
                    {"name": f"codex-{i}", "kind": ["bin"], "src_path": f"{ROOT}/crates/m{i}/src/main.rs"},
                    *(
                        {"name": f"t{k}", "kind": ["test"], "src_path": f"{ROOT}/crates/m{i}/tests/t{k}.rs"}
                        for k in range(30)
                    ),
                ],
                "features": {f"feature_{k}": [] for k in range(8)},
                "dependencies": [
                    {"name": f"dep_{k}", "req": "^1.0", "kind": None, "optional": False} for k in range(120)
                ],
            }
        )
    packages += [{"id": f"registry#{k}", "name": f"dep_{k}", "version": "1.0.0"} for k in range(others)]
    return json.dumps(
        {
            "packages": packages,
            "workspace_members": [p["id"] for p in packages[:members]],
            "workspace_root": ROOT,
            "target_directory": f"{ROOT}/target",
        }
    )


def _answer(tool: str, data: dict[str, Any] | None) -> CallToolResult:
    """The answer a model gets for this data: shaped and rendered as cargo-mcp does."""
    result = CargoResult(
        tool=tool,
        ok=True,
        exit_code=0,
        summary=f"cargo {tool.removeprefix('cargo_')} succeeded in 0.52 s",
        argv=["cargo", tool.removeprefix("cargo_"), "--manifest-path", f"{ROOT}/Cargo.toml"],
        cwd=ROOT,
        manifest=f"{ROOT}/Cargo.toml",
        toolchain="stable",
        duration_ms=520,
        data=data,
        log_path="/tmp/logs/cargo-1.log",
    )
    shaped = render.shape_for_model(result, ranked=0)
    return CallToolResult(
        content=[TextContent(type="text", text=render.result_text(shaped))],
        structured_content=shaped.model_dump(mode="json", exclude_defaults=True),
    )


def test_metadata_of_102_members_pages_within_budget() -> None:
    raw = _metadata(102, 1_150)
    assert len(raw) > 500_000
    names: list[str] = []
    offset: int | None = 0
    pages = 0
    while offset is not None and pages < 50:
        data = metadata_page(raw, offset, None)
        assert data is not None and data["member_count"] == 102 and data["other_package_count"] == 1_150
        answer = _answer("cargo_metadata", data)
        assert budget_problems(answer) == []
        names += [row["name"] for row in data["members"]]
        offset = next_page_offset(data.get("page"))
        assert offset is None or f"call again with offset={offset}" in answer.content[0].text  # type: ignore[union-attr]
        pages += 1
    assert names == [f"codex-member-{i:03}" for i in range(102)] and pages > 1
    row = metadata_page(raw, 0, None)["members"][0]  # type: ignore[index]
    assert row == {
        "name": "codex-member-000",
        "version": "0.1.0",
        "path": "crates/m0",
        "edition": "2024",
        "targets": "lib, bin codex-0, 30 tests",
        "dependencies": 120,
        "features": 8,
    }
    detail = metadata_page(raw, 0, "codex-member-007")
    assert detail is not None and budget_problems(_answer("cargo_metadata", detail)) == []
    member = detail["member"]
    assert member["dependency_count"] == 120 and member["feature_count"] == 8
    rest = next_page_offset(detail["page"])
    listed = len(member["targets"]) + len(member["dependencies"])  # one offset pages through both
    assert rest is not None and listed == rest < 32 + 120
    unknown = metadata_page(raw, 0, "nope")
    assert unknown is not None and unknown["refused"].startswith("package 'nope' is not a member")
    assert "and 72 more" in unknown["refused"]  # 30 names listed of 102


def test_tree_lines_page_within_budget() -> None:
    lines = [f"{'│   ' * (i % 5)}├── package_{i} v1.0.{i}" for i in range(3_000)]
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None and len(seen) <= len(lines):
        data = tree_page(lines, offset, kept_all=True)
        assert data["total_lines"] == 3_000 and budget_problems(_answer("cargo_tree", data)) == []
        seen += data["lines"]
        offset = next_page_offset(data.get("page"))
    assert seen == lines
    assert "page" not in tree_page(lines[:10], 0, kept_all=True)  # all of it: nothing to say


def test_the_budget_check_catches_what_it_should() -> None:
    big = CallToolResult(content=[TextContent(type="text", text="x" * (budgets.ANSWER_TEXT_BUDGET + 1))])
    assert budget_problems(big) == [f"text of {budgets.ANSWER_TEXT_BUDGET + 1} characters (budget 8192)"]
    silent = CallToolResult(
        content=[TextContent(type="text", text="called by (50):")],
        structured_content={"query": "calls", "incoming": [{}] * 50, "incoming_total": 200},
    )
    assert budget_problems(silent) == ["50 of 200 incoming listed, and no note says so"]
    said = {**silent.structured_content, "note": "1-50 of 200; call again with offset=50"}
    assert budget_problems(silent.model_copy(update={"structured_content": said})) == []
    outline = {"path": "a.rs", "symbols": [{"name": "impl A", "children": [{"name": "f"}]}], "total": 423}
    assert budget_problems(CallToolResult(content=[], structured_content=outline)) == [
        "2 of 423 symbols listed, and no note says so"
    ]


def test_many_formatting_places_fit_and_are_counted() -> None:
    """cargo_fmt_check on ripgrep answered 27.6k of JSON: 50 places with diffs up to 1.5k each."""
    diff = "\n".join(f"-    let x{k} = 1;\n+    let x{k}=1;" for k in range(60))[: budgets.FORMAT_HUNK_LIMIT]
    result = _answer("cargo_fmt_check", None).structured_content
    shaped = render.shape_for_model(
        CargoResult.model_validate(
            {
                **(result or {}),
                "ok": False,
                "exit_code": 1,
                "format_issues": [{"file": f"src/f{i}.rs", "line": i + 1, "diff": diff} for i in range(50)],
                "format_places": 212,
                "full_diff": "/tmp/logs/cargo-1.log",
            }
        ),
        ranked=0,
    )
    answer = CallToolResult(
        content=[TextContent(type="text", text=render.result_text(shaped))],
        structured_content=shaped.model_dump(mode="json", exclude_defaults=True),
    )
    assert budget_problems(answer) == []
    listed = len(shaped.format_issues or [])
    assert shaped.format_places == 212 and 5 <= listed < 50
    assert f"{50 - listed} more places that need formatting are not listed here" in " ".join(shaped.hints)
