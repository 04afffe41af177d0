"""handbook.prompts.experiments, the one experiment engine: run, save, load, compare, gate (chapters 2 and 4)."""

from __future__ import annotations

import numpy as np
import pytest

from handbook import evaluate
from handbook.errors import ExperimentError, LLMCallError
from handbook.llm import client
from handbook.prompts import experiments
from handbook.records import Reply, Usage


class _Fake:
    """Answers every call from a script. No model involved."""

    def __init__(self, script):
        self.script = list(script)

    def before(self, request):
        item = self.script.pop(0)
        return Reply(item, Usage(20, len(item.split())), 0.1, request.model, "stop",
                     request.prompt_ref, request.prompt_hash)

    def after(self, request, reply, error):
        pass


def test_run_compare_and_gate(tmp_path):
    data = [{"id": f"q{i}", "question": f"q{i}", "answer": "yes"} for i in range(6)]
    fake = _Fake(["yes", "yes", "no", "yes", "no", "yes"])

    def pipeline(item):
        if item["id"] == "q5":
            raise LLMCallError("server down", "start it")
        return client.chat([{"role": "user", "content": item["question"]}], model="gpt-4o-mini", max_tokens=8)

    score = {"exact": lambda item, out: float(out == item["answer"])}
    with client.use(fake):
        a = experiments.run(pipeline, data, score, tmp_path / "a.jsonl", name="a", progress=False)
    assert experiments.load(tmp_path / "a.jsonl") == a
    assert a[0]["params"]["max_tokens"] == 8 and a[0]["prompt_tokens"] == 20 and a[0]["calls"] == 1
    assert a[0]["model"] == "gpt-4o-mini" and a[0]["cost_usd"] > 0
    assert a[5]["error"].startswith("LLMCallError") and a[5]["scores"]["exact"] == 0.0  # recorded, never skipped
    assert (a[5]["calls"], a[5]["model"], a[5]["cost_usd"]) == (0, None, 0)
    assert experiments.scores(a, "exact") == {f"q{i}": float(i in (0, 1, 3)) for i in range(6)}
    b = [dict(r, scores={"exact": 1.0}) for r in a]
    c = experiments.compare(a, b, "exact", n_boot=500)
    assert (c.n, c.mean_a, c.mean_b, c.wins, c.losses) == (6, 0.5, 1.0, 3, 0)
    assert c.ci_low <= c.delta <= c.ci_high and c.significant
    assert experiments.gate([c]).passed
    worse = experiments.compare(b, a, "exact", n_boot=500)
    verdict = experiments.gate([worse], max_drop=0.1)
    assert not verdict.passed and str(verdict).startswith("FAIL")
    assert verdict.lines[0].startswith("FAIL exact: 1.000 -> 0.500")


def test_unknown_price_makes_the_item_cost_unknown():
    with client.use(_Fake(["x"])):
        [row] = experiments.run(lambda item: client.chat([{"role": "user", "content": "x"}], model="llama3.2:1b"),
                                [{"id": 1}], {}, progress=False)
    assert row["cost_usd"] is None and row["calls"] == 1


def test_outputs_keep_mappings_and_texts():
    outputs = [{"a": 1}, Reply("text", Usage(), 0.0, "m"), 42]
    rows = experiments.run(lambda item: outputs[item["id"]], [{"id": i} for i in range(3)], {}, progress=False)
    assert [r["output"] for r in rows] == [{"a": 1}, "text", "42"]


def test_bootstrap_ci_matches_a_direct_computation():
    rng = np.random.default_rng(1)
    a = {f"i{k}": float(v) for k, v in enumerate(rng.random(40))}
    b = {k: v + 0.05 for k, v in a.items()}
    c = experiments.compare_scores(a, b, "m")
    assert c.delta == pytest.approx(0.05) and c.ci_low == pytest.approx(0.05) and c.ci_high == pytest.approx(0.05)


@pytest.mark.parametrize("max_drop, passed", [(0.1, False), (0.3, True), ({"m": 0.3}, True), ({"m": 0.0}, False)])
def test_gate_thresholds(max_drop, passed):
    c = experiments.compare_scores({"a": 1.0, "b": 1.0}, {"a": 0.8, "b": 0.8}, "m")
    assert experiments.gate([c], max_drop=max_drop).passed is passed


@pytest.mark.parametrize("data, message", [
    ([], "dataset is empty"),
    ([{"id": "a"}, {"id": "a"}], "unique 'id'"),
    ([{"x": 1}], "unique 'id'"),
])
def test_bad_datasets(data, message):
    with pytest.raises(ExperimentError, match=message):
        experiments.run(lambda item: "", data, {}, progress=False)


def test_compare_without_shared_items_or_scores():
    with pytest.raises(ExperimentError, match="share no item ids"):
        experiments.compare_scores({"a": 1.0}, {"b": 1.0})
    with pytest.raises(ExperimentError, match="no score 'f1'"):
        experiments.scores([{"id": "a", "scores": {"em": 1.0}}], "f1")


def test_the_engine_is_re_exported_by_evaluate():
    for name in ("run", "compare", "compare_scores", "gate", "Comparison", "GateResult"):
        assert getattr(evaluate, name) is getattr(experiments, name)
