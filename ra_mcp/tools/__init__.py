"""The rust-analyzer tools, grouped by what they do."""
