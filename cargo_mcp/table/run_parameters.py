"""The parameters of the commands that run code (cargo_test, cargo_nextest, cargo_bench, cargo_run) and
of insta's snapshot commands, in the form of cargo_mcp/table/parameters.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cargo_mcp.table import validate
from cargo_mcp.table.parameters import REQUIRED, Param, each, keyed, option, switch, target_name


def name_filter(name: str, description: str = "") -> Param:
    """A substring that picks tests or benches by name (cargo's positional filter)."""
    return Param(
        name, str | None, None, description, "positional", None, lambda v: validate.check_filter(name, v)
    )


def passed_on(description: str, check: Callable[[Sequence[str]], list[str]]) -> Param:
    """Arguments after `--`, for the test harness or the program."""
    return Param("args", list[str] | None, None, description, "trailing", None, check)


RUN_PARAMS: dict[str, Param] = keyed(
    [
        name_filter("test_name"),  # said in the instructions
        target_name("test_target", "--test"),
        switch("lib_only", "--lib"),
        switch("doc_only", "--doc"),
        Param("exact", bool, False, "", "trailing", "--exact"),
        Param("include_ignored", bool, False, "", "trailing", "--include-ignored"),
        switch("no_fail_fast", "--no-fail-fast"),
        ("test_args", passed_on("e.g. --nocapture.", validate.check_test_args)),
        ("program_args", passed_on("Program args after --.", validate.check_program_args)),
        name_filter("bench_name"),  # said in the instructions
        Param(
            "baseline",
            str | None,
            None,
            "Criterion --save-baseline.",
            "trailing_option",
            "--save-baseline",
            lambda v: validate.check_target_name("baseline", v),
        ),
        option("partition", "--partition", validate.check_partition, "e.g. count:1/3."),
        option("retries", "--retries", validate.check_retries, annotation=int | None),
        Param(
            "snapshots",
            list[str],
            REQUIRED,
            "Names from cargo_insta_pending.",
            "option_each",
            "--snapshot",
            each(validate.check_snapshot_name),
        ),
    ]
)
