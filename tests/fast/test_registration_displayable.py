"""Answers stay valid UTF-8 whatever names a repository holds (rust_mcp/mcp/registration.py): a
name's undecodable bytes, kept by Python as lone surrogates, are shown as `\\xNN`."""

from __future__ import annotations

import os

from pydantic import BaseModel

from rust_mcp.mcp.connections import displayable, model_result, text_result


class _Named(BaseModel):
    names: list[str]
    by_name: dict[str, int]


def test_undecodable_names_are_shown_escaped() -> None:
    name = os.fsdecode(b"src/\xff.rs")
    assert displayable(name) == "src/\\xff.rs"
    assert displayable("plain é") == "plain é"
    assert displayable("\ud800") == "?"
    assert text_result(name).content[0].text == "src/\\xff.rs"  # type: ignore[union-attr]
    result = model_result(_Named(names=[name], by_name={name: 1}), name)
    assert result.structured_content is not None
    assert result.structured_content["names"] == ["src/\\xff.rs"]
    result.model_dump_json()  # serializable: keys too
