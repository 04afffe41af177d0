"""Send the spans of a span file to an OTLP backend after the fact (chapter 4).

A lab run offline writes its spans to a local file (`spanfile`). To look at
them in a trace viewer later, replay the file: each record becomes an SDK
`ReadableSpan` with its original trace id, span id, parent, times, status and
attributes, and goes out through the standard OTLP/HTTP exporter, so the viewer
shows the same trees as if the endpoint had been set during the run.

    send(spanfile.read("runs/lab4b/2 model swap.jsonl"), "http://127.0.0.1:6006/v1/traces")

Deliberately left out: span kinds and events (the span file does not keep them),
and metrics (they are aggregated in the process that made them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..errors import TelemetryError


def _ns(iso: str | None) -> int | None:
    return None if iso is None else int(datetime.fromisoformat(iso).timestamp() * 1e9)


def readable(records: Iterable[Mapping[str, Any]], service: str = "handbook") -> list:
    """Span records as SDK `ReadableSpan`s, ready for any span exporter (chapter 4)."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import Status, StatusCode

    resource = Resource.create({"service.name": service})
    flags = trace.TraceFlags(trace.TraceFlags.SAMPLED)
    out = []
    for rec in records:
        if not rec.get("span_id") or not rec.get("trace_id"):
            continue  # a row written without a span (OpenTelemetry was off)
        tid = int(rec["trace_id"], 16)
        ctx = trace.SpanContext(tid, int(rec["span_id"], 16), is_remote=False, trace_flags=flags)
        parent = (trace.SpanContext(tid, int(rec["parent_id"], 16), is_remote=False, trace_flags=flags)
                  if rec.get("parent_id") else None)
        start = _ns(rec.get("start"))
        end = start + int(rec["duration_s"] * 1e9) if start is not None and rec.get("duration_s") is not None \
            else _ns(rec.get("end"))
        status = StatusCode[rec["status"]] if rec.get("status") in StatusCode.__members__ else StatusCode.UNSET
        out.append(ReadableSpan(name=rec["name"], context=ctx, parent=parent, resource=resource,
                                attributes=dict(rec.get("attributes") or {}), start_time=start, end_time=end,
                                status=Status(status)))
    return out


def send(records: Iterable[Mapping[str, Any]], endpoint: str | None = None, service: str = "handbook") -> int:
    """Export span records over OTLP/HTTP (`endpoint`, else the OTEL_* variables); how many were sent (chapter 4)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    spans = readable(records, service)
    exporter = OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
    try:
        if spans and exporter.export(spans) is not SpanExportResult.SUCCESS:
            raise TelemetryError(f"The OTLP endpoint {endpoint or '(from OTEL_*)'} did not take {len(spans)} spans.",
                                 "start the backend (e.g. `make observe`) and check the endpoint's URL")
    finally:
        exporter.shutdown()
    return len(spans)
