"""How many learners does one class server hold? The labs' real request streams, replayed (chapter 7).

Two steps. `record` runs labs 1 to 5 once (not written back) with tracing and message capture
on, and keeps each lab's chat calls that reached the server as `data/serving/lab-streams/labN.jsonl`
(messages, params, the local gap before each call). `run` then simulates a class: N learners
start, uniformly over `--window-s` (seeded), each replaying one lab's stream call after call
(learner i runs lab `--labs`[i mod len]); one fifth of each learner's requests are altered, as an
exercise would change them, so that no cache can answer everything. Requests are streamed,
so the time to first token (TTFT) is measured as well as the whole call.

Levers: `--server single` is the default deterministic single-slot server on 8765 (never
started or stopped here); `--server batch` starts llama.cpp's `llama-server` with `--parallel`
slots on its own port and stops it at the end; `--prefix on` adds `--cache-reuse 256` and sends
`cache_prompt` (llama-server's prefix reuse, batch only; the single-slot server always reuses
whole aligned batches); `--cache on` puts an exact-match response cache
(`handbook.cost.ResponseCache`'s key) in front of the server for temperature-0 requests,
shared by the class (an identical request in flight is waited for, not sent twice), and
reports its hit ratio. `--max-wall-s` stops sending new calls after
that long; calls not sent count as not served. Every call goes to the default model.

Prints one row per class size: learners, requests, served, p50/p95 latency per served call,
p95 TTFT of calls the server answered, cache hit ratio, wall time and load average.

Run (on a quiet machine: nothing else using the model or the cores; each run <= 15 minutes):
  python bench/bench_class.py record
  python bench/bench_class.py run --learners 1,5,10,30 --window-s 600 --server batch --cache on --seed 0
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STREAMS = ROOT / "data" / "serving" / "lab-streams"
LABS = {1: "lab1-first-llm-calls", 2: "lab2-prompts", 3: "lab3-rag", 4: "lab4-evaluation", 5: "lab5-cost"}


def record(labs: list[int]) -> None:
    import nbformat
    from nbclient import NotebookClient

    from handbook.files import read_jsonl, write_jsonl
    from handbook.serve import replay

    STREAMS.mkdir(parents=True, exist_ok=True)
    for n in labs:
        spans = Path(f"/tmp/bench-class-spans-lab{n}.jsonl")
        spans.unlink(missing_ok=True)
        os.environ["HANDBOOK_TRACE"] = str(spans)
        os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "true"
        path = ROOT / "labs" / f"{LABS[n]}.ipynb"
        nb = nbformat.read(path, as_version=4)
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        stream = replay.stream_from_spans(read_jsonl(spans))
        write_jsonl(STREAMS / f"lab{n}.jsonl", stream, sort_keys=True)
        print(f"lab {n}: {len(stream)} calls recorded in {time.perf_counter() - t0:.0f} s", flush=True)


class Cache:
    """Exact-match responses for temperature-0 requests, shared by the class.

    An identical request that arrives while the first is still being answered waits for that
    answer instead of asking the server again (request coalescing, as a caching proxy does);
    it counts as a hit, and its latency is the time it waited.
    """

    def __init__(self) -> None:
        self.entries: dict[str, threading.Event] = {}
        self.lock = threading.Lock()

    @staticmethod
    def key(model: str, messages: list, params: dict) -> str:
        from handbook.cost.cache import request_key
        from handbook.records import Request

        return request_key(Request(tuple(messages), model, params))

    def claim(self, key: str) -> threading.Event | None:
        """None: the caller must ask the server (and `fill` the key); else an event to wait on."""
        with self.lock:
            if key in self.entries:
                return self.entries[key]
            self.entries[key] = threading.Event()
            return None

    def fill(self, key: str, ok: bool) -> None:
        with self.lock:
            event = self.entries[key] if ok else self.entries.pop(key)
        event.set()


def run(args) -> None:
    import openai

    from handbook import config
    from handbook.files import read_jsonl
    from handbook.llm import server
    from handbook.serve import replay

    streams = {n: read_jsonl(STREAMS / f"lab{n}.jsonl") for n in args.labs}
    model = config.DEFAULT_LOCAL_MODEL
    port = config.DEFAULT_PORT if args.server == "single" else args.port
    if args.server == "batch" and port == config.DEFAULT_PORT:
        raise SystemExit("the batching server needs its own port, not the shared 8765")
    cfg = config.local_settings(port)
    if args.server == "batch":
        server.start(cfg, parallel=args.parallel, ctx=args.ctx, cache_reuse=256 if args.prefix == "on" else 0)
    api = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-no-key-required",
                        max_retries=0, timeout=args.timeout_s)
    rows = []
    try:
        for n in args.learners:
            rows.append(one_class(api, model, streams, n, args, replay))
            print_row(rows[-1], args, header=len(rows) == 1)
    finally:
        if args.server == "batch":
            server.stop(cfg)


def one_class(api, model, streams, n, args, replay) -> dict:
    cache = Cache() if args.cache == "on" else None
    starts = replay.start_times(n, args.window_s, args.seed)
    labs = [args.labs[i % len(args.labs)] for i in range(n)]
    calls: list[dict] = []
    lock = threading.Lock()
    t0 = time.monotonic()
    deadline = t0 + args.max_wall_s
    loads: list[float] = []
    done = threading.Event()

    def sample_load() -> None:
        while not done.wait(5):
            loads.append(os.getloadavg()[0])

    def learner(i: int) -> None:
        stream = streams[labs[i]]
        rng = random.Random(args.seed * 1000 + i)
        changed = replay.altered(len(stream), 0.2, rng)
        time.sleep(max(0.0, t0 + starts[i] - time.monotonic()))
        for k, call in enumerate(stream):
            time.sleep(call["gap_s"] if args.think == "recorded" else 0)
            if time.monotonic() > deadline:
                with lock:
                    calls.extend({"ok": False, "cached": False, "latency_s": 0.0, "ttft_s": None}
                                 for _ in stream[k:])
                return
            messages = replay.alter(call["messages"], f"{i}-{k}") if k in changed else call["messages"]
            params = dict(call["params"])
            key = Cache.key(model, messages, params) if cache and params.get("temperature", 0) == 0 else None
            if key is not None:
                t_wait = time.perf_counter()
                event = cache.claim(key)
                if event is not None:
                    event.wait(args.timeout_s)
                    waited = time.perf_counter() - t_wait
                    with lock:
                        calls.append({"ok": True, "cached": True, "latency_s": waited, "ttft_s": waited})
                    continue
            record = send(api, model, messages, params, args)
            if key is not None:
                cache.fill(key, record["ok"])
            with lock:
                calls.append(record)

    sampler = threading.Thread(target=sample_load, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=learner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    loads.append(os.getloadavg()[0])
    return {"learners": n, **replay.summarise(calls), "wall_s": round(time.monotonic() - t0),
            "load_max": round(max(loads), 1), "load_mean": round(sum(loads) / len(loads), 1)}


def send(api, model, messages, params, args) -> dict:
    body = {k: v for k, v in params.items() if k in ("temperature", "max_tokens", "seed", "top_p", "stop",
                                                      "response_format")}
    extra = {"cache_prompt": args.prefix == "on"} if args.server == "batch" else {}
    t0 = time.perf_counter()
    ttft = None
    try:
        for chunk in api.chat.completions.create(model=model, messages=messages, stream=True,
                                                 extra_body=extra or None, **body):
            if ttft is None and chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                ttft = time.perf_counter() - t0
        return {"ok": True, "cached": False, "latency_s": time.perf_counter() - t0, "ttft_s": ttft}
    except Exception as exc:  # a timeout or a refused call: not served
        print(f"  call failed: {type(exc).__name__}", file=sys.stderr)
        return {"ok": False, "cached": False, "latency_s": time.perf_counter() - t0, "ttft_s": None}


def print_row(row: dict, args, header: bool) -> None:
    cols = ["learners", "requests", "served", "p50_s", "p95_s", "p95_ttft_s", "hit_ratio", "wall_s",
            "load_max", "load_mean"]
    if header:
        print(f"server={args.server} parallel={args.parallel if args.server == 'batch' else 1} "
              f"cache={args.cache} prefix={args.prefix} window={args.window_s:g}s labs={args.labs} "
              f"seed={args.seed} max_wall={args.max_wall_s:g}s think={args.think}")
        print("  ".join(f"{c:>10}" for c in cols))
    print("  ".join(f"{'-' if row[c] is None else row[c]:>10}" for c in cols), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record", help="run labs 1-5 once and keep their request streams")
    rec.add_argument("--labs", default="1,2,3,4,5")
    r = sub.add_parser("run", help="replay the streams for simulated learners")
    r.add_argument("--learners", default="1,5,10,30", help="class sizes, comma-separated")
    r.add_argument("--window-s", type=float, default=600, help="learners start uniformly over this (default 600)")
    r.add_argument("--server", choices=["single", "batch"], default="single")
    r.add_argument("--cache", choices=["on", "off"], default="off", help="exact-match response cache")
    r.add_argument("--prefix", choices=["on", "off"], default="off", help="llama-server prefix reuse (batch)")
    r.add_argument("--labs", default="1,2,3,4,5", help="learner i runs lab labs[i mod len]")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--parallel", type=int, default=8, help="slots of the batching server")
    r.add_argument("--ctx", type=int, default=2048, help="context per slot of the batching server")
    r.add_argument("--port", type=int, default=8772, help="port of the batching server (never 8765)")
    r.add_argument("--think", choices=["recorded", "none"], default="recorded",
                   help="wait the recorded local gap before each call, or not")
    r.add_argument("--max-wall-s", type=float, default=660, help="stop sending calls after this long")
    r.add_argument("--timeout-s", type=float, default=300, help="a call slower than this is not served")
    args = ap.parse_args()
    args.labs = [int(x) for x in args.labs.split(",")]
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        os.environ.pop(name, None)
    if args.cmd == "record":
        record(args.labs)
    else:
        args.learners = [int(x) for x in args.learners.split(",")]
        run(args)


if __name__ == "__main__":
    main()
