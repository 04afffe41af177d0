"""Fuzz the app's OpenAPI document with schemathesis (chapter 7): every generated request, valid or
not, must get a documented answer and never a 5xx. The app runs under uvicorn on loopback in front
of the real index; the model is the scripted fake, so the fuzz is fast and bounded."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from serve_fakes import FakeModelServer, Uvicorn

from handbook.rag import chunk, load_documents
from handbook.rag.index import build as build_index
from handbook.serve.app import Limits, create_app

KEY = "fuzz-key-1"


@pytest.fixture(scope="module")
def live_url():
    ix = build_index(chunk(load_documents(["data/corpus/03-rag.md"]), 200, 40))
    with FakeModelServer() as fake:
        app = create_app(ix, (KEY,), limits=Limits(per_minute=100_000, burst=1000))
        app.state.pipeline.hits("warm-up", 1)  # load the embedder now, as `handbook serve` does, not in a fuzzed request
        with Uvicorn(app) as url:
            yield url, fake.url


def test_no_server_errors(live_url, monkeypatch):
    live_url, model_url = live_url
    monkeypatch.setenv("OPENAI_BASE_URL", model_url)  # after conftest's autouse fixture clears it
    # schemathesis' lazy pytest loader does not run under pytest 9, so each operation's strategy is drawn here.
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    plan = [(op, mode) for op, mode in itertools.product(operations, GenerationMode)
            if mode is GenerationMode.POSITIVE or op.method.upper() == "POST"]  # a GET without input has no invalid form
    for op, mode in plan:  # valid requests, then invalid ones
        @given(case=op.as_strategy(mode))
        @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(base_url=live_url, headers={"Authorization": f"Bearer {KEY}"})

        fuzz()
