"""Where the npm clients the end-to-end tests drive are installed (tests/clients, by
`scripts/setup --clients`), and the environment that keeps them on loopback."""

from __future__ import annotations

from tests.support import REPO

CLIENTS = REPO / "tests" / "clients" / "node_modules" / ".bin"


def node_client(name: str) -> str:
    """The installed client's executable, or a failure that says how to install it."""
    path = CLIENTS / name
    if not path.exists():
        raise AssertionError(f"{path} is missing: run `scripts/setup --clients` (npm ci in tests/clients)")
    return str(path)
