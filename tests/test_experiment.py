"""handbook.experiment: label parsing, tidy rows, summary and the regression gate (chapter 2)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from handbook import client, experiment
from handbook.errors import HandbookError

LABELS = ["billing", "shipping", "returns"]


@pytest.mark.parametrize("text, expected", [
    ("billing", "billing"),
    ("Billing.", "billing"),
    ("The customer wants a refund.\nCategory: returns", "returns"),
    ("Not shipping but billing.\nCategory: **billing**", "billing"),
    ("category: shipping ... final Category: returns", "returns"),
    ("Category: refunds, I think billing", "billing"),
    ("I cannot tell.", None),
])
def test_extract_label(text, expected):
    assert experiment.extract_label(text, LABELS) == expected


class ByTicket:
    """Answers each ticket with a fixed label per prompt ref (a fake for pure logic)."""

    def __init__(self, answers):
        self.answers = answers

    def before(self, request):
        ticket = request.messages[-1]["content"]
        text = self.answers[request.prompt_ref].get(ticket, "billing")
        return client.Reply(text, client.Usage(100, 2), 0.5, request.model, "stop",
                            request.prompt_ref, request.prompt_hash, cached=True)

    def after(self, request, reply, error):
        pass


ITEMS = [{"id": f"T{i}", "text": t, "category": c} for i, (t, c) in
         enumerate([("a", "billing"), ("b", "shipping"), ("c", "returns"), ("d", "billing")])]


def wrap(t):
    return f"<ticket>\n{t}\n</ticket>"


def test_run_and_summary(monkeypatch):
    monkeypatch.setattr("handbook.server.ensure_running", lambda cfg=None: None)
    answers = {"ticket-triage@1": {}, "ticket-triage@2": {wrap("b"): "shipping", wrap("c"): "returns"}}
    with client.use(ByTicket(answers)):
        rows = experiment.run(["ticket-triage@1", experiment.Variant("ticket-triage@2", "v2", every=2)], ITEMS,
                              inputs={"ticket": "text"}, label="category", progress=False)
    assert list(rows.columns[:7]) == ["variant", "ref", "hash", "item", "expected", "predicted", "correct"]
    assert len(rows) == 4 + 2
    table = experiment.summary(rows)
    assert table.loc["ticket-triage@1", "accuracy"] == 0.5 and table.loc["ticket-triage@1", "n"] == 4
    assert table.loc["v2", "accuracy"] == 1.0 and table.loc["v2", "n"] == 2  # items 0 and 2 only
    assert table.loc["v2", "prompt_tokens"] == 100 and table.loc["v2", "usd"] == 0.0


def test_run_rejects_bad_data():
    with pytest.raises(HandbookError, match="empty"):
        experiment.run(["ticket-triage@1"], [], inputs={"ticket": "text"}, label="category")
    with pytest.raises(HandbookError, match="lack the key"):
        experiment.run(["ticket-triage@1"], [{"text": "x"}], inputs={"ticket": "text"}, label="category")


TABLE = pd.DataFrame({"accuracy": [0.70, 0.80, 0.69]}, index=["v1", "v2", "v3"])


@pytest.mark.parametrize("baseline, candidate, tolerance, passed, delta", [
    ("v1", "v2", 0.0, True, 0.1),
    ("v1", "v1", 0.0, True, 0.0),
    ("v1", "v3", 0.0, False, -0.01),
    ("v1", "v3", 0.02, True, -0.01),
])
def test_regression_gate(baseline, candidate, tolerance, passed, delta):
    gate = experiment.regression(TABLE, baseline, candidate, tolerance=tolerance)
    assert gate.passed is passed and math.isclose(gate.delta, delta)
    assert str(gate).startswith("PASS" if passed else "FAIL")


def test_regression_unknown_variant():
    with pytest.raises(HandbookError, match="No variant 'v9'"):
        experiment.regression(TABLE, "v1", "v9")


def test_usd_local_is_free():
    assert experiment.usd("qwen2.5-coder-1.5b-instruct", client.Usage(1000, 1000)) == 0.0
