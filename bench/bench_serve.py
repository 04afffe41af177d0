"""The app's own overhead (chapter 7): latency through `handbook serve` against a direct `handbook.rag.ask`.

Builds an index of data/corpus/03-rag.md, serves it with uvicorn on a free loopback port (in this
process, against the configured model server), then asks the same questions directly and through
HTTP, interleaved, and prints p50/p95 of each and the overhead in percent (goal <= 5 %).
Run: `python bench/bench_serve.py [--rounds 3]` with the local server running.
NOT YET RUN (issue 14b ran out of time): treat its first table as the first measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from serve_fakes import Uvicorn  # noqa: E402

from handbook.rag import ask, chunk, load_documents  # noqa: E402
from handbook.rag.index import build as build_index  # noqa: E402
from handbook.serve.app import Limits, create_app  # noqa: E402

QUESTIONS = ["What is a chunk?", "What is hybrid retrieval?", "Why retrieve at all?"]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ix = build_index(chunk(load_documents(["data/corpus/03-rag.md"]), 200, 40))
    direct, served = [], []
    with Uvicorn(create_app(ix, ("bench",), limits=Limits(per_minute=0))) as url:
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer bench"}, timeout=300) as http:
            for _ in range(args.rounds):
                for q in QUESTIONS:
                    t = time.perf_counter()
                    ask(q, ix, 2)
                    direct.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    http.post("/v1/ask", json={"question": q, "k": 2}).raise_for_status()
                    served.append(time.perf_counter() - t)
    print(f"{'path':10s} {'n':>3s} {'p50 s':>8s} {'p95 s':>8s}")
    for name, xs in (("direct", direct), ("served", served)):
        print(f"{name:10s} {len(xs):3d} {pct(xs, 0.5):8.3f} {pct(xs, 0.95):8.3f}")
    over = (statistics.median(served) - statistics.median(direct)) / statistics.median(direct) * 100
    print(f"overhead at p50: {over:+.1f} % (goal <= 5 %)")
    return 0 if over <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
