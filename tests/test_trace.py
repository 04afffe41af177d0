"""handbook.cost.trace.Trace, the one call recorder: rows, the JSONL file, report(by=...), unknown prices (chapter 5)."""

from __future__ import annotations

import json
import math

import pytest

from handbook.cost import trace
from handbook.cost.pricing import usd
from handbook.cost.trace import Trace
from handbook.errors import DataFileError, LLMCallError
from handbook.llm import client
from handbook.records import Reply, Request, Usage

MSGS = ({"role": "user", "content": "hello world"},)


class _Fake:
    """Answers every call from a script: text, or an exception to raise. No model involved."""

    def __init__(self, script, model=None):
        self.script, self.model = list(script), model

    def before(self, request):
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return Reply(item, Usage(20, len(item.split())), 0.1 * len(item), self.model or request.model,
                     "stop", request.prompt_ref, request.prompt_hash)

    def after(self, request, reply, error):
        pass


def req(model: str = "gpt-4o", prompt_ref: str | None = None, **params) -> Request:
    return Request(MSGS, model, {"max_tokens": 100, **params}, prompt_ref)


def reply(model: str = "gpt-4o", prompt: int = 9, completion: int = 100, cached: bool = False) -> Reply:
    return Reply("hi", Usage(prompt, completion), 2.0, model, "stop", cached=cached)


def test_records_one_row_per_call_through_the_client(tmp_path):
    path = tmp_path / "t.jsonl"
    t = Trace(path, tags={"lab": "lab5"})
    # The trace is installed first, so it sees the fake's replies in `after`; the fake answers in `before`.
    with client.use(t), client.use(_Fake(["hello world", LLMCallError("boom", "fix it")])):
        client.chat([{"role": "user", "content": "hi"}], model="gpt-4o-mini", max_tokens=8,
                    prompt_ref="greet@1", prompt_hash="abc")
        with pytest.raises(LLMCallError):
            client.chat([{"role": "user", "content": "again"}])
    assert len(t.rows) == 1  # a hook that raises in `before` stops the call before any `after`
    (row,) = t.rows
    assert list(row) == ["lab", *trace.COLUMNS]
    assert (row["lab"], row["model"], row["prompt_ref"], row["prompt_hash"]) == ("lab5", "gpt-4o-mini", "greet@1", "abc")
    assert row["params"] == {"temperature": 0.0, "max_tokens": 8, "seed": 0}
    assert (row["prompt_tokens"], row["completion_tokens"], row["cached_tokens"], row["error"]) == (20, 2, 0, None)
    assert row["cost_usd"] == pytest.approx(usd("gpt-4o-mini", Usage(20, 2)))
    assert trace.load(path) == t.rows  # the file holds the same rows
    assert "hi" not in json.dumps(row) and "hello world" not in path.read_text()  # texts are never written


def test_records_failed_calls():
    t = Trace()
    request = req()
    t.before(request)
    t.after(request, None, LLMCallError("Chat call failed: timeout\nmore", "retry"))
    (row,) = t.rows
    assert row["error"] == "LLMCallError: Chat call failed: timeout" and row["latency_s"] >= 0
    assert (row["prompt_tokens"], row["cost_usd"], row["finish_reason"], row["cached"]) == (0, 0.0, None, False)
    assert row["params"]["max_tokens"] == 100


@pytest.mark.parametrize("model, price_as", [
    ("llama3.2:1b", None),           # a model the price table does not know (e.g. served by Ollama)
    ("gpt-4o", "no-such-model"),     # billed at the rates of an unknown model
])
def test_an_unknown_price_is_none_never_zero_and_never_raises(model, price_as):
    t = Trace(price_as=price_as)
    t.after(req(model), reply(model), None)  # the call succeeded: recording it must not fail
    assert t.rows[0]["cost_usd"] is None and t.total_usd is None
    table = trace.report(t)
    assert math.isnan(table.loc[model, "usd"]) and math.isnan(table.loc[model, "usd_per_call"])
    assert table.loc[model, "calls"] == 1
    assert math.isnan(t.frame()["cost_usd"][0])


def test_a_group_with_one_unknown_price_is_unknown():
    t = Trace(tags={"lab": "lab5"})
    t.after(req(), reply(), None)
    t.after(req("llama3.2:1b"), reply("llama3.2:1b"), None)
    assert t.total_usd is None
    assert math.isnan(trace.report(t, by="lab").loc["lab5", "usd"])
    by_model = trace.report(t, by="model")
    assert by_model.loc["gpt-4o", "usd"] == pytest.approx(usd("gpt-4o", Usage(9, 100)))


def test_local_models_are_free_unless_priced_as():
    local = "qwen2.5-coder-1.5b-instruct"
    free, shadow = Trace(), Trace(price_as="gpt-4o")
    for t in (free, shadow):
        t.after(req(local), reply(local, 1000, 1000), None)
    assert free.total_usd == 0.0
    assert shadow.total_usd == pytest.approx(usd("gpt-4o", Usage(1000, 1000)))


def test_report_by_model_prompt_and_tags():
    t = Trace(tags={"lab": "lab5"})
    t.after(req(), reply(), None)
    t.after(req("gpt-4o-mini", prompt_ref="qa@2"), reply("gpt-4o-mini"), None)
    t.after(req(), reply(cached=True), None)
    table = trace.report(t, by="model")
    assert list(table.columns) == ["calls", "cache_hits", "prompt_tokens", "completion_tokens", "usd", "latency_s",
                                   "usd_per_call"]
    assert table.loc["gpt-4o", "calls"] == 2 and table.loc["gpt-4o", "cache_hits"] == 1
    assert table.loc["gpt-4o", "prompt_tokens"] == 18
    assert table.loc["gpt-4o-mini", "usd"] == pytest.approx(usd("gpt-4o-mini", Usage(9, 100)))
    assert list(trace.report(t, by="prompt_ref").index) == ["-", "qa@2"]  # no prompt ref: "-"
    both = trace.report(t.rows, by=["lab", "model"])
    assert list(both.index) == [("lab5", "gpt-4o"), ("lab5", "gpt-4o-mini")]
    assert trace.report(t.frame(), by="model").equals(table)  # a Trace, rows or a DataFrame


def test_many_traces_share_one_file(tmp_path):
    path = tmp_path / "trace.jsonl"
    for lab in ("lab3", "lab5", "lab5"):
        Trace(path, tags={"lab": lab}).after(req(), reply(), None)
    rows = trace.load(path)
    assert list(trace.report(rows, by="lab")["calls"]) == [1, 2]
    assert set(trace.frame(rows).columns) == {"lab", *trace.COLUMNS}


def test_load_names_a_bad_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"model": "a"}\n{"model": \n')
    with pytest.raises(DataFileError, match=r"t\.jsonl:2: not valid JSON"):
        trace.load(path)


def test_plot_draws_one_bar_per_group():
    t = Trace()
    t.after(req(), reply(), None)
    t.after(req("gpt-4o-mini"), reply("gpt-4o-mini"), None)
    ax = trace.plot(trace.report(t), "calls")
    assert len(ax.patches) == 2 and ax.get_xlabel() == "calls"
