"""Tracing hook, safe appends, the summary table and dashboard, experiments, the gate, and the CLI."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from handbook import client, experiments, trace
from handbook.cli import main
from handbook.errors import LLMCallError
from handbook.evaluate import EvaluationError, write_qrels, write_run


class _Fake:
    """Answers every call from a script: text, or an exception to raise. No model involved."""

    def __init__(self, script):
        self.script = list(script)

    def before(self, request):
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return client.Reply(item, client.Usage(20, len(item.split())), 0.1 * len(item), request.model,
                            "stop", request.prompt_ref, request.prompt_hash)

    def after(self, request, reply, error):
        pass


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://fake.invalid/v1")  # not the local server: nothing starts
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("HANDBOOK_MODEL", "fake-model")


def test_trace_writer_records_calls_and_errors(tmp_path, offline):
    path = tmp_path / "t.jsonl"
    writer = trace.TraceWriter(path, tags={"config": "A"})
    # The writer is installed first, so it sees the fake's replies in `after`; the fake answers in `before`.
    with client.use(writer), client.use(_Fake(["hello world", LLMCallError("boom", "fix it")])):
        client.chat([{"role": "user", "content": "hi"}], prompt_ref="greet@1", prompt_hash="abc")
        with pytest.raises(LLMCallError):
            client.chat([{"role": "user", "content": "again"}])
    records = trace.read_jsonl(path)
    assert len(records) == 1  # a hook that raises in `before` stops the call before any `after`
    r = records[0]
    assert r["config"] == "A" and r["model"] == "fake-model" and r["prompt_ref"] == "greet@1"
    assert (r["prompt_tokens"], r["completion_tokens"], r["error"]) == (20, 2, None)
    assert "hi" not in json.dumps(r)  # texts are never written


def test_trace_records_failed_calls(tmp_path):
    writer = trace.TraceWriter(tmp_path / "t.jsonl")
    req = client.Request(({"role": "user", "content": "x"},), "m", {"max_tokens": 5})
    writer.before(req)
    writer.after(req, None, LLMCallError("Chat call failed: timeout\nmore", "retry"))
    (r,) = trace.read_jsonl(tmp_path / "t.jsonl")
    assert r["error"] == "LLMCallError: Chat call failed: timeout" and r["latency_s"] >= 0
    assert r["max_tokens"] == 5


def test_appends_from_many_threads_never_interleave(tmp_path):
    path = tmp_path / "t.jsonl"

    def work(k):
        for i in range(50):
            trace.append_jsonl(path, {"thread": k, "i": i, "pad": "x" * 2000})

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = trace.read_jsonl(path)
    assert len(records) == 400 and sorted((r["thread"], r["i"]) for r in records)[-1] == (7, 49)


def _records():
    lat = [0.5, 1.0, 1.5, 2.0, 10.0, 0.7]
    out = [{"model": "a" if i < 4 else "b", "latency_s": x, "prompt_tokens": 10, "completion_tokens": i,
            "cost_usd": 0.001, "error": None} for i, x in enumerate(lat)]
    out.append({"model": "b", "latency_s": 3.0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0,
                "error": "LLMCallError: down"})
    return out


def test_summary_table():
    table = trace.summary(_records())
    row = table.loc["all"]
    assert row["calls"] == 7 and row["errors"] == 1
    assert row["error_rate"] == pytest.approx(1 / 7)
    ok = [0.5, 1.0, 1.5, 2.0, 10.0, 0.7]  # the failed call's latency is left out
    assert row["p50_latency_s"] == pytest.approx(np.percentile(ok, 50))
    assert row["p95_latency_s"] == pytest.approx(np.percentile(ok, 95))
    assert row["completion_tokens"] == sum(range(6)) and row["cost_usd"] == pytest.approx(0.006)
    by_model = trace.summary(_records(), by="model")
    assert list(by_model.index) == ["a", "b"] and by_model.loc["b", "errors"] == 1


def test_summary_and_dashboard_errors(tmp_path):
    with pytest.raises(trace.TraceError, match="no records"):
        trace.summary([])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "a"}\n{"model": \n')
    with pytest.raises(trace.TraceError, match=r"bad\.jsonl:2: not valid JSON"):
        trace.summary(bad)
    fig = trace.dashboard(_records())
    assert len(fig.axes) == 4


def test_experiment_run_compare_and_gate(tmp_path, offline):
    data = [{"id": f"q{i}", "question": f"q{i}", "answer": "yes"} for i in range(6)]
    fake = _Fake(["yes", "yes", "no", "yes", "no", "yes"])

    def pipeline(item):
        if item["id"] == "q5":
            raise LLMCallError("server down", "start it")
        return client.chat([{"role": "user", "content": item["question"]}], max_tokens=8)

    score = {"exact": lambda item, out: float(out == item["answer"])}
    with client.use(fake):
        a = experiments.run(pipeline, data, score, tmp_path / "a.jsonl", name="a", progress=False)
    assert experiments.load(tmp_path / "a.jsonl") == a
    assert a[0]["params"]["max_tokens"] == 8 and a[0]["prompt_tokens"] == 20 and a[0]["calls"] == 1
    assert a[5]["error"].startswith("LLMCallError") and a[5]["scores"]["exact"] == 0.0
    b = [dict(r, scores={"exact": 1.0}) for r in a]
    c = experiments.compare(a, b, "exact", n_boot=500)
    assert (c.n, c.mean_a, c.mean_b, c.wins, c.losses) == (6, 0.5, 1.0, 3, 0)
    assert c.ci_low <= c.delta <= c.ci_high and c.significant
    assert experiments.gate([c]).passed
    worse = experiments.compare(b, a, "exact", n_boot=500)
    verdict = experiments.gate([worse], max_drop=0.1)
    assert not verdict.passed and str(verdict).startswith("FAIL")


def test_bootstrap_ci_matches_a_direct_computation():
    rng = np.random.default_rng(1)
    a = {f"i{k}": float(v) for k, v in enumerate(rng.random(40))}
    b = {k: v + 0.05 for k, v in a.items()}
    c = experiments.compare_scores(a, b, "m")
    assert c.delta == pytest.approx(0.05) and c.ci_low == pytest.approx(0.05) and c.ci_high == pytest.approx(0.05)


@pytest.mark.parametrize("data, message", [
    ([], "dataset is empty"),
    ([{"id": "a"}, {"id": "a"}], "unique 'id'"),
    ([{"x": 1}], "unique 'id'"),
])
def test_bad_datasets(data, message):
    with pytest.raises(EvaluationError, match=message):
        experiments.run(lambda item: "", data, {}, progress=False)


def test_compare_without_shared_items():
    with pytest.raises(EvaluationError, match="share no item ids"):
        experiments.compare_scores({"a": 1.0}, {"b": 1.0})


def test_cli_eval_retrieval(tmp_path, capsys):
    write_qrels({"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 1}}, tmp_path / "qrels")
    write_run({"q1": {"d1": 2.0, "d9": 1.0}, "q2": {"d3": 5.0}, "q9": {"d1": 1.0}}, tmp_path / "run")
    assert main(["eval", "retrieval", str(tmp_path / "qrels"), str(tmp_path / "run"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["num_q"] == 2 and out["recip_rank"] == 1.0 and out["P_5"] == pytest.approx(0.2)
    assert {"map", "ndcg_cut_10", "recall_10"} <= set(out)
    assert main(["eval", "retrieval", str(tmp_path / "qrels"), str(tmp_path / "run"), "-m", "P_1"]) == 0
    captured = capsys.readouterr()
    assert "P_1                   \tall\t1.0000" in captured.out and "skipped" in captured.err


def test_cli_errors_name_file_and_line(tmp_path, capsys):
    (tmp_path / "qrels").write_text("q1 0 d1 1\nq1 d2 1\n")
    (tmp_path / "run").write_text("q1 Q0 d1 1 1.0 x\n")
    assert main(["eval", "retrieval", str(tmp_path / "qrels"), str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "qrels:2: expected 4 fields" in err and "fix:" in err


def test_cli_trace_summary(tmp_path, capsys):
    for r in _records():
        trace.append_jsonl(tmp_path / "t.jsonl", r)
    assert main(["trace", "summary", str(tmp_path / "t.jsonl"), "--by", "model"]) == 0
    out = capsys.readouterr().out
    assert "p95_latency_s" in out and out.count("\n") == 4  # header, index name, a, b
    assert main(["trace", "summary", str(tmp_path / "missing.jsonl")]) == 2


def test_from_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("HANDBOOK_TRACE", raising=False)
    assert trace.from_settings() is None
    monkeypatch.setenv("HANDBOOK_TRACE", str(tmp_path / "t.jsonl"))
    writer = trace.from_settings({"app": "x"})
    assert writer.path == tmp_path / "t.jsonl" and writer.tags == {"app": "x"}
