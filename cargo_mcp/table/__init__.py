"""The cargo whitelist as data: one row per tool, its parameters and the checks on every value.
Imports nothing of MCP."""
