"""User feedback linked to the trace of the answer it is about (chapter 4).

A thumbs-down is only useful if you can see what produced the answer: which
model, which prompt version, what retrieval found, how long it took. So the
application hands the client the request's W3C `traceparent` (as `handbook
serve` can in a response header), the client sends it back with the rating, and

    fb = feedback.record(traceparent, score=0, comment="wrong number", path="runs/feedback.jsonl")

appends one JSON line `{trace_id, span_id, score, comment, time}` and adds a
`feedback` span to that very trace, as a child of the request's root span, so a
trace viewer shows the rating under the answer. `join(feedbacks, spans)` turns
them back into rows with the trace's model, prompt version and tokens, ready
for "which prompt version gets the thumbs-down?".

    traceparent(span) -> "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

Deliberately left out: authenticating who gives feedback, and free-text analysis
of comments. Comments are user text: they are stored, never put in spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry import trace

from ..errors import EvaluationError
from ..files import append_jsonl, read_jsonl
from ..telemetry import tracer

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def traceparent(span: trace.Span | None = None) -> str:
    """The W3C traceparent of the current (or given) span, to hand to a client (chapter 4)."""
    ctx = (span or trace.get_current_span()).get_span_context()
    if not ctx.is_valid:
        raise EvaluationError("There is no trace to link feedback to.", "call this inside a request's root span")
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def parse(parent: str) -> tuple[str, str]:
    """(trace_id, span_id) of a traceparent string (chapter 4)."""
    m = _TRACEPARENT.match(parent.strip().lower())
    if not m or set(m.group(1)) == {"0"} or set(m.group(2)) == {"0"}:
        raise EvaluationError(f"Not a W3C traceparent: {parent!r}.",
                              "pass the value traceparent(span) gave, 00-<32 hex>-<16 hex>-<2 hex>")
    return m.group(1), m.group(2)


@dataclass(frozen=True)
class Feedback:
    """One user rating of one answer, with the trace it belongs to (chapter 4)."""

    trace_id: str
    span_id: str
    score: float
    comment: str = ""
    time: str = ""


def record(parent: str, score: float, comment: str = "", path: str | Path | None = None) -> Feedback:
    """Store a rating for the request `parent` names, and add a `feedback` span to its trace (chapter 4)."""
    trace_id, span_id = parse(parent)
    fb = Feedback(trace_id, span_id, float(score), comment, datetime.now(UTC).isoformat(timespec="seconds"))
    remote = trace.SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=True,
                               trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED))
    ctx = trace.set_span_in_context(trace.NonRecordingSpan(remote))
    with tracer().start_as_current_span("feedback", context=ctx,
                                        attributes={"handbook.feedback.score": fb.score,
                                                    "handbook.feedback.has_comment": bool(comment)}):
        pass
    if path is not None:
        append_jsonl(path, asdict(fb))
    return fb


def load(path: str | Path) -> list[Feedback]:
    """The ratings stored in a feedback file (chapter 4)."""
    return [Feedback(**r) for r in read_jsonl(path)]


def join(feedbacks: Iterable[Feedback], spans: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each rating with its trace's (first non-judge) chat span: model, prompt, tokens, latency (chapter 4)."""
    chats: dict[str, Mapping[str, Any]] = {}
    for s in spans:
        a = s.get("attributes", {})
        if (a.get("gen_ai.operation.name") == "chat" and s.get("trace_id") not in chats
                and not str(a.get("handbook.prompt.ref") or "").startswith("judge_")):
            chats[s["trace_id"]] = a
    rows = []
    for fb in feedbacks:
        a = chats.get(fb.trace_id, {})
        rows.append({"trace_id": fb.trace_id, "score": fb.score, "comment": fb.comment, "found": bool(a),
                     "model": a.get("gen_ai.response.model") or a.get("gen_ai.request.model"),
                     "prompt_ref": a.get("handbook.prompt.ref"),
                     "input_tokens": a.get("gen_ai.usage.input_tokens"),
                     "latency_s": a.get("handbook.latency_s")})
    return rows
