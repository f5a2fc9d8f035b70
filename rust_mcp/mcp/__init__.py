"""The MCP layer both servers use: tool registration, confirmation, connections, transports, prompts."""
