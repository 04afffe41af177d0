"""Spans for the RAG steps: embedding texts, retrieving chunks, answering (chapter 4).

Decorators, so the retrieval code stays as it is and only gains one line:

    @retrieval_span
    def retrieve(index, query, k=5, mode="dense", embedder=None): ...

gives a span `retrieval {mode}` with `gen_ai.operation.name=retrieval`, the
asked-for `k`, and the result's hit count and top score; `@embeddings_span` on
`Embedder.embed` gives `embeddings {model}` with the number of texts. The
query text itself is not recorded unless message capture is on
(`handbook.telemetry.content`).

Deliberately left out: per-chunk attributes (the hit ids are enough to find them).
"""

from __future__ import annotations

import functools
import inspect

from opentelemetry import trace

from ..telemetry import capture_content, filter_content, tracer


def retrieval_span(fn):
    """Wrap a retriever `(index, query, k, mode, ...) -> list[Hit]` in a retrieval span (chapter 4)."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        mode = str(a.get("mode", fn.__name__))
        attrs = {"gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "handbook-index",
                 "handbook.retrieval.mode": mode, "handbook.retrieval.k": int(a.get("k", 0) or 0)}
        if capture_content() and "query" in a:
            attrs["gen_ai.retrieval.query.text"] = filter_content(str(a["query"]))
        with tracer().start_as_current_span(f"retrieval {mode}", kind=trace.SpanKind.INTERNAL,
                                            attributes=attrs) as span:
            hits = fn(*args, **kwargs)
            if span.is_recording():
                span.set_attribute("handbook.retrieval.hits", len(hits))
                if hits:
                    span.set_attribute("handbook.retrieval.top_score", round(float(hits[0].score), 6))
            return hits

    return wrapper


def embeddings_span(fn):
    """Wrap `Embedder.embed(self, texts, ...)` in an embeddings span (chapter 4)."""

    @functools.wraps(fn)
    def wrapper(self, texts, *args, **kwargs):
        texts = list(texts)
        name = str(getattr(self, "name", "embedder"))
        attrs = {"gen_ai.operation.name": "embeddings", "gen_ai.provider.name": "sentence_transformers",
                 "gen_ai.request.model": name, "handbook.embeddings.texts": len(texts)}
        with tracer().start_as_current_span(f"embeddings {name}", kind=trace.SpanKind.CLIENT,
                                            attributes=attrs) as span:
            hits_before = getattr(self, "hits", 0)
            out = fn(self, texts, *args, **kwargs)
            if span.is_recording():
                span.set_attribute("handbook.embeddings.cache_hits", getattr(self, "hits", 0) - hits_before)
                if getattr(out, "ndim", 0) == 2:
                    span.set_attribute("gen_ai.embeddings.dimension.count", int(out.shape[1]))
            return out

    return wrapper


def answer_span(fn):
    """Wrap `ask(question, index, ...)` in the span that parents its retrieval and chat (chapter 4)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with tracer().start_as_current_span("ask", attributes={"handbook.operation": "ask"}) as span:
            answer = fn(*args, **kwargs)
            if span.is_recording():
                span.set_attributes({"handbook.answer.cited": len(answer.cited),
                                     "handbook.answer.abstained": answer.abstained})
            return answer

    return wrapper
