"""handbook.widgets: the playground renders, calls the model once on creation, and reports errors (chapter 2)."""

from __future__ import annotations

import pytest

from handbook import client
from handbook.errors import LLMCallError
from handbook.widgets import Playground


class Echo:
    def __init__(self):
        self.requests = []

    def before(self, request):
        self.requests.append(request)
        return client.Reply("shipping", client.Usage(42, 1), 0.1, request.model, "stop",
                            request.prompt_ref, request.prompt_hash, cached=True)

    def after(self, request, reply, error):
        pass


@pytest.fixture(autouse=True)
def no_server(monkeypatch):
    monkeypatch.setattr("handbook.server.ensure_running", lambda cfg=None: None)


def test_runs_once_on_creation():
    with client.use(Echo()) as fake:
        pg = Playground("ticket-triage@1", {"ticket": "Where is my parcel?"}, temperature=0.3, max_tokens=16)
    assert pg.output.value == "shipping" and "42 prompt + 1 completion tokens" in pg.status.value
    assert fake.requests[0].params["temperature"] == 0.3 and fake.requests[0].params["max_tokens"] == 16
    assert "Where is my parcel?" in pg.sent.value


def test_switching_templates_keeps_values_and_rebuilds_fields():
    with client.use(Echo()):
        pg = Playground("ticket-triage@1", {"ticket": "late"})
        pg.template.value = "ticket-extract@1"
        assert pg.values == {"ticket": "late"}
        assert pg.run().prompt_ref == "ticket-extract@1"


class Down:
    def before(self, request):
        raise LLMCallError("Chat call to the local server failed: connection refused", "run `handbook doctor`")

    def after(self, request, reply, error):
        pass


def test_call_errors_show_in_the_widget_instead_of_raising():
    with client.use(Down()):
        pg = Playground("ticket-triage@2", {"ticket": "x"})
    assert pg.reply is None and "connection refused" in pg.error
    assert "error:" in pg.status.value and pg.output.value == ""
