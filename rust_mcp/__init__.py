"""Shared by both servers: `core` (roots, files, processes, text; no MCP), `mcp` (the MCP layer
both use) and `dev` (doctor, demo, the generated reference)."""

__version__ = "0.1.0"
