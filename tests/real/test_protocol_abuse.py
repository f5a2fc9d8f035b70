"""Protocol abuse over stdio against both servers: every bad message is answered with an error (a
notification, which JSON-RPC forbids answering, is ignored), nothing runs, and the next valid call
works. Wrong types for every parameter of every tool come from hypothesis, generated from the
tools' own schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rust_mcp.dev.figures import record
from tests.support.raw_stdio import RawServer

pytestmark = pytest.mark.real

JSON_TYPES: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "integer": st.integers(min_value=-(2**40), max_value=2**40),
    "number": st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    "string": st.text(max_size=12).filter(lambda t: not _parses_as_json(t)),
    "array": st.lists(st.integers(), min_size=1, max_size=3),
    "object": st.dictionaries(st.text(min_size=1, max_size=5), st.integers(), min_size=1, max_size=2),
}


def _parses_as_json(text: str) -> bool:
    # the SDK reads a string sent for a non-string field as JSON first (some clients stringify)
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def allowed_types(schema: dict[str, Any]) -> set[str]:
    options = schema.get("anyOf", [schema])
    types: set[str] = set()
    for option in options:
        kind = option.get("type")
        if isinstance(kind, list):
            types.update(kind)
        elif isinstance(kind, str):
            types.add(kind)
        elif "enum" in option:
            types.update({"string"})
    if "number" in types:
        types.add("integer")
    return types


def _servers(root: Path, logs: Path) -> dict[str, tuple[str, ...]]:
    return {
        "cargo": ("cargo-mcp", "serve", "--root", str(root), "--log-dir", str(logs)),
        "rust-analyzer": ("rust-analyzer-mcp", "--root", str(root)),
    }


@pytest.fixture(params=["cargo", "rust-analyzer"])
def fresh(
    request: pytest.FixtureRequest, workspace_root: Path, tmp_path: Path
) -> Iterator[tuple[RawServer, Path, str]]:
    logs = tmp_path / "logs"
    logs.mkdir()
    command, *args = _servers(workspace_root, logs)[request.param]
    server = RawServer(command, *args)
    yield server, logs, request.param
    server.close()


# a tool and its path-like parameter on each server, for the oversized-argument case
PATH_PARAMETER = {"cargo": ("cargo_check", "path"), "rust-analyzer": ("rust_analyzer_symbols", "file_path")}


def test_abuse_is_answered_and_the_server_keeps_serving(
    fresh: tuple[RawServer, Path, str], workspace_root: Path
) -> None:
    server, logs, name = fresh
    tools_call = {"name": "cargo_check", "arguments": {"path": str(workspace_root / "hello_bin")}}
    early = server.request("tools/list")
    assert "error" in early, early
    early_call = server.request("tools/call", tools_call)
    assert "error" in early_call, early_call
    assert "result" in server.initialize()

    server.send_line(b"{not json")
    parse = server.receive(10)
    assert parse is not None and parse["id"] is None and parse["error"]["code"] == -32700
    server.send_line(b'[{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}]')
    batch = server.receive(10)
    assert batch is not None and batch["id"] is None and batch["error"]["code"] == -32600
    server.send_line(b'{"jsonrpc": "2.0", "id": 66, "method": "tools/call", "params": [1, 2]}')
    assert server.wait_for(66)["error"]["code"] == -32600
    server.send_line(b'{"jsonrpc": "2.0", "id": 67, "method": 5}')
    assert server.wait_for(67)["error"]["code"] == -32600
    unknown = server.request("no/such/method")
    assert unknown["error"]["code"] == -32601

    tool, parameter = PATH_PARAMETER[name]
    for depth in (150, 199, 1_000, 100_000):  # a 2 KB line nested 1,000 deep killed both servers
        nested = "[" * depth + "]" * depth
        server.send_line(
            b'{"jsonrpc": "2.0", "id": 70, "method": "tools/call", "params": {"name": "%s", '
            b'"arguments": {"%s": %s}}}' % (tool.encode(), parameter.encode(), nested.encode())
        )
        deep = server.wait_for(70)
        assert deep.get("error") or deep["result"]["isError"] is True, deep
        server.send_line(nested.encode())
        bare = server.receive(10)
        assert bare is not None and "error" in bare and server.alive, bare
    huge = server.request("tools/call", {"name": tool, "arguments": {parameter: "x" * 10_000_000}})
    assert huge.get("error") or huge["result"]["isError"] is True

    # a tools/call without an id is a notification: never answered, and nothing runs
    server.send({"jsonrpc": "2.0", "method": "tools/call", "params": tools_call})
    assert server.receive(2.0) is None
    assert list(logs.iterdir()) == []

    tools = server.request("tools/list")
    assert len(tools["result"]["tools"]) >= 15 and server.alive


@pytest.fixture(scope="module")
def ready(workspace_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    logs = tmp_path_factory.mktemp("abuse-logs")
    servers: dict[str, Any] = {}
    for name, (command, *args) in _servers(workspace_root, logs).items():
        server = RawServer(command, *args)
        server.initialize()
        servers[name] = (server, server.request("tools/list")["result"]["tools"])
    yield servers
    record("wrong-type tool calls rejected", REJECTED[0])
    record("server crashes", sum(not server.alive for server, _ in servers.values()), add=True)
    for server, _ in servers.values():
        server.close()


REJECTED = [0]  # wrong-type calls answered with an error naming the parameter, over the whole run


@st.composite
def wrong_call(draw: st.DrawFn, ready: dict[str, Any]) -> tuple[str, str, str, Any]:
    name = draw(st.sampled_from(sorted(ready)))
    tools = ready[name][1]
    tool = draw(st.sampled_from(tools))
    properties = tool["inputSchema"]["properties"]
    if not properties:
        return name, tool["name"], "unexpected", draw(JSON_TYPES["string"])
    parameter = draw(st.sampled_from(sorted(properties)))
    allowed = allowed_types(properties[parameter])
    if parameter not in tool["inputSchema"].get("required", []):
        allowed.add("null")  # null for an optional parameter means "not given" (the listed schema omits it)
    wrong = [kind for kind in JSON_TYPES if kind not in allowed]
    value = draw(st.one_of(*(JSON_TYPES[kind] for kind in wrong)))
    return name, tool["name"], parameter, value


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_wrong_types_for_every_parameter_are_rejected(ready: dict[str, Any], data: st.DataObject) -> None:
    server_name, tool, parameter, value = data.draw(wrong_call(ready))
    server, _ = ready[server_name]
    response = server.request("tools/call", {"name": tool, "arguments": {parameter: value}})
    result = response.get("result")
    assert result is not None and result["isError"] is True, (tool, parameter, value, response)
    assert parameter in result["content"][0]["text"], (tool, parameter, value, result)
    assert server.alive
    REJECTED[0] += 1
