"""handbook.prompts.playground: the playground renders, calls the model once on creation, and reports errors (chapter 2)."""

from __future__ import annotations

import pytest

from handbook.errors import LLMCallError
from handbook.llm import client
from handbook.prompts.playground import Playground
from handbook.records import Usage


@pytest.fixture
def echo(scripted):
    return lambda: scripted(answer=lambda request: "shipping", usage=Usage(42, 1), latency_s=0.1)


def test_runs_once_on_creation(echo):
    with client.use(echo()) as fake:
        pg = Playground("ticket-triage@1", {"ticket": "Where is my parcel?"}, temperature=0.3, max_tokens=16)
    assert pg.output.value == "shipping" and "42 prompt + 1 completion tokens" in pg.status.value
    assert fake.requests[0].params["temperature"] == 0.3 and fake.requests[0].params["max_tokens"] == 16
    assert "Where is my parcel?" in pg.sent.value


def test_switching_templates_keeps_values_and_rebuilds_fields(echo):
    with client.use(echo()):
        pg = Playground("ticket-triage@1", {"ticket": "late"})
        pg.template.value = "ticket-extract@1"
        assert pg.values == {"ticket": "late"}
        assert pg.run().prompt_ref == "ticket-extract@1"


class Down:
    def before(self, request):
        raise LLMCallError("Chat call to the local server failed: connection refused", "run `handbook doctor`")

    def after(self, request, reply, error):
        pass


def test_call_errors_show_in_the_widget_instead_of_raising(no_server):
    with client.use(Down()):
        pg = Playground("ticket-triage@2", {"ticket": "x"})
    assert pg.reply is None and "connection refused" in pg.error
    assert "error:" in pg.status.value and pg.output.value == ""
