"""`cargo-mcp doctor` and `rust-analyzer-mcp doctor` on this machine, and with a missing rust-analyzer."""

from __future__ import annotations

import subprocess

import pytest

from tests.support import BIN

pytestmark = pytest.mark.real


def _doctor(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*argv], capture_output=True, text=True, timeout=120, check=False)


def test_cargo_doctor_reports_the_toolchain() -> None:
    proc = _doctor(str(BIN / "cargo-mcp"), "doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("ok      cargo: ") and "cargo 1." in lines[0]
    assert any(line.startswith("ok      rustup toolchains: ") and "stable" in line for line in lines)
    assert any(line.startswith("ok      sandbox: bubblewrap") for line in lines), proc.stdout


def test_doctor_says_what_sandbox_off_means() -> None:
    proc = _doctor(str(BIN / "cargo-mcp"), "doctor", "--sandbox", "off")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok      sandbox: off (--sandbox off): project code runs unsandboxed" in proc.stdout


def test_analyzer_doctor_finds_rust_analyzer_and_std_sources() -> None:
    proc = _doctor(str(BIN / "rust-analyzer-mcp"), "doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok      rust-analyzer: " in proc.stdout and "ok      std sources: " in proc.stdout


def test_analyzer_doctor_names_the_fix_when_it_is_missing() -> None:
    proc = _doctor(str(BIN / "rust-analyzer-mcp"), "doctor", "--rust-analyzer", "/nonexistent/rust-analyzer")
    assert proc.returncode == 1
    assert "MISSING rust-analyzer: --rust-analyzer '/nonexistent/rust-analyzer' does not run" in proc.stdout
    assert "fix: install it with `rustup component add rust-analyzer rust-src`" in proc.stdout


def test_python_dash_m_runs_both_servers() -> None:
    for module in ("cargo_mcp", "ra_mcp"):
        proc = _doctor(str(BIN / "python"), "-m", module, "doctor")
        assert proc.returncode == 0 and proc.stdout.startswith("ok      cargo: "), proc.stdout + proc.stderr
