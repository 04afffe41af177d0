"""Spans and metrics for every step of the flow, on OpenTelemetry (chapter 4).

Libraries only *emit* through the OpenTelemetry API; where spans go is the
application's choice, made once by `setup.configure()` (called lazily on the
first span, or explicitly by an app such as `handbook serve`). With nothing
set, spans go to a local JSONL file; `OTEL_EXPORTER_OTLP_ENDPOINT` sends them
over OTLP/HTTP to Phoenix, Langfuse, Jaeger or a vendor, with no code change.

    with tracer().start_as_current_span("retrieval") as span:
        span.set_attribute("handbook.retrieval.hits", 5)

Modules:
    genai      the GenAI semantic-convention attributes of a chat call, and the metrics
    content    message content: off by default, and the filter captured text passes through
    spanfile   the local JSONL span file (exporter and reader)
    setup      configuring the SDK from the standard OTEL_* variables

Deliberately left out: auto-instrumentation of third-party clients, logs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import context, metrics, trace

from .content import capture_content, filter_content, set_content_filter

NAME = "handbook"
__all__ = ["NAME", "capture_content", "filter_content", "meter", "root_span", "set_content_filter", "trace_id",
           "tracer"]


def tracer() -> trace.Tracer:
    """The handbook's tracer (chapter 4); the first call configures the SDK unless the app already did."""
    return _TRACER[0] if _TRACER else _first_tracer()


_TRACER: list[trace.Tracer] = []


def _first_tracer() -> trace.Tracer:
    from . import setup

    setup.ensure()
    _TRACER.append(trace.get_tracer(NAME))  # a proxy tracer follows a provider the app sets later
    return _TRACER[0]


def meter() -> metrics.Meter:
    """The handbook's meter, for the GenAI client metrics (chapter 4)."""
    from . import setup

    setup.ensure()
    return metrics.get_meter(NAME)


@contextlib.contextmanager
def root_span(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[trace.Span]:
    """Start a new trace: a span with no parent, current for the block (chapter 4).

    An application opens one per unit of work, e.g. `handbook serve` per request:

        with root_span("POST /ask", {"http.route": "/ask"}) as span:
            answer = ask(question, index)   # embeddings, retrieval, chat: its children
        span.get_span_context().trace_id    # link user feedback to this trace
    """
    with tracer().start_as_current_span(name, context=context.Context(), attributes=dict(attributes or {}),
                                        kind=trace.SpanKind.SERVER) as span:
        yield span


def trace_id(span: trace.Span | None = None) -> str | None:
    """The current (or given) span's trace id as 32 hex digits, or None outside a trace (chapter 4)."""
    ctx = (span or trace.get_current_span()).get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None
