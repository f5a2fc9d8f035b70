"""`cargo-mcp doctor` and `rust-analyzer-mcp doctor`: what is installed, what is missing, how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anyio

from rust_mcp.core.errors import Refusal
from rust_mcp.core.sandbox import INSTALL_COMMAND, SandboxMode, probe_sandbox
from rust_mcp.core.toolchains import (
    NEUTRAL_DIRECTORY,
    Toolchain,
    Toolchains,
    installed_toolchains,
    neutral_output,
)


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
    return neutral_output(argv, timeout=30)


def default_toolchain() -> Toolchain | str:
    """The toolchain the servers use when a call names none, or why there is none."""
    try:
        return anyio.run(Toolchains().resolve, None, Path(NEUTRAL_DIRECTORY))
    except Refusal as exc:
        return str(exc)


def sandbox_check(mode: SandboxMode) -> Check:
    state = probe_sandbox(mode)
    return Check(
        "sandbox",
        state.active or mode == "off",
        state.describe(),
        f"install bubblewrap (`{INSTALL_COMMAND}`), or run the servers with --sandbox off",
    )


def cargo_checks(mode: SandboxMode = "auto") -> list[Check]:
    checks = []
    toolchain = default_toolchain()
    cargo = toolchain.cargo if isinstance(toolchain, Toolchain) else None
    version = _output([str(cargo), "--version"]) if cargo else None
    checks.append(
        Check(
            "cargo",
            version is not None,
            f"{cargo} ({version})" if version else f"not found ({toolchain})",
            "install Rust with rustup (https://rustup.rs) or `apt-get install cargo`",
        )
    )
    names = installed_toolchains()
    checks.append(
        Check(
            "rustup toolchains",
            bool(names),
            ", ".join(names) or "rustup not found",
            "install rustup to use the `toolchain` parameter",
            essential=False,
        )
    )
    for component, program, tool in (
        ("clippy", "cargo-clippy", "cargo_clippy"),
        ("rustfmt", "cargo-fmt", "cargo_fmt_check"),
    ):
        found = _output([str(cargo.parent / program), "--version"]) if cargo else None
        checks.append(
            Check(
                component,
                found is not None,
                found or f"not installed; {tool} will fail",
                f"rustup component add {component}",
                essential=False,
            )
        )
    checks.append(sandbox_check(mode))
    return checks


def analyzer_checks(explicit: str | None = None, mode: SandboxMode = "auto") -> list[Check]:
    from ra_mcp.lsp.discovery import (
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
    toolchain = default_toolchain()
    own = toolchain_std_sources(toolchain) if isinstance(toolchain, Toolchain) else None
    env, warning = std_sources_env(own)
    detail = str(own) if own else env.get("RUST_SRC_PATH", "not found")
    checks.append(Check("std sources", warning is None, detail, warning or ""))
    checks.append(sandbox_check(mode))
    return checks


def _report(checks: list[Check]) -> int:
    for check in checks:
        print(check.line())
    return 0 if all(c.ok for c in checks if c.essential) else 1


def run_cargo_doctor(mode: SandboxMode = "auto") -> int:
    return _report(cargo_checks(mode))


def run_analyzer_doctor(explicit: str | None = None, mode: SandboxMode = "auto") -> int:
    return _report(analyzer_checks(explicit, mode))
