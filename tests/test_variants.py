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


ITEMS = [{"id": f"T{i}", "text": t, "category": c} for i, (t, c) in
         enumerate([("a", "billing"), ("b", "shipping"), ("c", "returns"), ("d", "billing")])]


def wrap(t):
    return f"<ticket>\n{t}\n</ticket>"


def by_ticket(answers):
    """Answer each ticket with a fixed label per prompt ref (default: billing)."""
    return lambda request: answers[request.prompt_ref].get(request.messages[-1]["content"], "billing")


def test_run_and_summary(scripted):
    answers = {"ticket-triage@1": {}, "ticket-triage@2": {wrap("b"): "shipping", wrap("c"): "returns"}}
    with client.use(scripted(answer=by_ticket(answers), usage=client.Usage(100, 2))):
        rows = experiment.run(["ticket-triage@1", experiment.Variant("ticket-triage@2", "v2")], ITEMS,
                              inputs={"ticket": "text"}, label="category", progress=False)
    assert list(rows.columns[:7]) == ["variant", "ref", "hash", "item", "expected", "predicted", "correct"]
    assert len(rows) == 4 + 4
    table = experiment.summary(rows)
    assert table.loc["ticket-triage@1", "accuracy"] == 0.5 and table.loc["ticket-triage@1", "n"] == 4
    assert table.loc["v2", "accuracy"] == 1.0 and table.loc["v2", "n"] == 4
    assert table.loc["v2", "prompt_tokens"] == 100 and table.loc["v2", "usd"] == 0.0


@pytest.mark.parametrize("votes, winner, agreement", [
    (["billing"], "billing", 1.0),
    (["billing", "returns", "billing"], "billing", 0.667),
    (["returns", "billing", "billing", "returns"], "returns", 0.5),  # a tie goes to the first seen
    ([None, "shipping", None], "shipping", 0.333),                 # unparseable replies still count as votes
    ([None, None], None, 0.0),
    ([], None, 0.0),
])
def test_majority_vote(votes, winner, agreement):
    assert experiment.majority_vote(votes) == (winner, agreement)


def test_self_consistency_samples_with_seeds_and_sums_the_cost(scripted):
    replies = iter(["Category: returns", "Category: billing", "Category: returns"] * 4)
    sc = experiment.Variant("ticket-triage-steps@1", "sc", max_tokens=32, temperature=0.8, samples=3)
    with client.use(scripted(answer=lambda request: next(replies))) as fake:
        rows = experiment.run([sc], ITEMS, inputs={"ticket": "text"}, label="category", progress=False)
    assert [r.params["seed"] for r in fake.requests[:3]] == [0, 1, 2]
    assert {r.params["temperature"] for r in fake.requests} == {0.8}
    assert list(rows["predicted"]) == ["returns"] * 4 and list(rows["agreement"]) == [0.667] * 4
    assert list(rows["prompt_tokens"]) == [30] * 4 and list(rows["completion_tokens"]) == [15] * 4


@pytest.mark.parametrize("samples, temperature", [(0, 0.8), (3, 0.0), (5, -1.0)])
def test_a_vote_needs_samples_and_temperature(samples, temperature):
    with pytest.raises(HandbookError, match="samples=1 for greedy"):
        experiment.Variant("ticket-triage-steps@1", samples=samples, temperature=temperature)


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


def test_usd_of_a_model_without_a_price_is_nan_not_an_error():
    assert math.isnan(experiment.usd("llama3.2:1b", client.Usage(1000, 1000)))
