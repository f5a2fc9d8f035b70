"""The core both servers share: roots, files, processes, text. Imports nothing from MCP."""
