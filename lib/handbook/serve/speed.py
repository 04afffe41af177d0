"""What a user of a model server feels, measured: TTFT, TPOT, and latency and throughput under load.

* `timed_stream(messages)` streams one reply through the library client and
  returns a `Timing`: time to first token (TTFT: queueing plus prefill of
  the whole prompt), time per output token (TPOT: one decode step), and the
  end-to-end time. TPOT is the time between the first and the last piece
  divided by the tokens in between, so it leaves prefill out.
* `load(requests, concurrency)` sends chat requests from `concurrency`
  threads at once, as that many users would, and returns a `Load`: wall
  time, output tokens per second of the whole server (throughput) and the
  p50/p95 of the per-call latencies (`percentile`). Means hide the slow
  calls a user remembers; percentiles do not.
* `local_port(port)` points the library client at another local server (a
  batching `llama-server` on its own port) for the duration of a `with`
  block; `free_port(8771)` finds a port nobody listens on.

    t = timed_stream([{"role": "user", "content": "Hi"}], max_tokens=16)
    -> Timing(model='qwen2.5-coder-1.5b-instruct', prompt_tokens=30, output_tokens=16,
              ttft_s=0.21, total_s=0.74)         t.tpot_s -> 0.035
    percentile([1, 2, 3, 4], 50) -> 2.5

Deliberately left out: open-loop arrival processes (a Poisson stream of
users is `bench/bench_class.py`'s job), token-level timestamps from the
server, and warm-up (the caller sends an untimed request first).
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..llm import client


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile with linear interpolation between ranks, as numpy's default (chapter 7).

    >>> percentile([1, 2, 3, 4], 50), round(percentile([1, 2, 3, 4], 95), 2)
    (2.5, 3.85)
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    xs = sorted(values)
    rank = q / 100 * (len(xs) - 1)
    lo, hi = math.floor(rank), math.ceil(rank)
    return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo)


@dataclass(frozen=True)
class Timing:
    """One streamed reply, timed from the request leaving to its first and last piece (chapter 7)."""

    model: str
    prompt_tokens: int
    output_tokens: int
    ttft_s: float
    total_s: float

    @property
    def tpot_s(self) -> float:
        """Seconds per output token after the first: the decode speed a reader watches."""
        if self.output_tokens < 2:
            return float("nan")
        return (self.total_s - self.ttft_s) / (self.output_tokens - 1)


def timed_stream(messages, *, model: str | None = None, max_tokens: int = 32, **params: Any) -> Timing:
    """Stream one reply through `handbook.llm.client` and time it (chapter 7)."""
    s = client.stream(messages, model=model, max_tokens=max_tokens, **params)
    start = time.perf_counter()
    first = last = None
    for _ in s:
        last = time.perf_counter()
        first = first or last
    if first is None or s.reply is None:
        raise ValueError("the stream produced no text; ask for a longer reply")
    u = s.reply.usage
    return Timing(s.reply.model, u.prompt_tokens, u.completion_tokens, first - start, last - start)


@dataclass(frozen=True)
class Load:
    """`requests` chat calls sent by `concurrency` users at once, against one server (chapter 7)."""

    concurrency: int
    requests: int
    wall_s: float
    output_tokens: int
    latencies_s: tuple[float, ...]

    @property
    def throughput(self) -> float:
        """Output tokens per second of the whole server."""
        return self.output_tokens / self.wall_s

    @property
    def p50_s(self) -> float:
        return percentile(self.latencies_s, 50)

    @property
    def p95_s(self) -> float:
        return percentile(self.latencies_s, 95)

    def row(self) -> dict[str, float | int]:
        """A table row, rounded for printing."""
        return {"concurrency": self.concurrency, "requests": self.requests, "tokens": self.output_tokens,
                "wall_s": round(self.wall_s, 2), "tok_per_s": round(self.throughput, 1),
                "p50_s": round(self.p50_s, 2), "p95_s": round(self.p95_s, 2)}


def load(requests: Sequence, concurrency: int, *, model: str | None = None, max_tokens: int = 24,
         **params: Any) -> Load:
    """Send every request from `concurrency` threads at once and measure the server (chapter 7).

    Each thread takes the next request as soon as its previous one returns
    (a closed loop: `concurrency` users who each wait for their answer).
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")

    def one(messages):
        return client.chat(messages, model=model, max_tokens=max_tokens, **params)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        replies = list(pool.map(one, requests))
    wall = time.perf_counter() - start
    return Load(concurrency, len(replies), wall, sum(r.usage.completion_tokens for r in replies),
                tuple(r.latency_s for r in replies))


@contextlib.contextmanager
def local_port(port: int) -> Iterator[int]:
    """Point the library client at the local server on `port` inside a `with` block (chapter 7)."""
    old = os.environ.get("HANDBOOK_PORT")
    os.environ["HANDBOOK_PORT"] = str(port)
    try:
        yield port
    finally:
        if old is None:
            os.environ.pop("HANDBOOK_PORT", None)
        else:
            os.environ["HANDBOOK_PORT"] = old


def free_port(preferred: int = 0, host: str = "127.0.0.1") -> int:
    """`preferred` if nobody listens on it, else any free TCP port (chapter 7)."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError("no free TCP port")
