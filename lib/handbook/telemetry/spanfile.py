"""The local span file: finished spans as JSON lines, so traces work offline (chapter 4).

With no OTLP endpoint set, every finished span is appended to `HANDBOOK_TRACE`
(or, when that is unset too, to `HANDBOOK_HOME/traces/spans.jsonl`). The path is
read at each export, so a lab can switch files by setting the variable. A
recorder such as `handbook.cost.trace.Trace(path)` asks for one span to be
written to its own file as well with `also_write(span, path)`.

    {"name": "chat qwen2.5-0.5b-instruct", "trace_id": "4bf9...", "span_id": "00f0...",
     "parent_id": "a3c1...", "start": "2026-12-02T17:20:01.123Z", "end": "...", "duration_s": 0.412,
     "status": "OK", "attributes": {"gen_ai.operation.name": "chat", ...}}

Deliberately left out: rotation and retention (delete or archive old files), resources and events.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import SpanProcessor

from .. import config
from ..files import append_jsonl, read_jsonl

DEFAULT: Path | None = None  # None: HANDBOOK_HOME/traces/spans.jsonl (tests point it elsewhere)
_EXTRA: dict[int, set[Path]] = {}  # span_id -> more files this span goes to
_LOCK = threading.Lock()


def default_path() -> Path | None:
    """Where spans go locally: HANDBOOK_TRACE, else none when OTLP is set, else HANDBOOK_HOME/traces (chapter 4)."""
    if os.environ.get("HANDBOOK_TRACE"):
        return Path(os.environ["HANDBOOK_TRACE"])
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return None
    return DEFAULT or config.home() / "traces" / "spans.jsonl"


def also_write(span, path: str | Path) -> None:
    """Write this (recording) span to `path` too when it ends (chapter 4)."""
    ctx = span.get_span_context()
    if ctx.is_valid:
        with _LOCK:
            _EXTRA.setdefault(ctx.span_id, set()).add(Path(path))


def iso(ns: int | None) -> str | None:
    return None if ns is None else datetime.fromtimestamp(ns / 1e9, UTC).isoformat(timespec="milliseconds")


def record(span) -> dict[str, Any]:
    """A finished SDK span (`ReadableSpan`) as one JSON-ready dict (chapter 4)."""
    ctx, parent = span.get_span_context(), span.parent
    start, end = span.start_time, span.end_time
    return {
        "name": span.name, "trace_id": format(ctx.trace_id, "032x"), "span_id": format(ctx.span_id, "016x"),
        "parent_id": format(parent.span_id, "016x") if parent else None,
        "start": iso(start), "end": iso(end),
        "duration_s": None if start is None or end is None else round((end - start) / 1e9, 6),
        "status": span.status.status_code.name, "attributes": {k: _plain(v) for k, v in span.attributes.items()},
    }


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


class FileProcessor(SpanProcessor):
    """An SDK span processor that appends each finished span to the span file(s) (chapter 4)."""

    def on_end(self, span) -> None:
        with _LOCK:
            paths = _EXTRA.pop(span.get_span_context().span_id, set())
        main = default_path()
        if main is not None:
            paths.add(main)
        if paths:
            rec = record(span)
            for path in sorted(paths):
                append_jsonl(path, rec)



def read(path: str | Path) -> list[dict[str, Any]]:
    """The span records of a span file (chapter 4)."""
    return read_jsonl(path)


def is_span(rec: dict[str, Any]) -> bool:
    return "span_id" in rec and "attributes" in rec
