"""Configuring the OpenTelemetry SDK from the standard environment variables (chapter 4).

The first span calls `ensure()`: unless the application already set a tracer
provider, or `OTEL_SDK_DISABLED=true`, it installs one with

* an OTLP/HTTP (protobuf) exporter, batched, when `OTEL_EXPORTER_OTLP_ENDPOINT`
  or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (Phoenix, Langfuse, Jaeger, a vendor);
* the local span file (`spanfile`), written span by span;
* the sampler the standard `OTEL_TRACES_SAMPLER(_ARG)` variables choose, and
  `service.name` from `OTEL_SERVICE_NAME` (default `handbook`);
* a meter provider with an in-memory reader (`metric_points()`) and, with an
  endpoint, an OTLP metric exporter.

The SDK is imported by the telemetry modules only, on first use, so `import handbook`
stays fast.

Deliberately left out: logs, gRPC, and changing the exporters after the first span
(`add_processor` is for tests and benchmarks).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from opentelemetry.sdk.trace import SpanProcessor

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"done": False, "provider": None, "fanout": None, "reader": None}


def disabled() -> bool:
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


def otlp_endpoint() -> str | None:
    return os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")


def ensure():
    """Configure the SDK once per process, unless disabled or the app did (chapter 4); the provider or None."""
    if _STATE["done"]:
        return _STATE["provider"]
    with _LOCK:
        if not _STATE["done"]:
            from opentelemetry import trace

            if not disabled() and isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
                configure()
            _STATE["done"] = True
    return _STATE["provider"]


class _Fanout(SpanProcessor):
    """A span processor whose list of processors can change (tests and benchmarks add their own)."""

    def __init__(self, processors):
        self.processors = list(processors)

    def _on_ending(self, span):
        for p in self.processors:
            p._on_ending(span)

    def on_start(self, span, parent_context=None):
        for p in self.processors:
            p.on_start(span, parent_context=parent_context)

    def on_end(self, span):
        for p in self.processors:
            p.on_end(span)

    def shutdown(self):
        for p in self.processors:
            p.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(p.force_flush(timeout_millis) for p in self.processors)


def configure():
    """Install the SDK's tracer and meter providers as described above (chapter 4)."""
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    from .spanfile import FileProcessor

    attrs = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": "handbook"}
    resource = Resource.create(attrs)
    processors: list[Any] = [FileProcessor()]
    readers: list[Any] = [InMemoryMetricReader()]
    if otlp_endpoint():
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        processors.append(BatchSpanProcessor(OTLPSpanExporter()))
        if os.environ.get("OTEL_METRICS_EXPORTER", "otlp") != "none":
            readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    provider = TracerProvider(resource=resource)
    fanout = _Fanout(processors)
    provider.add_span_processor(fanout)
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    _STATE.update(provider=provider, fanout=fanout, reader=readers[0])
    return provider


def add_processor(processor) -> None:
    """Send spans to one more SDK span processor too, e.g. an OTLP exporter in a test (chapter 4)."""
    if ensure() is None:
        raise RuntimeError("OpenTelemetry is disabled or configured by the application")
    _STATE["fanout"].processors.append(processor)


def remove_processor(processor) -> None:
    fanout = _STATE["fanout"]
    if fanout is not None and processor in fanout.processors:
        fanout.processors.remove(processor)


def flush() -> None:
    """Export every finished span now (before reading a file or leaving a notebook) (chapter 4)."""
    if _STATE["provider"] is not None:
        _STATE["provider"].force_flush()


def metric_points() -> list[dict[str, Any]]:
    """The GenAI client histograms so far, one dict per (metric, attribute set) (chapter 4)."""
    reader = _STATE["reader"]
    data = reader.get_metrics_data() if reader is not None else None
    out = []
    for rm in getattr(data, "resource_metrics", None) or []:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                for p in m.data.data_points:
                    out.append({"metric": m.name, "unit": m.unit, **dict(p.attributes), "count": p.count,
                                "sum": p.sum, "bounds": list(p.explicit_bounds), "buckets": list(p.bucket_counts)})
    return out
