"""Pieces shared by both servers: allowed roots, manifest discovery, toolchains, process groups, serving."""

__version__ = "0.1.0"
