"""A cargo_check asked again with nothing changed is answered by the check that answered it, without
resolving its project again (shared_checks.Repeats), with the very answer the usual route gives; a
workspace made above its package, or an edit, sends it the usual way, and cargo runs. Real cargo on a
copy of the lib_errors fixture."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp_types import CallToolResult

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core import file_stamps
from rust_mcp.core.roots import AllowedRoots
from tests.support import FIXTURES, require_bubblewrap, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
AGO = re.compile(r"finished \d+ s ago")


def same_answer(answer: CallToolResult) -> tuple[str, str]:
    """The text and structured content, the seconds since the reused check finished left out."""
    body = structured(answer)
    return AGO.sub("finished N s ago", text_of(answer)), AGO.sub("finished N s ago", repr(body))


async def test_a_repeat_answers_as_the_usual_route_until_a_workspace_is_made_above_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "lib_errors"
    shutil.copytree(FIXTURES / "lib_errors", crate, ignore=shutil.ignore_patterns("target"))
    call = {"path": str(crate)}
    started = shared_checks.RUNS.started
    settings = CargoSettings(AllowedRoots((root,)), log_dir=tmp_path / "logs")
    async with Client(build_server(settings), mode="legacy") as client:
        first = await client.call_tool("cargo_check", call)
        assert structured(first)["exit_code"] == 101
        # a change closer than RACY_NS to a stamp is not trusted: let the files cargo made settle
        await anyio.sleep(3 * max(file_stamps.RACY_NS, file_stamps.COARSE_RACY_NS) / 1e9)
        await client.call_tool("cargo_check", call)  # remembered for its repeats, settled
        lanes: list[object] = []
        real_answer = shared_checks.Repeats.answer

        async def counted(self: shared_checks.Repeats, *args: object) -> object:
            lanes.append(answer := await real_answer(self, *args))  # type: ignore[arg-type]
            return answer

        monkeypatch.setattr(shared_checks.Repeats, "answer", counted)
        repeated = await client.call_tool("cargo_check", call)
        assert lanes and lanes[0] is not None  # answered by the repeat lane
        lanes.clear()

        async def usual_route(self: shared_checks.Repeats, *args: object) -> None:
            lanes.append(await real_answer(self, *args))  # type: ignore[arg-type]
            return None

        monkeypatch.setattr(shared_checks.Repeats, "answer", usual_route)
        usual = await client.call_tool("cargo_check", call)
        assert lanes and lanes[0] is not None  # the repeat lane had an answer, and the usual route ran
        monkeypatch.undo()
        assert shared_checks.RUNS.started - started == 1  # cargo ran once
        assert structured(repeated)["hints"][0].startswith("reused the cargo check finished")
        assert same_answer(repeated) == same_answer(usual)

        (root / "Cargo.toml").write_text('[workspace]\nmembers = ["lib_errors"]\nresolver = "2"\n')
        in_workspace = await client.call_tool("cargo_check", call)
        assert shared_checks.RUNS.started - started == 2  # another workspace: cargo ran again
        assert not any("reused" in hint for hint in structured(in_workspace)["hints"])
