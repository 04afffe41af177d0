"""handbook.evaluate drift, alerts, online judge, feedback and window metrics (chapter 4): tables of cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from handbook import telemetry
from handbook.errors import EvaluationError
from handbook.evaluate import alerts, drift, feedback, monitor, online
from handbook.llm import client
from handbook.telemetry import setup, spanfile

# ------------------------------------------------------------------ drift
E = np.eye(4)


@pytest.mark.parametrize(("reference", "window", "expected"), [
    (E[:2], E[:2], [0.0, 0.0]),                     # every query has a twin
    (E[:2], E[2:], [1.0, 1.0]),                     # orthogonal: distance 1
    (E[:1], [[1, 1, 0, 0]], [1 - 1 / math.sqrt(2)]),  # 45 degrees; vectors are normalised first
    (E[:2], [[0, 3, 0, 0]], [0.0]),                 # the nearest neighbour counts, not the centroid
])
def test_nn_distance(reference, window, expected):
    assert drift.nn_distance(reference, window) == pytest.approx(expected)


def test_detector_fires_above_its_threshold():
    det = drift.DriftDetector(E[:2])
    with pytest.raises(EvaluationError, match="threshold"):
        det.fires(E[:1])
    det.threshold = 0.5
    assert (det.score(E[:2]), det.fires(E[:2]), det.score(E[2:]), det.fires(E[2:])) == (0.0, False, 1.0, True)
    assert det.score([E[0], E[3]]) == 0.5 and not det.fires([E[0], E[3]])  # at the threshold: not above


@pytest.mark.parametrize(("scores", "false_alarm", "expected"), [
    ([0.1, 0.2, 0.3, 0.4], 0.0, 0.4),    # no false alarm on these: the maximum
    ([0.1, 0.2, 0.3, 0.4], 0.25, 0.4),   # "higher" quantile: never below a calibration score it must not flag
    ([0.1, 0.2, 0.3, 0.4], 0.5, 0.3),
    ([0.2], 0.05, 0.2),
])
def test_threshold_for(scores, false_alarm, expected):
    t = drift.threshold_for(scores, false_alarm)
    assert t == expected
    assert np.mean(np.array(scores) > t) <= false_alarm


@pytest.mark.parametrize(("args", "match"), [(([], 0.05), "calibration"), (([0.1], 1.0), "false_alarm")])
def test_threshold_for_refuses(args, match):
    with pytest.raises(EvaluationError, match=match):
        drift.threshold_for(*args)


def test_windows_are_reproducible_and_distinct():
    a, b = drift.windows(10, 4, 3, seed=1), drift.windows(10, 4, 3, seed=1)
    assert all((x == y).all() for x, y in zip(a, b, strict=True))
    assert all(len(set(w)) == 4 and w.max() < 10 for w in a)
    with pytest.raises(EvaluationError):
        drift.windows(3, 4, 1)


def test_rates():
    det = drift.DriftDetector(E[:2], threshold=0.5)
    r = drift.rates(det, drifted=[E[2:], [E[0], E[2]], E[3:]], in_topic=[E[:1], E[1:2]])
    assert (r.detection_rate, r.false_alarm_rate, r.n_drifted, r.n_in_topic) == (2 / 3, 0.0, 3, 2)


def test_dimension_mismatch_is_named():
    with pytest.raises(EvaluationError, match="dimensions"):
        drift.nn_distance(E, np.ones((1, 3)))


# ------------------------------------------------------------------ alert rules
@pytest.mark.parametrize(("rule", "metrics", "condition", "reason"), [
    (alerts.Rule("lat", "p95_latency_s", ">", 2.0), {"p95_latency_s": 3.1, "requests": 8}, True,
     "p95_latency_s 3.1 > 2"),
    (alerts.Rule("lat", "p95_latency_s", ">", 2.0), {"p95_latency_s": 2.0, "requests": 8}, False,
     "p95_latency_s 2 not > 2"),
    (alerts.Rule("q", "judge_pass_rate", "<", 0.5, min_samples=3, samples="judged"),
     {"judge_pass_rate": 0.0, "judged": 2}, False, "2 judged < 3"),   # too few samples to trust
    (alerts.Rule("q", "judge_pass_rate", "<", 0.5, min_samples=3, samples="judged"),
     {"judge_pass_rate": 0.25, "judged": 4}, True, "judge_pass_rate 0.25 < 0.5"),
    (alerts.Rule("e", "error_rate", ">=", 0.1), {"error_rate": float("nan"), "requests": 0}, False,
     "no error_rate"),                                              # no data is not an incident
    (alerts.Rule("d", "drift", ">", 0.3, samples=""), {"drift": 0.4}, True, "drift 0.4 > 0.3"),
])
def test_check(rule, metrics, condition, reason):
    alert = alerts.check(rule, metrics)
    assert (alert.condition, alert.reason) == (condition, reason)


def test_over_windows_applies_for_windows():
    rules = [alerts.Rule("lat", "p95_latency_s", ">", 2.0), alerts.Rule("slow2", "p95_latency_s", ">", 2.0,
                                                                          for_windows=2)]
    values = [1.0, 3.0, 1.0, 3.0, 3.0]
    table = alerts.over_windows(rules, {f"w{i}": {"p95_latency_s": v, "requests": 5} for i, v in enumerate(values)})
    assert alerts.fired(table, "lat") == ["w1", "w3", "w4"]
    assert alerts.fired(table, "slow2") == ["w4"]   # one slow window is not sustained
    assert list(table["lat value"]) == values


@pytest.mark.parametrize(("kwargs", "match"), [({"op": "!="}, "comparison"), ({"for_windows": 0}, "for_windows")])
def test_bad_rules_are_refused(kwargs, match):
    with pytest.raises(EvaluationError, match=match):
        alerts.Rule("r", "m", **{"op": ">", "threshold": 1.0, **kwargs})


# ------------------------------------------------------------------ sampling for the online judge
def test_sampling_is_reproducible_and_near_its_rate():
    keys = [f"q{i}" for i in range(2000)]
    picked = [k for k in keys if online.sampled(k, 0.25)]
    assert picked == [k for k in keys if online.sampled(k, 0.25)]
    assert 0.22 < len(picked) / len(keys) < 0.28
    assert set(picked) <= {k for k in keys if online.sampled(k, 0.5)}   # a higher rate keeps what a lower kept
    assert not any(online.sampled(k, 0.0) for k in keys) and all(online.sampled(k, 1.0) for k in keys)
    assert picked != [k for k in keys if online.sampled(k, 0.25, salt="other")]
    with pytest.raises(EvaluationError):
        online.sampled("q", 1.5)


def _spans(path):
    setup.flush()
    return spanfile.read(path)


def test_online_judge_is_a_span_in_the_request_trace(scripted, tmp_path, monkeypatch):
    path = tmp_path / "spans.jsonl"
    monkeypatch.setenv("HANDBOOK_TRACE", str(path))
    with telemetry.root_span("request") as root:
        pass
    with client.use(scripted('{"score": 2, "reason": "wrong"}', '{"score": 5, "reason": "ok"}')):
        v1 = online.judge_sampled("q", "a", "r", key="k", rate=1.0, parent=root)
        v0 = online.judge_sampled("q", "a", "r", key="k", rate=0.0, parent=root)
        with telemetry.root_span("other"):
            v2 = online.judge_sampled("q", "a", "r", key="k", rate=1.0)
    assert (v1.score, v0, v2.score) == (2, None, 5)
    spans = _spans(path)
    judge = next(s for s in spans if s["name"] == "judge judge_answer@1")
    assert judge["trace_id"] == telemetry.trace_id(root) and judge["parent_id"] == f"{root.get_span_context().span_id:016x}"
    assert judge["attributes"]["gen_ai.evaluation.score.label"] == "fail"
    chat = next(s for s in spans if s["name"].startswith("chat ") and s["trace_id"] == judge["trace_id"])
    assert chat["parent_id"] == judge["span_id"]
    m = monitor.window_metrics(spans)
    assert (m["judged"], m["judge_pass_rate"], m["judge_mean_score"], m["chat_calls"]) == (2, 0.5, 3.5, 0)


# ------------------------------------------------------------------ feedback
@pytest.mark.parametrize("bad", ["", "00-" + "0" * 32 + "-" + "1" * 16 + "-01", "01-abc", "00-" + "a" * 31 + "-"
                                 + "b" * 16 + "-01"])
def test_parse_refuses_what_is_not_a_traceparent(bad):
    with pytest.raises(EvaluationError, match="traceparent"):
        feedback.parse(bad)


def test_feedback_joins_its_trace(scripted, tmp_path, monkeypatch):
    spans_path, fb_path = tmp_path / "spans.jsonl", tmp_path / "feedback.jsonl"
    monkeypatch.setenv("HANDBOOK_TRACE", str(spans_path))
    with client.use(scripted("fine", "bad")):
        with telemetry.root_span("request") as good:
            client.chat([{"role": "user", "content": "a"}], prompt_ref="rag_answer@1")
        with telemetry.root_span("request") as bad:
            client.chat([{"role": "user", "content": "b"}], prompt_ref="rag_answer@2")
    assert feedback.parse(feedback.traceparent(good)) == (telemetry.trace_id(good),
                                                          f"{good.get_span_context().span_id:016x}")
    feedback.record(feedback.traceparent(bad), 0, "wrong", path=fb_path)
    feedback.record(feedback.traceparent(good), 1, path=fb_path)
    stored = feedback.load(fb_path)
    spans = _spans(spans_path)
    rows = feedback.join(stored, spans)
    assert [(r["score"], r["prompt_ref"], r["comment"], r["found"]) for r in rows] == [
        (0.0, "rag_answer@2", "wrong", True), (1.0, "rag_answer@1", "", True)]
    fb_spans = [s for s in spans if s["name"] == "feedback"]
    assert {s["trace_id"] for s in fb_spans} == {telemetry.trace_id(good), telemetry.trace_id(bad)}
    assert all(s["parent_id"] for s in fb_spans) and "wrong" not in str(fb_spans)   # comments stay out of spans
    with pytest.raises(EvaluationError, match="no trace"):
        feedback.traceparent()


# ------------------------------------------------------------------ window metrics from spans
def _span(name, trace, parent=None, status="UNSET", duration=1.0, **attrs):
    return {"name": name, "trace_id": trace, "span_id": f"{name}{trace}", "parent_id": parent, "status": status,
            "duration_s": duration, "attributes": attrs}


def test_window_metrics_table():
    spans = [
        _span("ask", "t1", duration=1.0), _span("ask", "t2", duration=3.0), _span("ask", "t3", status="ERROR",
                                                                                   duration=9.0),
        _span("chat m", "t1", "askt1", **{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 100,
                                          "gen_ai.usage.output_tokens": 10, "handbook.cost_usd": 0.002,
                                          "handbook.cache_hit": False, "handbook.prompt.ref": "rag_answer@1"}),
        _span("chat m", "t2", "askt2", **{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 0,
                                          "gen_ai.usage.output_tokens": 0, "handbook.cost_usd": 0.0,
                                          "handbook.cache_hit": True, "handbook.prompt.ref": "rag_answer@1"}),
        _span("chat m", "t1", "judge", **{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 500,
                                          "handbook.prompt.ref": "judge_answer@1"}),   # the judge's: not counted
        _span("judge", "t1", "askt1", **{"gen_ai.evaluation.score.label": "pass",
                                         "gen_ai.evaluation.score.value": 5}),
        _span("judge", "t2", "askt2", **{"gen_ai.evaluation.score.label": "unparsed"}),
        _span("retrieval dense", "t1", "askt1", **{"handbook.retrieval.top_score": 0.75}),
        _span("retrieval dense", "t2", "askt2", **{"handbook.retrieval.top_score": 0.25}),
        _span("feedback", "t1", "askt1", **{"handbook.feedback.score": 1.0}),
    ]
    m = monitor.window_metrics(spans)
    assert m["requests"] == 3 and m["error_rate"] == pytest.approx(1 / 3)
    assert (m["p50_latency_s"], m["p95_latency_s"]) == (2.0, pytest.approx(np.percentile([1, 3], 95)))
    assert (m["chat_calls"], m["input_tokens_per_request"], m["output_tokens_per_request"]) == (
        2, pytest.approx(100 / 3), pytest.approx(10 / 3))
    assert m["cost_per_request_usd"] == pytest.approx(0.002 / 3) and m["cache_hit_rate"] == 0.5
    assert (m["judged"], m["judge_pass_rate"], m["judge_mean_score"]) == (2, 0.5, 5.0)
    assert m["retrieval_top_score"] == 0.5
    empty = monitor.window_metrics([])
    assert empty["requests"] == 0 and math.isnan(empty["p95_latency_s"]) and math.isnan(empty["judge_pass_rate"])
    unpriced = spans[:3] + [_span("chat m", "t1", "askt1", **{"gen_ai.operation.name": "chat"})]
    assert math.isnan(monitor.window_metrics(unpriced)["cost_per_request_usd"])   # unknown, not free


# ------------------------------------------------------------------ replaying a span file to a backend
def test_replay_rebuilds_the_spans_of_a_file(scripted, tmp_path, monkeypatch):
    from handbook.telemetry import replay

    path = tmp_path / "spans.jsonl"
    monkeypatch.setenv("HANDBOOK_TRACE", str(path))
    with client.use(scripted("fine")), telemetry.root_span("POST /ask"):
        client.chat([{"role": "user", "content": "a"}], prompt_ref="rag_answer@1")
    records = _spans(path)
    spans = {s.name: s for s in replay.readable([*records, {"name": "no span", "attributes": {}}])}
    assert set(spans) == {r["name"] for r in records}          # a row without ids is skipped
    root, chat = spans["POST /ask"], next(s for n, s in spans.items() if n.startswith("chat "))
    by_name = {r["name"]: r for r in records}
    assert f"{chat.context.trace_id:032x}" == by_name[chat.name]["trace_id"] == f"{root.context.trace_id:032x}"
    assert chat.parent.span_id == root.context.span_id and root.parent is None
    assert chat.attributes["handbook.prompt.ref"] == "rag_answer@1"
    assert (chat.end_time - chat.start_time) / 1e9 == pytest.approx(by_name[chat.name]["duration_s"], abs=1e-6)
    assert dict(root.resource.attributes)["service.name"] == "handbook"


def test_cli_trace_send_replays_a_span_file(scripted, tmp_path, monkeypatch, capsys):
    import http.server
    import threading

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    from handbook.cli import main

    got: list[str] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            req = ExportTraceServiceRequest()
            req.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
            got.extend(s.trace_id.hex() for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path = tmp_path / "spans.jsonl"
    monkeypatch.setenv("HANDBOOK_TRACE", str(path))
    with client.use(scripted("fine")), telemetry.root_span("POST /ask") as root:
        client.chat([{"role": "user", "content": "a"}])
    setup.flush()
    try:
        assert main(["trace", "send", str(path), "--endpoint",
                     f"http://127.0.0.1:{server.server_port}/v1/traces"]) == 0
    finally:
        server.shutdown()
    assert got == [telemetry.trace_id(root)] * 2 and "sent 2 spans from 1 file(s)" in capsys.readouterr().out
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1")
    assert main(["trace", "send", str(path), "--endpoint", "http://127.0.0.1:9/v1/traces"]) == 2
    assert "did not take 2 spans" in capsys.readouterr().err
