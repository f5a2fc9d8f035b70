"""`cargo-mcp doctor` and `rust-analyzer-mcp doctor`: what is installed, what is missing, how to fix it."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    essential: bool = True

    def line(self) -> str:
        status = "ok     " if self.ok else ("MISSING" if self.essential else "warning")
        text = f"{status} {self.name}: {self.detail}"
        return text + (f"\n        fix: {self.fix}" if not self.ok and self.fix else "")


def _output(argv: list[str]) -> str | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def cargo_checks() -> list[Check]:
    checks = []
    cargo = shutil.which("cargo")
    version = _output([cargo, "--version"]) if cargo else None
    checks.append(
        Check(
            "cargo",
            version is not None,
            f"{cargo} ({version})" if version else "not found",
            "install Rust with rustup (https://rustup.rs) or `apt-get install cargo`",
        )
    )
    rustup = shutil.which("rustup")
    listing = _output([rustup, "toolchain", "list"]) if rustup else None
    names = [line.split()[0] for line in (listing or "").splitlines() if line.strip()]
    checks.append(
        Check(
            "rustup toolchains",
            bool(names),
            ", ".join(names) or "rustup not found",
            "install rustup to use the `toolchain` parameter",
            essential=False,
        )
    )
    for component, tool in (("clippy", "cargo_clippy"), ("rustfmt", "cargo_fmt_check")):
        argv = ["cargo", component if component == "clippy" else "fmt", "--version"]
        found = _output(argv) if cargo else None
        checks.append(
            Check(
                component,
                found is not None,
                found or f"not installed; {tool} will fail",
                f"rustup component add {component}",
                essential=False,
            )
        )
    return checks


def analyzer_checks(explicit: str | None = None) -> list[Check]:
    from ra_mcp.discovery import (
        INSTALL_HINT,
        AnalyzerMissing,
        find_analyzer,
        std_sources_env,
        toolchain_std_sources,
    )

    checks = cargo_checks()[:1]
    try:
        analyzer = find_analyzer(explicit)
        checks.append(Check("rust-analyzer", True, f"{analyzer.path} ({analyzer.version})"))
    except AnalyzerMissing as exc:
        checks.append(Check("rust-analyzer", False, exc.reason, INSTALL_HINT))
    env, warning = std_sources_env()
    own = toolchain_std_sources()
    detail = str(own) if own else env.get("RUST_SRC_PATH", "not found")
    checks.append(Check("std sources", warning is None, detail, warning or ""))
    return checks


def _report(checks: list[Check]) -> int:
    for check in checks:
        print(check.line())
    return 0 if all(c.ok for c in checks if c.essential) else 1


def run_cargo_doctor() -> int:
    return _report(cargo_checks())


def run_analyzer_doctor(explicit: str | None = None) -> int:
    return _report(analyzer_checks(explicit))
