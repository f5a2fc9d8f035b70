"""Crates whose code, run inside the sandbox, writes JSON nested deeper than Python's json goes where
our process parses it: a proc macro printing to rustc's stdout (cargo passes it on as its own
stdout line, among its JSON messages), and a run record planted in the build directory that the
sandbox (and the agent) may write."""

from __future__ import annotations

from pathlib import Path

DEPTH = 5000  # deeper than Python's recursion limit: json.loads raises RecursionError
DEEP_MESSAGE = '{"reason":' + "[" * DEPTH + "]" * DEPTH + "}"
RECORD_FILE = "rust-mcp-workspace-runs.json"  # cargo_mcp.run.scope_choice.RECORD_FILE
PLANTED_RECORDS = {
    "deep": "[" * DEPTH + "]" * DEPTH,
    "huge-number": '{"key": 1' + "0" * 400 + "}",
}

PROC_MACRO = """use proc_macro::TokenStream;

#[proc_macro]
pub fn deep(_: TokenStream) -> TokenStream {
    println!("{}{}{}", "{\\"reason\\":", "[".repeat(DEPTH).to_string() + &"]".repeat(DEPTH), "}");
    TokenStream::new()
}
""".replace("DEPTH", str(DEPTH))


def deep_printing_workspace(directory: Path) -> Path:
    """A workspace whose root package uses a proc macro that prints DEEP_MESSAGE when expanded."""
    (directory / "src").mkdir(parents=True)
    (directory / "deep" / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\ndeep = { path = "deep" }\n\n[workspace]\nmembers = ["deep"]\n'
    )
    (directory / "src" / "main.rs").write_text("deep::deep!();\n\nfn main() {}\n")
    (directory / "deep" / "Cargo.toml").write_text(
        '[package]\nname = "deep"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\nproc-macro = true\n'
    )
    (directory / "deep" / "src" / "lib.rs").write_text(PROC_MACRO)
    return directory


def plain_workspace(directory: Path) -> Path:
    """A one-package workspace (its root declares [workspace]): its checks are recorded as warm."""
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        '[package]\nname = "plain"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n'
    )
    (directory / "src" / "lib.rs").write_text("pub fn f() -> u8 { 1 }\n")
    return directory
