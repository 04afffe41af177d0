"""The app's own overhead (chapter 7): latency through `handbook serve` against a direct `handbook.rag.ask`.

Builds an index of data/corpus/03-rag.md and starts `handbook serve` over it as a child process
(`handbook.serve.process.AppProcess`, against the configured model server), then asks the same
questions directly (retrieval + prompt + model call in this process) and through HTTP,
interleaved, so both see the same model server. The answers are the same (temperature 0), so the
difference is what the app adds: HTTP, auth, limits, JSON, the worker thread, the trace span.
The direct path runs in a worker thread too, as the app runs its pipeline: on a busy 2-core
machine torch's two intra-op threads on the main thread made one query embedding 0.1-1 s instead
of 10-20 ms (a worker thread uses one), which would flatter the app by hundreds of milliseconds.
Prints p50/p95 of each path, the paired difference, a refused request's round trip (the
framework alone), and the overhead at p50 in percent (goal <= 5 %).

Run (on a quiet machine; about 2 minutes with the defaults):
    python bench/bench_serve.py [--rounds 3] [--max-tokens 64]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from handbook.rag import ask, chunk, load_documents
from handbook.rag.index import build as build_index
from handbook.serve.process import AppProcess

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["What is a chunk?", "What is hybrid retrieval?", "Why retrieve at all?"]
KEY = "bench-serve"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--k", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    ix = build_index(chunk(load_documents([str(ROOT / "data/corpus/03-rag.md")]), 200, 40))
    ix.save(work / "ix")
    worker = ThreadPoolExecutor(1)  # the direct path in a worker thread, like the app's pipeline
    worker.submit(ask, "warm-up", ix, 1, max_tokens=1).result()  # embedder and model warm here too
    direct, served, refused, same = [], [], [], 0
    extra = ("--rate", "100000", "--burst", "1000", "--max-tokens", str(args.max_tokens))
    with AppProcess(work / "ix", (KEY,), *extra) as app, \
            httpx.Client(base_url=app.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=300) as http:
        http.post("/v1/ask", json={"question": "warm-up", "k": 1}).raise_for_status()
        for i, q in enumerate(QUESTIONS * args.rounds):
            # The local server reuses the KV cache of a repeated prompt prefix, so whichever path asks
            # a question second skips its prefill: the order alternates, and the other question in
            # between keeps the cache from carrying over between pairs.
            def run_direct(q=q):
                t = time.perf_counter()
                a = worker.submit(ask, q, ix, args.k, max_tokens=args.max_tokens).result()
                direct.append(time.perf_counter() - t)
                return a.text

            def run_served(q=q):
                t = time.perf_counter()
                r = http.post("/v1/ask", json={"question": q, "k": args.k})
                served.append(time.perf_counter() - t)
                r.raise_for_status()
                return r.json()["answer"]

            first, second = (run_direct, run_served) if i % 2 == 0 else (run_served, run_direct)
            texts = {first.__name__: first(), second.__name__: second()}
            same += texts["run_direct"] == texts["run_served"]
            t = time.perf_counter()
            http.post("/v1/ask", json={"question": " "})  # 422: HTTP, auth, limits, validation only
            refused.append(time.perf_counter() - t)
    diffs = [s - d for s, d in zip(served, direct, strict=True)]
    # Whichever path goes second finds its prompt cached, so the differences fall in two groups,
    # one per order; the mean of the two groups' medians cancels the order (the cache) out.
    by_order = [statistics.median(diffs[0::2]), statistics.median(diffs[1::2])]
    print("each path asked first in half of the pairs (the second one finds its prompt in the server's cache)")
    print(f"{len(served)} pairs (same answer on both paths: {same}/{len(served)}), k={args.k}, "
          f"max_tokens={args.max_tokens}")
    print(f"{'path':24s} {'n':>3s} {'p50 ms':>9s} {'p95 ms':>9s}")
    for name, xs in (("direct rag.ask", direct), ("through handbook serve", served),
                     ("refused request (422)", refused)):
        print(f"{name:24s} {len(xs):3d} {pct(xs, 0.5) * 1000:9.1f} {pct(xs, 0.95) * 1000:9.1f}")
    over = (pct(served, 0.5) - pct(direct, 0.5)) / pct(direct, 0.5) * 100  # the table's p50s
    paired = statistics.mean(by_order) / pct(direct, 0.5) * 100
    print(f"paired difference, median per order: direct first {by_order[0] * 1000:+.1f} ms, "
          f"served first {by_order[1] * 1000:+.1f} ms")
    print(f"overhead at p50: {over:+.1f} % (paired, order cancelled: {paired:+.1f} %; goal <= 5 %)")
    return 0 if over <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
