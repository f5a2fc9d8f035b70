"""Fast tier: a workspace root's change journal sees cargo's configuration files in the folders above
the root (cargo reads `.cargo/config.toml` and the older `.cargo/config` from the folder it runs in up
to /), within the allowed roots: an edit, a file and a `.cargo` folder made since, a removal. Never a
link, a FIFO or a folder above the allowed roots. Real files, real inotify."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.pool import vouched
from ra_mcp.workspace.workspaces import is_watched


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def allowed(tmp_path: Path) -> Path:
    write(tmp_path / "allowed/top/app/Cargo.toml", "[package]\n")
    write(tmp_path / "allowed/top/app/src/lib.rs", "")
    write(tmp_path / "allowed/top/.cargo/config.toml", '[build]\nrustflags = ["--cfg", "x"]\n')
    write(tmp_path / ".cargo/config.toml", "# above the allowed root: the operator's\n")
    return tmp_path / "allowed"


@pytest.fixture(params=[True, False], ids=["inotify", "walking"])
def journal(request: pytest.FixtureRequest, allowed: Path) -> Iterator[ChangeJournal]:
    journal = ChangeJournal(
        allowed / "top/app", is_watched, within=[allowed], configs_above=True, use_inotify=request.param
    )
    assert journal.watching == request.param, journal.reason
    yield journal
    journal.close()


def above(journal: ChangeJournal) -> list[str]:
    return sorted(path for path in journal.files if not path.startswith(journal.root + os.sep))


def test_an_edit_and_new_configurations_above_the_root_are_seen(
    journal: ChangeJournal, allowed: Path
) -> None:
    config = str(allowed / "top/.cargo/config.toml")
    assert above(journal) == [config]  # not the one above the allowed root
    write(Path(config), '[build]\nrustflags = ["--cfg", "y"]\n')
    assert journal.refresh() == {config}
    older = write(allowed / ".cargo/config", "[env]\nA = '1'\n")  # a `.cargo` folder made since
    assert journal.refresh() == {str(older)} and above(journal) == [str(older), config]
    write(older, "[env]\nA = '2'\n")  # watched from then on
    assert journal.refresh() == {str(older)}
    assert not journal.watching or str(older) in journal.touched
    os.unlink(config)
    assert journal.refresh() == {config} and above(journal) == [str(older)]


def test_no_link_and_no_special_file_is_stamped(
    journal: ChangeJournal, allowed: Path, tmp_path: Path
) -> None:
    os.unlink(allowed / "top/.cargo/config.toml")
    (allowed / "top/.cargo/config.toml").symlink_to(tmp_path / ".cargo/config.toml")
    os.mkfifo(allowed / "top/.cargo/config")  # opened for reading, it would block
    journal.refresh()
    assert above(journal) == []


@pytest.mark.anyio
async def test_an_edit_above_is_heard_by_the_event_loop(allowed: Path) -> None:
    journal = ChangeJournal(allowed / "top/app", is_watched, within=[allowed], configs_above=True)
    journal.refresh()
    for _ in range(2):
        await asyncio.sleep(0)
    assert vouched(journal)
    write(allowed / "top/.cargo/config.toml", "# edited\n")
    for _ in range(2):
        await asyncio.sleep(0)
    assert not vouched(journal)
    journal.close()


def test_only_a_workspace_roots_journal_looks_above(allowed: Path) -> None:
    journal = ChangeJournal(allowed / "top/app", is_watched, within=[allowed])
    assert above(journal) == [] and not journal.above.watches
    journal.close()
