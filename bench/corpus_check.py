"""The corpus table: runs the corpus tests (every tool of both servers on the ripgrep workspace and on
memchr, each answer compared with cargo's own JSON, a raw rust-analyzer or the source text) and prints
tool x corpus -> right / WRONG. Exit status 0 only when every cell is right.

    .venv/bin/python -m bench.corpus_check [pytest args, e.g. -k memchr]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rust_mcp.dev.corpus_verdicts import VERDICTS_ENV, verdict_table

REPO = Path(__file__).resolve().parent.parent
SUITES = ["tests/real/test_corpus_ripgrep.py", "tests/real/test_corpus_memchr.py"]


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        verdicts = Path(scratch) / "verdicts.jsonl"
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITES, *sys.argv[1:]],
            cwd=REPO,
            env={**os.environ, VERDICTS_ENV: str(verdicts)},
            check=False,
        )
        elapsed = time.monotonic() - started
        rows = [json.loads(line) for line in verdicts.read_text().splitlines()] if verdicts.exists() else []
    print(f"\ncorpus checks ({elapsed:.0f} s; tests {'passed' if run.returncode == 0 else 'FAILED'})")
    for line in verdict_table(rows):
        print(line)
    all_right = bool(rows) and all(row["right"] for row in rows)
    return 0 if run.returncode == 0 and all_right else 1


if __name__ == "__main__":
    sys.exit(main())
