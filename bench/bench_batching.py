"""Does the batching class server pay off? Eight requests at once against one after another (chapter 7).

Starts `handbook llm start --parallel 8` (llama.cpp's own C++ `llama-server`, continuous batching,
8 slots) on its own port with a class key, then sends eight different chat requests that each ask
for exactly 48 output tokens: first one after another, then all eight at once, both in this one run.
Prints the wall time of each, their ratio (the issue's bar: at most 0.6), the output tokens per
second, and the status of a request sent without the key (it must be 401). The server is stopped
at the end, and nothing touches the default server on 8765.

Run: `python bench/bench_batching.py [--parallel 8] [--port 8770] [--tokens 48]`
(needs `make llama-server`; about two minutes on two cores).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TOPICS = ["a lighthouse", "a compiler", "tea", "a glacier", "the number seven", "a violin",
          "a database index", "autumn rain"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parallel", type=int, default=8, help="slots of the batching server (default 8)")
    ap.add_argument("--port", type=int, default=8770, help="its port (default 8770; never 8765)")
    ap.add_argument("--tokens", type=int, default=48, help="output tokens per request (default 48)")
    args = ap.parse_args()
    key = secrets.token_urlsafe(16)
    os.environ["HANDBOOK_PORT"] = str(args.port)
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        os.environ.pop(name, None)
    from openai import OpenAI

    from handbook import config
    from handbook.llm import server

    cfg = config.local_settings(args.port)
    server.start(cfg, api_key=key, parallel=args.parallel, ctx=1024)
    try:
        api = OpenAI(base_url=f"http://127.0.0.1:{args.port}/v1", api_key=key, max_retries=0)

        def one(topic: str) -> tuple[float, int]:
            t0 = time.perf_counter()
            r = api.chat.completions.create(
                model=config.DEFAULT_LOCAL_MODEL, temperature=0, max_tokens=args.tokens,
                # ignore_eos makes every request produce exactly --tokens tokens, so both runs do the same work
                extra_body={"ignore_eos": True},
                messages=[{"role": "user", "content": f"Write a short poem about {topic}."}])
            return time.perf_counter() - t0, r.usage.completion_tokens

        one("warm-up")  # load the weights into the page cache before timing
        t0 = time.perf_counter()
        serial = [one(t) for t in TOPICS]
        t_serial = time.perf_counter() - t0
        t0 = time.perf_counter()
        with ThreadPoolExecutor(len(TOPICS)) as pool:
            together = list(pool.map(one, TOPICS))
        t_together = time.perf_counter() - t0
        tokens = sum(n for _, n in serial)
        req = urllib.request.Request(f"http://127.0.0.1:{args.port}/v1/models")
        try:
            urllib.request.urlopen(req, timeout=10)
            no_key = 200
        except urllib.error.HTTPError as err:
            no_key = err.code
    finally:
        server.stop(cfg)
    print(f"llama-server --parallel {args.parallel}, {len(TOPICS)} requests x {args.tokens} output tokens")
    print(f"{'mode':<18}{'wall s':>8}{'tok/s':>8}{'p50 call s':>12}{'max call s':>12}")
    for name, wall, calls in (("one after another", t_serial, serial), ("all at once", t_together, together)):
        lat = [s for s, _ in calls]
        print(f"{name:<18}{wall:>8.1f}{tokens / wall:>8.1f}{statistics.median(lat):>12.2f}{max(lat):>12.2f}")
    print(f"ratio (at once / one after another): {t_together / t_serial:.2f}  (bar: <= 0.6)")
    print(f"output tokens per request: {sorted({n for _, n in serial + together})}")
    print(f"request without the key: HTTP {no_key}  (must be 401)")


if __name__ == "__main__":
    main()
