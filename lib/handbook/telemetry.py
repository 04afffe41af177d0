"""Spans for every step of the flow, on the OpenTelemetry API (chapter 4).

The library only *emits* spans through the OpenTelemetry API; the application decides where they
go by configuring the SDK. Until it does, every span is a no-op and costs next to nothing:

    with tracer().start_as_current_span("retrieval") as span:
        span.set_attribute("handbook.hits", 5)

Deliberately left out (for now): configuring the SDK, exporters and metrics.
"""

from __future__ import annotations

from opentelemetry import trace

NAME = "handbook"


def tracer() -> trace.Tracer:
    """The handbook's tracer from the global provider (chapter 4); a no-op until one is set."""
    return trace.get_tracer(NAME)
