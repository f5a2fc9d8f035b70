"""Talking to one rust-analyzer over LSP: finding it, starting it, the typed requests, its state."""
