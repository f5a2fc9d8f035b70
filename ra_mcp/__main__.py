"""`python -m ra_mcp`: the same as its console script."""

from .cli import main

main()
