"""The class simulation's pure parts: streams from spans, staggered starts, altered requests, the summary."""

import json
import random

import pytest

from handbook.serve import replay


def span(start, end, text, *, cache_hit=False, name="chat qwen", content=True, params=None):
    attrs = {"gen_ai.request.model": "qwen", "handbook.cache_hit": cache_hit,
             "handbook.request.params": json.dumps(params or {"max_tokens": 8, "temperature": 0.0, "seed": 0})}
    if content:
        attrs["gen_ai.input.messages"] = json.dumps([{"role": "user", "content": text}])
    return {"name": name, "start": f"2026-12-03T07:00:{start:06.3f}+00:00",
            "end": f"2026-12-03T07:00:{end:06.3f}+00:00", "attributes": attrs}


def test_stream_keeps_server_calls_in_order_with_gaps():
    spans = [span(5.0, 6.0, "b"), span(1.0, 2.5, "a"), span(7.0, 7.1, "hit", cache_hit=True),
             span(3.0, 3.5, "no content", content=False), span(2.0, 2.1, "x", name="retrieve"),
             span(40.0, 41.0, "c", params={"max_tokens": 4, "temperature": 0.7, "n_probs": 3})]
    stream = replay.stream_from_spans(spans, max_gap_s=10)
    assert [s["messages"][0]["content"] for s in stream] == ["a", "b", "c"]
    assert [s["gap_s"] for s in stream] == [0.0, 2.5, 10.0]  # the last gap (34 s) is capped
    assert stream[2]["params"] == {"max_tokens": 4, "temperature": 0.7}  # only sampling params kept
    assert stream[0]["model"] == "qwen"


@pytest.mark.parametrize("n, window", [(1, 600), (5, 600), (30, 120), (4, 0)])
def test_start_times_are_sorted_within_the_window_and_seeded(n, window):
    t = replay.start_times(n, window, seed=3)
    assert t == sorted(t) and len(t) == n and all(0 <= x <= window for x in t)
    assert t == replay.start_times(n, window, seed=3)


def test_start_times_differ_by_seed():
    assert replay.start_times(5, 600, 0) != replay.start_times(5, 600, 1)


@pytest.mark.parametrize("n, want", [(0, 0), (3, 1), (5, 1), (21, 4), (101, 20)])
def test_a_fifth_of_requests_are_altered(n, want):
    picked = replay.altered(n, 0.2, random.Random(0))
    assert len(picked) == want and all(0 <= i < n for i in picked)


def test_alter_changes_only_the_end_of_the_last_message():
    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}]
    out = replay.alter(msgs, "3-7")
    assert out[0] == msgs[0] and out[1]["content"].startswith("Q\n") and "3-7" in out[1]["content"]
    assert msgs[1]["content"] == "Q"  # the recorded stream is not changed


def test_summarise_counts_served_hits_and_percentiles():
    calls = ([{"ok": True, "cached": False, "latency_s": float(s), "ttft_s": s / 10} for s in range(1, 11)]
             + [{"ok": True, "cached": True, "latency_s": 0.0, "ttft_s": 0.0}] * 10
             + [{"ok": False, "cached": False, "latency_s": 0.0, "ttft_s": None}] * 5)
    assert replay.summarise(calls) == {"requests": 25, "served": 20, "p50_s": 0.5, "p95_s": 9.05,
                                       "p95_ttft_s": 0.95, "hit_ratio": 0.5}


def test_summarise_of_nothing_served():
    assert replay.summarise([{"ok": False, "cached": False, "latency_s": 0, "ttft_s": None}]) == {
        "requests": 1, "served": 0, "p50_s": None, "p95_s": None, "p95_ttft_s": None, "hit_ratio": 0.0}


def test_captured_message_parts_become_chat_messages():
    captured = [{"role": "system", "parts": [{"type": "text", "content": "S"}]},
                {"role": "user", "parts": [{"type": "text", "content": "a"}, {"type": "text", "content": "b"}]},
                {"role": "assistant", "content": "plain"}]
    assert replay.plain_messages(captured) == [{"role": "system", "content": "S"},
                                               {"role": "user", "content": "ab"},
                                               {"role": "assistant", "content": "plain"}]
