"""What a field test on tokio found: `cargo_metadata` with `package` listed tokio's target-specific
dependencies without their platform, so `libc ^0.2.168 (optional)` came three times (for
`cfg(unix)`, `cfg(target_os = "wasi")` and `cfg(all(tokio_unstable, target_os = "linux"))`) and an
agent auditing what a Windows or wasm build pulls in could not tell them apart; a renamed dependency
lost the name the code uses. The dependencies below are cargo 1.9x's JSON for tokio's manifest."""

from __future__ import annotations

import json
from typing import Any

from cargo_mcp.results.dependency_views import metadata_page, metadata_text

ROOT = "/work/tokio"


def _dependency(name: str, target: str | None, kind: str | None = None, rename: str | None = None) -> Any:
    return {
        "name": name,
        "source": "registry+https://github.com/rust-lang/crates.io-index",
        "req": "^0.2.168",
        "kind": kind,
        "rename": rename,
        "optional": kind is None,
        "uses_default_features": True,
        "features": [],
        "target": target,
        "registry": None,
    }


def _metadata() -> str:
    tokio = {
        "id": f"path+file://{ROOT}/tokio#1.53.1",
        "name": "tokio",
        "version": "1.53.1",
        "manifest_path": f"{ROOT}/tokio/Cargo.toml",
        "edition": "2021",
        "targets": [{"name": "tokio", "kind": ["lib"], "src_path": f"{ROOT}/tokio/src/lib.rs"}],
        "features": {"net": ["libc"]},
        "dependencies": [
            _dependency("libc", 'cfg(all(tokio_unstable, target_os = "linux"))'),
            _dependency("libc", 'cfg(target_os = "wasi")'),
            _dependency("libc", "cfg(unix)"),
            _dependency("libc", "cfg(unix)", kind="dev"),
            _dependency("windows-sys", "cfg(windows)", rename="winapi"),
            _dependency("bytes", None),
        ],
    }
    return json.dumps(
        {
            "packages": [tokio],
            "workspace_members": [tokio["id"]],
            "workspace_root": ROOT,
            "target_directory": ROOT,
        }
    )


def test_a_member_s_platform_dependencies_name_their_platform() -> None:
    data = metadata_page(_metadata(), 0, "tokio")
    assert data is not None
    lines = metadata_text(data)
    dependencies = lines[lines.index("  dependencies (6):") + 1 :]
    assert dependencies == [
        '    libc ^0.2.168 (optional) for cfg(all(tokio_unstable, target_os = "linux"))',
        '    libc ^0.2.168 (optional) for cfg(target_os = "wasi")',
        "    libc ^0.2.168 (optional) for cfg(unix)",
        "    libc ^0.2.168 dev for cfg(unix)",
        "    windows-sys ^0.2.168 as winapi (optional) for cfg(windows)",
        "    bytes ^0.2.168 (optional)",
    ], lines
    assert [d.get("target") for d in data["member"]["dependencies"]][:3] == [
        'cfg(all(tokio_unstable, target_os = "linux"))',
        'cfg(target_os = "wasi")',
        "cfg(unix)",
    ]
