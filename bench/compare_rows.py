"""The rows of bench.compare that need no state of its own: the characters a model pays for (tool
definitions and answers), the cold first right hover and raw rust-analyzer's cold timeline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import cold, sizes, warm
from .cargo_rows import CargoFigures
from .report import Report, chars, counted, median, ratio, seconds
from .sides import KINDS


async def size_rows(
    report: Report,
    state: warm.Session,
    tools_lists: Mapping[str, dict[str, Any]],
    cargo_sizes: CargoFigures | None,
) -> None:
    """Characters a model pays for: tool definitions, then answers to the same queries."""
    report.section("characters a model pays for (issue 12): tool definitions")
    for name in ("cargo-mcp", "rust-analyzer-mcp"):
        anchor_list, our_list = (
            tools_lists.get(f"anchor {name}"),
            tools_lists.get(f"our {name}"),
        )
        if anchor_list is None or our_list is None:
            continue
        anchor, ours = sizes.definitions(anchor_list), sizes.definitions(our_list)
        report.row(f"{name}: tools", "", str(anchor.tools), str(ours.tools))
        report.row(
            "  per tool (name+description+input)",
            "",
            chars(anchor.per_tool),
            chars(ours.per_tool),
            ratio(ours.per_tool, anchor.per_tool),
        )
        report.row(
            "  whole tools/list JSON",
            "",
            chars(anchor.whole_chars),
            chars(ours.whole_chars),
            ratio(ours.whole_chars, anchor.whole_chars),
        )
    report.section("characters a model pays for (issue 12): answers (text + structured JSON)")
    answers: list[tuple[str, sizes.AnswerSize | None, sizes.AnswerSize | None]] = []
    for label, anchor_call, our_call in sizes.analyzer_queries(state.anchor.truth, state.ours.truth):
        anchor_size = await sizes.measure(state.anchor_peer, anchor_call)
        answers.append((label, anchor_size, await sizes.measure(state.our_peer, our_call)))
    originals = {who: sizes.inject_problem(state.roots[who]) for who in ("anchor", "ours")}
    try:
        for label, anchor_call, our_call in sizes.diagnostics_queries(
            state.roots["anchor"], state.roots["ours"]
        ):
            expect = sizes.INJECTED_ERROR
            anchor_size = await sizes.measure(state.anchor_peer, anchor_call, expect)
            answers.append((label, anchor_size, await sizes.measure(state.our_peer, our_call, expect)))
    finally:
        for who, original in originals.items():
            sizes.restore(state.roots[who], original)
    if cargo_sizes is not None:
        answers.append(
            (
                "cargo_check with an error and 2 warnings",
                cargo_sizes.check_sizes.get("anchor"),
                cargo_sizes.check_sizes.get("ours"),
            )
        )
    for label, anchor_size, our_size in answers:
        a = anchor_size.total if anchor_size else None
        o = our_size.total if our_size else None
        report.row(label, "", chars(a), chars(o), ratio(o, a))
        parts = [
            f"{who} {size.text:,} text + {size.structured:,} JSON{' (isError)' if size.error else ''}"
            + ("" if size.found is None else f", {'has' if size.found else 'MISSES'} the injected error")
            for who, size in (("anchor", anchor_size), ("ours", our_size))
            if size is not None
        ]
        if parts:
            report.note("; ".join(parts))
    report.note("budget: 8 KiB text and 10 KiB JSON per default answer; goal: at most half the anchor's")


async def cold_rows(report: Report, env: dict[str, str], logs: Path, runs: int) -> None:
    """Spawn to first right hover on fresh copies: raw, anchor and ours in turn, `runs` times each."""
    results: dict[str, list[cold.Cold]] = {"raw": [], "anchor": [], "ours": []}
    runners = {"raw": cold.cold_raw, "anchor": cold.cold_anchor, "ours": cold.cold_ours}
    for _ in range(runs):
        for who, runner in runners.items():
            results[who].append(await cold.on_fresh_copy(runner, env, logs))
    report.section(
        f"cold: spawn to first right hover, fresh copy (no target/), polled every "
        f"{cold.POLL_INTERVAL:g} s, median of {runs} (bench.first_answer: also 0.25 s)"
    )
    right = {who: median([r.right_at for r in rs if r.right_at is not None]) for who, rs in results.items()}
    report.row(
        "first right hover",
        seconds(right["raw"]),
        seconds(right["anchor"]),
        seconds(right["ours"]),
        ratio(right["ours"], right["anchor"]),
    )
    quiescent = median([r.quiescent_at for r in results["raw"] if r.quiescent_at is not None])
    applied = median([r.build_data_at for r in results["raw"] if r.build_data_at is not None])
    report.row("rust-analyzer build data applied", seconds(applied), "", "")
    report.row("rust-analyzer quiescent (serverStatus)", seconds(quiescent), "", "")
    before = {who: sum((r.before for r in rs), Counter()) for who, rs in results.items()}
    report.note(
        "answers before the first right one (all runs): "
        + "; ".join(f"{who}: {counted(c)}" for who, c in before.items())
    )
    never = {who: sum(r.right_at is None for r in rs) for who, rs in results.items()}
    if any(never.values()):
        report.note(f"runs with no right answer within {cold.COLD_TIMEOUT:.0f} s: {never}")
    report.note(
        f"each asked again {cold.POLL_INTERVAL * 1000:.0f} ms after an answer that was not right "
        "(ours waits until it can answer right, up to its --ready-timeout, then says it is indexing)"
    )


async def timeline_rows(report: Report, env: dict[str, str], logs: Path, settings: Any) -> None:
    """Raw rust-analyzer's own status and progress next to when each answer first becomes right."""
    line = await cold.timeline(env, logs, settings)
    shown = settings or "its defaults"
    report.section(f"cold timeline: raw rust-analyzer ({shown}), hover/definition/references polled")
    for at, text in line.events:
        report.say(f"  {at:8.2f} s  {text}")
    report.say(f"  build data applied (ready to ask): {seconds(line.ready_to_ask)}")
    for kind in KINDS:
        polls = line.polls[kind]
        right = next(((sent, answered) for sent, answered, outcome in polls if outcome == "right"), None)
        last_bad = max((sent for sent, _, outcome in polls if outcome != "right"), default=None)
        outcomes = Counter(outcome for _, _, outcome in polls if outcome != "right")
        asked, answered = right or (None, None)
        report.say(
            f"  {kind}: first right answer at {seconds(answered)} (asked at {seconds(asked)}); "
            f"last not-right answer asked at {seconds(last_bad)}; before it: {counted(outcomes)}"
        )
