"""Workspaces: one rust-analyzer per Cargo workspace, kept in sync with the files, pooled and sandboxed."""
