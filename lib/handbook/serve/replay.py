"""A class of learners, simulated: the labs' recorded request streams, replayed with staggered starts.

`bench/bench_class.py` measures what one class server holds. Its pure parts live here:

* `stream_from_spans(spans)`: a lab's request stream (messages, params, model, and the gap
  before each call) from the chat spans a run wrote with message capture on
  (`HANDBOOK_TRACE`, `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`). Calls a
  response cache answered never reached the server and are left out.
* `start_times(n, window_s, seed)`: when each of `n` learners presses Run All, uniformly
  over the window (seeded, sorted).
* `altered(n, fraction, rng)` and `alter(messages, tag)`: which of a learner's requests an
  exercise changes, and the change (a line appended to the last message, so the prompt's
  prefix is still shared but an exact-match cache cannot answer it).
* `summarise(calls)`: requests, served, p50/p95 latency and p95 TTFT of served calls, and the
  cache's hit ratio, from one record per call.

    start_times(3, 600, seed=0) -> [252.3, 454.8, 506.7]   (seconds after the class starts)

Deliberately left out: think time beyond the recorded gaps, learners who stop halfway, and
tool calls (labs 1 to 5 make none).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .speed import percentile

KEEP = ("temperature", "max_tokens", "seed", "top_p", "stop", "response_format")


def _t(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Captured GenAI messages (`{"role", "parts": [{"type": "text", "content"}]}`) as chat messages."""
    out = []
    for m in messages:
        if "content" in m:
            out.append({"role": m["role"], "content": m["content"]})
        else:
            text = "".join(p.get("content", "") for p in m.get("parts", []) if p.get("type") == "text")
            out.append({"role": m["role"], "content": text})
    return out


def stream_from_spans(spans: Iterable[Mapping[str, Any]], *, max_gap_s: float = 10.0) -> list[dict[str, Any]]:
    """One record per chat call that reached the server, in order, with the local gap before it (chapter 7)."""
    chats = [s for s in spans if s.get("name", "").startswith("chat ")
             and "gen_ai.input.messages" in s.get("attributes", {})
             and not s["attributes"].get("handbook.cache_hit")]
    chats.sort(key=lambda s: s["start"])
    out, previous_end = [], None
    for s in chats:
        a = s["attributes"]
        params = json.loads(a.get("handbook.request.params", "{}"))
        gap = 0.0 if previous_end is None else max(0.0, _t(s["start"]) - previous_end)
        out.append({"model": a.get("gen_ai.request.model"),
                    "messages": plain_messages(json.loads(a["gen_ai.input.messages"])),
                    "params": {k: params[k] for k in KEEP if k in params},
                    "gap_s": round(min(gap, max_gap_s), 3)})
        previous_end = _t(s["end"])
    return out


def start_times(n: int, window_s: float, seed: int = 0) -> list[float]:
    """When each of `n` learners starts, uniformly over `window_s` seconds, sorted (chapter 7)."""
    rng = random.Random(seed)
    return sorted(round(rng.uniform(0, window_s), 1) for _ in range(n)) if window_s > 0 else [0.0] * n


def altered(n: int, fraction: float, rng: random.Random) -> set[int]:
    """Which of a learner's `n` requests an exercise changes: round(fraction x n) of them (chapter 7)."""
    return set(rng.sample(range(n), round(fraction * n)))


def alter(messages: list[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    """The messages with one line appended to the last one, as an exercise would change it (chapter 7)."""
    last = dict(messages[-1])
    last["content"] = f"{last['content']}\n(Exercise variant {tag}.)"
    return [*messages[:-1], last]


def summarise(calls: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Requests, served, p50/p95 latency, p95 TTFT (served, not cached) and cache hit ratio (chapter 7).

    Each call is `{"ok": bool, "cached": bool, "latency_s": float, "ttft_s": float | None}`;
    a call never sent (the run's time ran out) has `"ok": False`.
    """
    served = [c for c in calls if c["ok"]]
    lat = [c["latency_s"] for c in served]
    ttft = [c["ttft_s"] for c in served if not c["cached"] and c.get("ttft_s") is not None]
    hits = sum(1 for c in served if c["cached"])

    def p(xs: list[float], q: float) -> float | None:
        return round(percentile(xs, q), 2) if xs else None

    return {"requests": len(calls), "served": len(served), "p50_s": p(lat, 50), "p95_s": p(lat, 95),
            "p95_ttft_s": p(ttft, 95), "hit_ratio": round(hits / len(served), 3) if served else 0.0}
