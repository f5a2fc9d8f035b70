"""Field test on axum: `Json::from_request` names two methods of one type in one file (`FromRequest`
and `OptionalFromRequest` both have `from_request`), whose paths are the same. The refusal told the
model to qualify the symbol or add file_path, neither of which can tell them apart; only file_path
with a line can. The refusal names that fix with the lines, and following it works."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

LIB = """pub struct Json;

pub trait FromRequest {
    fn from_request(&self) -> u8;
}

pub trait OptionalFromRequest {
    fn from_request(&self) -> Option<u8>;
}

impl FromRequest for Json {
    fn from_request(&self) -> u8 {
        1
    }
}

impl OptionalFromRequest for Json {
    fn from_request(&self) -> Option<u8> {
        None
    }
}
"""


async def test_a_refusal_for_methods_of_one_path_names_the_lines(ra: Client, scratch: Path) -> None:
    crate = scratch / "same_named_methods"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "same_named_methods"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (crate / "src" / "lib.rs").write_text(LIB)
    args = {"symbol": "Json::from_request", "workspace": str(crate)}
    refused = await ra.call_tool("rust_analyzer_hover", args)
    text = text_of(refused)
    assert refused.is_error and "is ambiguous (2 matches)" in text, text
    assert "Qualify it" not in text, text  # qualifying cannot tell these apart
    assert "file_path=src/lib.rs with line=12 or line=18" in text, text
    followed = await ra.call_tool(
        "rust_analyzer_hover", {**args, "file_path": str(crate / "src/lib.rs"), "line": 18}
    )
    assert not followed.is_error and "Option<u8>" in text_of(followed), text_of(followed)
