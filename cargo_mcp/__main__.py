"""`python -m cargo_mcp`: the same as its console script."""

from cargo_mcp.cli import main

main()
