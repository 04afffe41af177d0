"""Shared fakes for pure-logic tests: a scripted client hook, and no local server.

Tests that talk to the real local model do not use these; they are for the
logic around a call (retries, parsing, widgets, experiment bookkeeping).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from handbook import client


class Scripted:
    """A client hook that answers every call itself and keeps the requests.

    Answers come from `texts` in order, or from `answer(request)` when given.
    """

    def __init__(self, *texts: str, answer: Callable[[client.Request], str] | None = None,
                 usage: client.Usage = client.Usage(10, 5), latency_s: float = 0.01):
        self.texts, self.answer, self.usage, self.latency_s = list(texts), answer, usage, latency_s
        self.requests: list[client.Request] = []

    def before(self, request: client.Request) -> client.Reply:
        self.requests.append(request)
        text = self.answer(request) if self.answer else self.texts.pop(0)
        return client.Reply(text, self.usage, self.latency_s, request.model, "stop",
                            request.prompt_ref, request.prompt_hash, cached=True)

    def after(self, request, reply, error) -> None:
        pass


@pytest.fixture
def no_server(monkeypatch):
    """Keep `client` from starting the local server (the hook answers instead)."""
    monkeypatch.setattr("handbook.server.ensure_running", lambda cfg=None: None)


@pytest.fixture
def scripted(no_server) -> type[Scripted]:
    return Scripted
