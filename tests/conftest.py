"""Shared fakes for pure-logic tests: a scripted client hook, and no local server.

Only tests marked `@pytest.mark.model` may reach a model server (`make unit`
leaves them out). Every other test runs with the server switched off: starting
it is a no-op, the local port is one where nothing listens, and no endpoint,
key, model, trace or budget comes in from the shell, so an unmarked test
that makes a real call fails fast and visibly instead of quietly using the
server.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from handbook.records import Reply, Request, Usage

CLOSED_PORT = "9"  # the discard port: nothing listens there, so a call is refused at once


@pytest.fixture(autouse=True)
def _offline_unless_model(request, monkeypatch, tmp_path_factory):
    """Keep every test without the `model` marker away from any model server."""
    for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"):
        monkeypatch.delenv(var, raising=False)
    if request.node.get_closest_marker("model"):
        return
    monkeypatch.setattr("handbook.llm.client.ensure_running", lambda cfg=None: None)
    monkeypatch.setattr("handbook.llm.server.ensure_running", lambda cfg=None: None)
    monkeypatch.setenv("HANDBOOK_PORT", CLOSED_PORT)
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "HANDBOOK_TRACE", "HANDBOOK_MODEL", "HANDBOOK_TRUST_ENDPOINT",
                "HANDBOOK_STUDENT", "HANDBOOK_LAB", "HANDBOOK_BUDGET_USD"):
        monkeypatch.delenv(var, raising=False)
    # Spans go to a span file; keep the tests' spans out of the reader's HANDBOOK_HOME/traces.
    monkeypatch.setattr("handbook.telemetry.spanfile.DEFAULT", tmp_path_factory.getbasetemp() / "spans.jsonl")


class Scripted:
    """A client hook that answers every call itself and keeps the requests.

    Answers come from `texts` in order, or from `answer(request)` when given.
    """

    def __init__(self, *texts: str, answer: Callable[[Request], str] | None = None,
                 usage: Usage = Usage(10, 5), latency_s: float = 0.01):
        self.texts, self.answer, self.usage, self.latency_s = list(texts), answer, usage, latency_s
        self.requests: list[Request] = []

    def before(self, request: Request) -> Reply:
        self.requests.append(request)
        text = self.answer(request) if self.answer else self.texts.pop(0)
        return Reply(text, self.usage, self.latency_s, request.model, "stop",
                     request.prompt_ref, request.prompt_hash, cached=True)

    def after(self, request, reply, error) -> None:
        pass


@pytest.fixture
def no_server(monkeypatch):
    """Keep the client from starting the local server (the hook answers instead)."""
    monkeypatch.setattr("handbook.llm.client.ensure_running", lambda cfg=None: None)
    monkeypatch.setattr("handbook.llm.server.ensure_running", lambda cfg=None: None)


@pytest.fixture
def scripted(no_server) -> type[Scripted]:
    return Scripted
