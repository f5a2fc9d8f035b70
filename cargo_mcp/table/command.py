"""One row of the cargo whitelist: what a tool is called, which cargo subcommand it runs with which
parameters, what it does to the project (its capability, from which the MCP face derives the
annotations), how a row plus the caller's validated values becomes cargo's argument list, and the
refusals that depend on more than one of those values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cargo_mcp.table.dependency_parameters import DEPENDENCY_PARAMS
from cargo_mcp.table.lint_levels import order_lint_levels
from cargo_mcp.table.parameters import PARAMS, Param
from cargo_mcp.table.run_parameters import RUN_PARAMS
from rust_mcp.core.capability import Capability
from rust_mcp.core.errors import Refusal

Output = Literal[
    "diagnostics", "tests", "nextest", "format", "metadata", "tree", "run", "plain", "outdated", "snapshots"
]
MAX_TARGETS = 12  # target triples a matrix check takes
JSON_DIAGNOSTICS = "json-diagnostic-rendered-ansi"
JSON_MESSAGES = f"--message-format={JSON_DIAGNOSTICS}"
ALL_PARAMS = {**PARAMS, **RUN_PARAMS, **DEPENDENCY_PARAMS}


@dataclass(frozen=True)
class Effect:
    """What running a command does, and how its annotations say so (see capabilities.annotations)."""

    capability: Capability
    title: str
    idempotent: bool = False
    open_world: bool = False


@dataclass(frozen=True)
class CargoCommand:
    name: str
    description: str
    subcommand: tuple[str, ...]
    params: tuple[str, ...]
    output: Output
    effect: Effect
    json_messages: bool = False
    trailing: tuple[str, ...] = ()
    # asked of the user before running, where the client can ask; formatted with {project},
    # {manifest}, {dependencies} and {snapshots}
    confirmation: str | None = None
    # files to snapshot before running, put back if the run is cancelled, times out or is killed
    # (so an interrupted change leaves them as they were)
    guards: Literal["manifests", "sources"] | None = None
    # changes project files without a guard (insta writes or deletes snapshot files)
    edits_project: bool = False
    # cargo drops an emptied table with the comments above its header; put those back afterwards
    keeps_table_comments: bool = False
    # needs the network itself (registry lookups): runs with it, from a neutral directory so the
    # project's .cargo/config.toml (credential providers, proxies, git-fetch-with-cli) is not read
    network: bool = False
    # builds or resolves offline, after the dependency-fetch step
    fetches: bool = True
    # environment the command always runs with (e.g. what turns on a subcommand's JSON output)
    env: tuple[tuple[str, str], ...] = ()
    # only compiles (check, lint, build): a warm workspace-wide run of it can stand in for a scoped one
    compile_only: bool = False
    # identical runs at once are shared between the calls of every server in the process
    shared: bool = False
    # its result lists the executables cargo built
    lists_executables: bool = False
    # deletes build output: the doomed directories are named first and emptied ones removed after
    cleans_build: bool = False
    # what cargo printed is part of the answer even when the run succeeded
    shows_output: bool = False
    # rust-analyzer's own check of the same files and flags may answer it (run/analyzer_reuse.py)
    answers_from_analyzer: bool = False

    def parameters(self) -> list[Param]:
        return [ALL_PARAMS[key] for key in self.params]

    def cargo_args(self, values: Mapping[str, Any]) -> list[str]:
        """cargo's arguments (after the toolchain) for validated `values` keyed by public name."""
        options: list[str] = []
        positionals: list[str] = []
        trailing: list[str] = []
        for param in self.parameters():
            value = values.get(param.name)
            if param.placement == "service" or value is None or value is False or value == []:
                continue
            checked = param.check(value)
            if param.placement == "switch":
                options.append(str(param.flag))
            elif param.placement == "option":
                text = (param.join or ",").join(checked) if isinstance(checked, list) else str(checked)
                options += [str(param.flag), text]
            elif param.placement == "option_each":
                for item in checked:
                    options += [str(param.flag), str(item)]
            elif param.placement == "positional":
                positionals += checked if isinstance(checked, list) else [checked]
            elif param.placement == "trailing":
                trailing += (
                    (checked if isinstance(checked, list) else [checked])
                    if param.flag is None
                    else [param.flag]
                )
            elif param.placement == "trailing_option":
                trailing += [str(param.flag), str(checked)]
            elif param.placement == "trailing_each":
                for item in checked:
                    trailing += [str(param.flag), str(item)]
        if trailing:  # lint levels to order (most calls pass none)
            trailing = order_lint_levels(trailing)
        args = [*self.subcommand]
        if self.json_messages:
            args.append(JSON_MESSAGES)
        args += options + positionals
        if trailing or self.trailing:
            args += ["--", *trailing, *self.trailing]
        return args


def own_arguments(args: list[str]) -> list[str]:
    """cargo's own arguments among `args`: those before `--` (after it, the lints' or the test
    binary's or the program's)."""
    return args[: args.index("--")] if "--" in args else args


def check_combination(command: CargoCommand, values: Mapping[str, Any]) -> None:
    """Refusals that depend on more than one parameter."""
    if values.get("fix"):
        raise Refusal(
            f"{command.name} does not change files, so `fix` is not supported here; call cargo_clippy_fix, "
            "which edits the sources and says so"
        )
    if values.get("precise") and len(values.get("dependencies") or []) + bool(values.get("package")) != 1:
        raise Refusal('`precise` needs exactly one dependency to pin, e.g. dependencies=["serde"]')
    if values.get("changed") or values.get("since"):
        chosen = [name for name in ("package", "workspace", "targets") if values.get(name)]
        if chosen:
            raise Refusal(f"changed=true chooses the packages itself; leave out {', '.join(chosen)}")
    if values.get("bin") and values.get("example"):
        raise Refusal("pass either `bin` or `example`, not both")
    targets = values.get("targets")
    if targets is not None:
        if values.get("target"):
            raise Refusal("pass either `target` (one triple) or `targets` (a list), not both")
        if not 1 <= len(targets) <= MAX_TARGETS:
            raise Refusal(f"`targets` needs between 1 and {MAX_TARGETS} target triples")
