"""handbook.telemetry (chapter 4): a RAG question's spans, sent over OTLP/HTTP to a receiver on loopback.

The receiver is a tiny HTTP server that decodes the protobuf
ExportTraceServiceRequest with `opentelemetry-proto`, as any backend does.
The chat call is answered by a scripted hook (no model), the embedder is a
bag of words wrapped in the same `embeddings_span` as the real one.
"""

from __future__ import annotations

import http.server
import re
import threading

import numpy as np
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from handbook import telemetry
from handbook.errors import LLMCallError
from handbook.llm import client
from handbook.rag import index as ix
from handbook.rag.answer import ask
from handbook.rag.spans import embeddings_span
from handbook.records import Chunk
from handbook.telemetry import setup

QUESTION = "Which animal chases the cat?"
TEXTS = ["the cat sat on the mat", "dogs chase the cat", "faiss index flat search vectors"]


class BagOfWords:
    name, dim = "bag-of-words", 64

    @embeddings_span
    def embed(self, texts, progress=False, use_cache=True):
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for w in re.findall(r"\w\w+", text.lower()):
                out[row, sum(map(ord, w)) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture
def receiver():
    """An OTLP/HTTP trace receiver on 127.0.0.1; yields (endpoint, list of received spans as dicts)."""
    spans: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            assert self.path == "/v1/traces" and self.headers["Content-Type"] == "application/x-protobuf"
            req = ExportTraceServiceRequest()
            req.ParseFromString(body)
            for rs in req.resource_spans:
                for ss in rs.scope_spans:
                    for s in ss.spans:
                        attrs = {a.key: _value(a.value) for a in s.attributes}
                        spans.append({"name": s.name, "trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                                      "parent": s.parent_span_id.hex() or None, "attributes": attrs,
                                      "status": s.status.code, "raw": body})
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1/traces", spans
    server.shutdown()


def _value(v):
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    return getattr(v, kind)


def _run(endpoint, scripted):
    processor = SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint))
    setup.add_processor(processor)
    try:
        emb = BagOfWords()
        chunks = [Chunk(f"d{i}.md", t, 0, len(t), 1, 1) for i, t in enumerate(TEXTS)]
        index = ix.from_vectors(emb.embed(TEXTS), chunks, emb.name)
        with client.use(scripted(answer=lambda r: "Dogs do [2].")):
            ask(QUESTION, index, k=2, embedder=emb)
    finally:
        setup.remove_processor(processor)


def test_a_rag_question_is_one_trace_with_genai_spans(receiver, scripted):
    endpoint, spans = receiver
    _run(endpoint, scripted)
    by_name = {s["name"]: s for s in spans}
    root = by_name["ask"]
    assert root["parent"] is None
    tree = {s["name"] for s in spans if s["trace_id"] == root["trace_id"]}
    chat_name = next(n for n in tree if n.startswith("chat "))
    assert tree == {"ask", "embeddings bag-of-words", "retrieval dense", chat_name}
    retrieval, chat = by_name["retrieval dense"], by_name[chat_name]
    assert by_name["embeddings bag-of-words"]["parent"] == retrieval["span_id"]  # the query's embedding
    assert retrieval["parent"] == chat["parent"] == root["span_id"]
    r = retrieval["attributes"]
    assert (r["gen_ai.operation.name"], r["handbook.retrieval.hits"], r["handbook.retrieval.k"]) == ("retrieval", 2, 2)
    assert r["handbook.retrieval.top_score"] > 0
    a = chat["attributes"]
    model = a["gen_ai.request.model"]
    assert chat_name == f"chat {model}"
    assert {k: a[k] for k in ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.temperature",
                              "gen_ai.request.max_tokens", "gen_ai.response.model",
                              "gen_ai.response.finish_reasons", "gen_ai.usage.input_tokens",
                              "gen_ai.usage.output_tokens", "server.address", "server.port",
                              "handbook.prompt.ref", "handbook.cache_hit")} == {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "llama.cpp", "gen_ai.request.temperature": 0.0,
        "gen_ai.request.max_tokens": 200, "gen_ai.response.model": model, "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5, "server.address": "127.0.0.1",
        "server.port": 9, "handbook.prompt.ref": "rag_answer@1", "handbook.cache_hit": True}
    assert len(a["handbook.prompt.hash"]) == 64
    # By default no message content: the question is nowhere in what was sent.
    assert all(QUESTION.encode() not in s["raw"] and "cat" not in str(s["attributes"]) for s in spans)


def test_content_is_captured_only_when_asked_and_filtered(receiver, scripted, monkeypatch):
    endpoint, spans = receiver
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    telemetry.set_content_filter(lambda text: text.replace("cat", "[ANIMAL]"))
    try:
        _run(endpoint, scripted)
    finally:
        telemetry.set_content_filter(None)
    chat = next(s for s in spans if s["name"].startswith("chat "))
    sent = chat["attributes"]["gen_ai.input.messages"]
    assert "Which animal chases the [ANIMAL]?" in sent and "cat" not in sent
    assert "Dogs do [2]." in chat["attributes"]["gen_ai.output.messages"]


def test_a_failed_call_sets_error_type_and_status(receiver, monkeypatch):
    endpoint, spans = receiver
    processor = SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint))
    setup.add_processor(processor)
    try:
        with pytest.raises(LLMCallError):
            client.chat([{"role": "user", "content": "hi"}])  # the closed port refuses it
    finally:
        setup.remove_processor(processor)
    (span,) = spans
    assert span["attributes"]["error.type"] == "LLMCallError" and span["status"] == 2  # STATUS_CODE_ERROR


def test_root_span_starts_a_new_trace():
    with telemetry.root_span("POST /ask") as outer, telemetry.root_span("POST /ask") as inner:
        assert telemetry.trace_id(outer) != telemetry.trace_id(inner)
    assert telemetry.trace_id() is None
