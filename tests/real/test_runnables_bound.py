"""The runnables of a file with hundreds of tests beside a macro whose expansion holds thousands of
consts, its call on one line (a red team saw such a call give no answer within 5 minutes on a loaded
machine). The call must answer, with every test reachable through the pages and each one's command,
or with a refusal that says what happened and what to do; never silence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from ra_mcp.models import RunnableList
from rust_mcp.core.paging import next_page_offset
from tests.support import text_of

TESTS = 400
CONSTS = 3000
# far above the bounds the server sets itself (readiness 45 s, a request 30 s): reaching it means the
# call gave no answer at all, which is the defect; it is no timing assertion
NO_ANSWER_SECONDS = 240.0


def _crate(root: Path) -> Path:
    crate = root / "many_runnables"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "many_runnables"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    many = "\n".join(f"    pub const C{i}: u32 = {i};" for i in range(CONSTS))
    names = " ".join(f"D{i}" for i in range(CONSTS))
    tests = "".join(
        f"#[test]\nfn check_{i:04}() {{\n    assert_eq!(Holder::C0 + D0 + {i}, {i} + 1);\n}}\n"
        for i in range(TESTS)
    )
    (crate / "src" / "lib.rs").write_text(
        f"macro_rules! many {{ () => {{\n{many}\n}}; }}\npub struct Holder;\nimpl Holder {{ many!(); }}\n"
        "macro_rules! each { ($($n:ident)*) => { $(pub const $n: u32 = 1;)* }; }\n"
        f"each!({names});\n{tests}"
    )
    return crate


async def _answered(ra: Client, arguments: dict[str, Any]) -> Any:
    with anyio.move_on_after(NO_ANSWER_SECONDS):
        return await ra.call_tool("rust_analyzer_runnables", arguments)
    pytest.fail(f"rust_analyzer_runnables gave no answer to {arguments} in {NO_ANSWER_SECONDS:.0f} s")


@pytest.mark.real
@pytest.mark.anyio
async def test_the_runnables_of_a_huge_file_answer_whole(ra: Client, scratch: Path) -> None:
    lib = _crate(scratch / "runnables_bound") / "src" / "lib.rs"
    labels: list[str] = []
    offset: int | None = 0
    while offset is not None and len(labels) < 2 * TESTS:
        result = await _answered(ra, {"file_path": str(lib), "offset": offset})
        if result.is_error:  # a refusal must say what happened and what to do
            said = text_of(result)
            assert "try again" in said.lower() or "indexing" in said.lower(), said
            return
        page = RunnableList.model_validate(result.structured_content)
        assert page.total >= TESTS
        labels += [entry.label for entry in page.runnables]
        for entry in page.runnables:
            if entry.label.startswith("test check_"):
                assert entry.command.startswith("cargo test") and entry.label[5:] in entry.command
        offset = next_page_offset(page.note)
    assert {label for label in labels if label.startswith("test check_")} == {
        f"test check_{i:04}" for i in range(TESTS)
    }
    # at a test's line: that test (and the module around it), not the whole file
    line = lib.read_text().split("\n").index("fn check_0200() {") + 1
    at = await _answered(ra, {"file_path": str(lib), "line": line})
    assert not at.is_error, text_of(at)
    near = RunnableList.model_validate(at.structured_content)
    assert "test check_0200" in [entry.label for entry in near.runnables] and near.total < TESTS
