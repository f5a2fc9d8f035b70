"""ra_mcp: an MCP server that keeps rust-analyzer warm and answers semantic questions about Rust code."""
