"""cargo_mcp: an MCP server that runs a whitelist of cargo subcommands and returns structured results."""
