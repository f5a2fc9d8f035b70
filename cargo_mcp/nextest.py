"""Reads cargo-nextest's libtest-compatible JSON (`--message-format libtest-json-plus`) into the same
test summary cargo_test returns, plus the tests that only passed on a retry (flaky).

Each test is `{"type":"test","event":"ok"|"failed"|"ignored","name":"<crate>::<binary>$<test>[#N]"}`,
where `#N` says it ran N times (retries); a failure carries the test's output in "stdout". Each test
binary ends with a `{"type":"suite","event":"ok"|"failed","passed":..}` line."""

from __future__ import annotations

from dataclasses import dataclass, field

from rust_mcp.core.clipping import clip_end
from rust_mcp.core.json_nesting import parse_json

from .messages import trim_backtrace
from .models import TestFailure, TestSummary

NEXTEST_ENV = (("NEXTEST_EXPERIMENTAL_LIBTEST_JSON", "1"),)
FLAKY_LISTED = 20


def split_name(raw: str) -> tuple[str, int]:
    """(the test's path, how many times it ran) from `crate::binary$path#N`."""
    name = raw.split("$", 1)[1] if "$" in raw else raw
    base, _, attempts = name.rpartition("#")
    if base and attempts.isdigit():
        return base, int(attempts)
    return name, 1


@dataclass
class NextestReport:
    output_limit: int = 3000
    summary: TestSummary = field(default_factory=TestSummary)
    _started: set[str] = field(default_factory=set)
    _finished: set[str] = field(default_factory=set)

    def feed(self, line: str) -> str | None:
        """Consume one stdout line; returns a progress message when a test finished."""
        if not line.startswith('{"type":'):
            return None
        try:
            event = parse_json(line)
        except ValueError:
            return None
        kind, verdict = event.get("type"), event.get("event")
        if kind == "suite" and verdict in ("ok", "failed"):
            self.summary.suites += 1
            self.summary.filtered_out += int(event.get("filtered_out", 0))
            return None
        if kind != "test":
            return None
        name, attempts = split_name(str(event.get("name", "")))
        if verdict == "started":
            self._started.add(name)
            return None
        self._finished.add(name)
        if verdict == "ok":
            self.summary.passed += 1
            if attempts > 1:
                self.summary.flaky.append(f"{name} (passed on attempt {attempts})")
        elif verdict == "failed":
            self.summary.failed += 1
            output = str(event.get("stdout") or event.get("reason") or "")
            text = "\n".join(trim_backtrace(output.splitlines())).strip()
            self.summary.failures.append(TestFailure(name=name, output=clip_end(text, self.output_limit)))
        elif verdict == "ignored":
            self.summary.ignored += 1
            return None
        return f"{verdict} {name}"

    def finish(self) -> TestSummary:
        self.summary.running = sorted(self._started - self._finished)
        del self.summary.flaky[FLAKY_LISTED:]
        return self.summary
