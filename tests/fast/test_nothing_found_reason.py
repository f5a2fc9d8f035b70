"""tokio 1.47.1's `spawn` (src/task/spawn.rs, a `mod spawn;` inside `cfg_rt! { ... }`, the feature
`rt` off by default) is in a file of no crate. Definition and hover said so; references said "no
references to the symbol" and the file's outline "no symbols in this file", though the file defines
`spawn` and the crate calls it (field test 13). Those answers now carry rust-analyzer's reason."""

from __future__ import annotations

from ra_mcp.places.cfg_off import NO_CRATE
from ra_mcp.tools.inactive_code import nothing_found


def test_an_empty_answer_gives_the_reason_when_there_is_one() -> None:
    said = "no references to the symbol at src/task/spawn.rs:166:12"
    assert nothing_found(said, NO_CRATE) == f"{said}: {NO_CRATE}"
    assert nothing_found(said, None) == said
