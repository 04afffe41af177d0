"""handbook.prompts.variants: label parsing, tidy rows, summary, self-consistency and the release gate (chapter 2)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from handbook.errors import ExperimentError
from handbook.llm import client
from handbook.prompts import variants
from handbook.prompts.experiments import GateResult
from handbook.records import Usage

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
    assert variants.extract_label(text, LABELS) == expected


ITEMS = [{"id": f"T{i}", "text": t, "category": c} for i, (t, c) in
         enumerate([("a", "billing"), ("b", "shipping"), ("c", "returns"), ("d", "billing")])]


def wrap(t):
    return f"<ticket>\n{t}\n</ticket>"


def by_ticket(answers):
    """Answer each ticket with a fixed label per prompt ref (default: billing)."""
    return lambda request: answers[request.prompt_ref].get(request.messages[-1]["content"], "billing")


def test_run_and_summary(scripted):
    answers = {"ticket-triage@1": {}, "ticket-triage@2": {wrap("b"): "shipping", wrap("c"): "returns"}}
    with client.use(scripted(answer=by_ticket(answers), usage=Usage(100, 2))):
        rows = variants.run(["ticket-triage@1", variants.Variant("ticket-triage@2", "v2")], ITEMS,
                              inputs={"ticket": "text"}, label="category", progress=False)
    assert list(rows.columns[:7]) == ["variant", "ref", "hash", "item", "expected", "predicted", "correct"]
    assert len(rows) == 4 + 4
    table = variants.summary(rows)
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
    assert variants.majority_vote(votes) == (winner, agreement)


def test_self_consistency_samples_with_seeds_and_sums_the_cost(scripted):
    replies = iter(["Category: returns", "Category: billing", "Category: returns"] * 4)
    sc = variants.Variant("ticket-triage-steps@1", "sc", max_tokens=32, temperature=0.8, samples=3)
    with client.use(scripted(answer=lambda request: next(replies))) as fake:
        rows = variants.run([sc], ITEMS, inputs={"ticket": "text"}, label="category", progress=False)
    assert [r.params["seed"] for r in fake.requests[:3]] == [0, 1, 2]
    assert {r.params["temperature"] for r in fake.requests} == {0.8}
    assert list(rows["predicted"]) == ["returns"] * 4 and list(rows["agreement"]) == [0.667] * 4
    assert list(rows["prompt_tokens"]) == [30] * 4 and list(rows["completion_tokens"]) == [15] * 4


@pytest.mark.parametrize("samples, temperature", [(0, 0.8), (3, 0.0), (5, -1.0)])
def test_a_vote_needs_samples_and_temperature(samples, temperature):
    with pytest.raises(ExperimentError, match="samples=1 for greedy"):
        variants.Variant("ticket-triage-steps@1", samples=samples, temperature=temperature)


def test_run_rejects_bad_data():
    with pytest.raises(ExperimentError, match="empty"):
        variants.run(["ticket-triage@1"], [], inputs={"ticket": "text"}, label="category")
    with pytest.raises(ExperimentError, match="lack the key"):
        variants.run(["ticket-triage@1"], [{"text": "x"}], inputs={"ticket": "text"}, label="category")


def rows_of(**correct: list[bool]) -> pd.DataFrame:
    """Tidy rows as `run` returns them, one per (variant, item), from each variant's per-item correctness."""
    return pd.DataFrame([{"variant": name, "item": f"T{i}", "correct": ok}
                         for name, oks in correct.items() for i, ok in enumerate(oks)])


ROWS = rows_of(v1=[True] * 7 + [False] * 3, v2=[True] * 8 + [False] * 2, v3=[True] * 6 + [False] * 4)


@pytest.mark.parametrize("baseline, candidate, max_drop, passed, line", [
    ("v1", "v2", 0.0, True, "ok   accuracy: 0.700 -> 0.800 (delta +0.100"),
    ("v1", "v1", 0.0, True, "ok   accuracy: 0.700 -> 0.700 (delta +0.000"),
    ("v1", "v3", 0.0, False, "FAIL accuracy: 0.700 -> 0.600 (delta -0.100"),
    ("v1", "v3", 0.1, True, "allowed drop 0.100"),
])
def test_regression_gate(baseline, candidate, max_drop, passed, line):
    gate = variants.regression(ROWS, baseline, candidate, max_drop=max_drop)
    assert isinstance(gate, GateResult) and gate.passed is passed
    assert len(gate.lines) == 1 and line in gate.lines[0]
    assert str(gate).startswith("PASS" if passed else "FAIL")


def test_regression_pairs_items_and_says_when_it_could_be_noise():
    swapped = rows_of(a=[True, False] * 10, b=[False, True] * 10)  # same accuracy, every item changed
    gate = variants.regression(swapped, "a", "b", n_boot=500)
    assert gate.passed and "could be noise" in gate.lines[0]
    clear = rows_of(a=[False] * 20, b=[True] * 20)
    assert "CI excludes 0" in variants.regression(clear, "a", "b").lines[0]


def test_regression_unknown_variant():
    with pytest.raises(ExperimentError, match="No variant 'v9'") as err:
        variants.regression(ROWS, "v1", "v9")
    assert "v1, v2, v3" in err.value.fix


def test_local_calls_are_free_and_unpriced_ones_unknown(scripted):
    with client.use(scripted(answer=lambda request: "billing")):
        local = variants.run(["ticket-triage@1"], ITEMS, inputs={"ticket": "text"}, label="category", progress=False)
        unpriced = variants.run(["ticket-triage@1"], ITEMS, inputs={"ticket": "text"}, label="category",
                                model="llama3.2:1b", progress=False)
    assert list(local["usd"]) == [0.0] * 4 and variants.summary(local)["usd"].iloc[0] == 0.0
    assert unpriced["usd"].isna().all() and math.isnan(variants.summary(unpriced)["usd"].iloc[0])


def test_a_failing_call_is_a_wrong_row_not_a_missing_one(scripted):
    from handbook.errors import LLMCallError

    class Down:
        def before(self, request):
            raise LLMCallError("server down", "start it")

        def after(self, request, reply, error):
            pass

    with client.use(Down()):
        rows = variants.run(["ticket-triage@1"], ITEMS, inputs={"ticket": "text"}, label="category", progress=False)
    assert len(rows) == 4 and not rows["correct"].any()
    assert rows["reply"].iloc[0] == "LLMCallError: server down" and rows["predicted"].isna().all()
