"""The per-user engine: one process that serves every MCP session of a user over a unix socket, and
the thin stdio fronts (`cargo-mcp serve`, `rust-analyzer-mcp`) that relay to it. The front's modules
(place, identity, handshake, launch, front, relay) import the standard library only."""
