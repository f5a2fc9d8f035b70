"""OpenTelemetry spans only where someone collects them.

The SDK wraps every inbound message in an OpenTelemetry span by default. With no exporter
configured the spans go nowhere, yet each costs the warm call path time; the middleware only
observes (it re-raises every error unchanged), so leaving it out changes no answer."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from mcp.server.mcpserver import MCPServer

from rust_mcp.mcp.sdk_internals import OpenTelemetryMiddleware

# any of these set means the operator asked for traces (OpenTelemetry's standard variables)
EXPORTER_VARIABLES = (
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


def traces_wanted(env: Mapping[str, str]) -> bool:
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none" or env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(env.get(name, "").strip() for name in EXPORTER_VARIABLES)


def keep_spans_only_when_exported(server: MCPServer[Any], env: Mapping[str, str] | None = None) -> None:
    if traces_wanted(os.environ if env is None else env):
        return
    server.middleware[:] = [m for m in server.middleware if not isinstance(m, OpenTelemetryMiddleware)]
