"""Version requirements as cargo matches them (caret, tilde, wildcards, ranges, pre-releases): what
cargo_outdated's newest compatible version rests on. The tool itself runs in tests/real/test_outdated.py."""

from __future__ import annotations

import pytest

from cargo_mcp.workflows.semver import Requirement, Version, newest

VERSIONS = ["0.1.0", "0.1.5", "0.2.0", "0.2.7", "1.0.0", "1.2.3", "1.9.0", "2.0.0-alpha.1", "2.0.0", "2.1.0"]


@pytest.mark.parametrize(
    ("requirement", "allowed"),
    [
        ("1", "1.0.0 1.2.3 1.9.0"),
        ("1.2", "1.2.3 1.9.0"),
        ("~1.2", "1.2.3"),
        ("=1.2.3", "1.2.3"),
        (">1.2.3", "1.9.0 2.0.0 2.1.0"),
        (">=1, <2.1", "1.0.0 1.2.3 1.9.0 2.0.0"),
        ("<=2.0", "0.1.0 0.1.5 0.2.0 0.2.7 1.0.0 1.2.3 1.9.0 2.0.0"),
        ("0.1", "0.1.0 0.1.5"),
        ("^0.2.3", "0.2.7"),
        ("^0.0.3", ""),
        ("1.*", "1.0.0 1.2.3 1.9.0"),
        ("2.0.0-alpha.1", "2.0.0-alpha.1 2.0.0 2.1.0"),
    ],
)
def test_requirements_match_as_cargo_matches_them(requirement: str, allowed: str) -> None:
    parsed = Requirement.parse(requirement)
    assert parsed is not None
    versions = [v for v in map(Version.parse, VERSIONS) if v is not None]
    assert " ".join(str(v) for v in versions if parsed.matches(v)) == allowed
    assert str(newest(versions)) == "2.1.0"  # pre-releases never count as the newest
