"""What the field test on clap found: `cargo_metadata` with `package="clap"` listed 17 of clap's 60
targets and then "... 43 more targets (the full JSON is in the log)"; `offset` paged the
dependencies only, so no call showed the other 43, and no target said it needs a feature (clap's
examples require `derive`, which is why cargo check skips them). One `offset` now pages through the
member's targets and then its dependencies, each target with its required features."""

from __future__ import annotations

import json

from cargo_mcp.results.dependency_views import metadata_page, metadata_text
from rust_mcp.core.paging import next_page_offset
from tests.fast.test_cargo_pages import _answer
from tests.support.answer_budget import budget_problems

ROOT = "/work/clap"


def _clap(examples: int, dependencies: int) -> str:
    targets = [{"name": "clap", "kind": ["lib"], "src_path": f"{ROOT}/clap/src/lib.rs"}]
    targets += [
        {
            "name": f"example_{k:02}",
            "kind": ["example"],
            "src_path": f"{ROOT}/clap/examples/tutorial_derive/example_{k:02}.rs",
            "required-features": ["derive"] if k % 2 else [],
        }
        for k in range(examples)
    ]
    package = {
        "id": f"path+file://{ROOT}/clap#4.5.41",
        "name": "clap",
        "version": "4.5.41",
        "manifest_path": f"{ROOT}/clap/Cargo.toml",
        "edition": "2021",
        "targets": targets,
        "features": {"default": ["std"], "std": [], "derive": []},
        "dependencies": [{"name": f"dep_{k}", "req": "^1.0", "kind": "dev"} for k in range(dependencies)],
    }
    members = [package["id"]]
    return json.dumps({"packages": [package], "workspace_members": members, "workspace_root": ROOT})


def test_every_target_and_dependency_once_over_the_pages() -> None:
    raw = _clap(examples=59, dependencies=10)
    targets: list[str] = []
    dependencies: list[str] = []
    offset: int | None = 0
    pages = 0
    while offset is not None and pages < 20:
        data = metadata_page(raw, offset, "clap")
        assert data is not None
        assert budget_problems(_answer("cargo_metadata", data)) == []
        member = data["member"]
        assert member["target_count"] == 60 and member["dependency_count"] == 10
        targets += [t["name"] for t in member["targets"]]
        dependencies += [d["name"] for d in member["dependencies"]]
        offset = next_page_offset(data["page"])
        pages += 1
    assert pages > 1
    assert targets == ["clap", *(f"example_{k:02}" for k in range(59))]
    assert dependencies == [f"dep_{k}" for k in range(10)]


def test_a_target_names_the_features_it_requires() -> None:
    data = metadata_page(_clap(examples=3, dependencies=1), 0, "clap")
    assert data is not None
    by_name = {t["name"]: t for t in data["member"]["targets"]}
    assert by_name["example_01"]["required_features"] == ["derive"]
    assert "required_features" not in by_name["example_00"]
    text = "\n".join(metadata_text(data))
    line = "example_01 (example) /work/clap/clap/examples/tutorial_derive/example_01.rs"
    assert f"{line}, requires features: derive" in text
