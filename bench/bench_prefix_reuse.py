"""What batch-aligned prefix reuse saves on the local server, and proof that it changes no reply (chapter 5).

Sends each of 20 tickets through the zero-shot and the few-shot triage prompts twice: once in a row, so each
call shares the system prompt (and the few-shot examples) with the call before it and the server reuses those
whole batches; and once with a short unrelated call in between, which leaves nothing to reuse. Only the ticket
calls are timed. Prints median latency per call for both orders, the speed-up, and whether every reply was
identical in both (it must be: reuse only keeps batches a fresh evaluation would compute bit for bit).
Run: `python bench/bench_prefix_reuse.py` (starts the local server if needed).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from handbook import config
from handbook.llm import client, prefix_reuse
from handbook.prompts import templates

ALL = [json.loads(line)["text"] for line in (Path(__file__).parents[1] / "data/tickets.jsonl").open()]
TICKETS = ALL[::5] + ALL[2::5]
BREAKER = [{"role": "user", "content": "Say OK."}]


def timed(ref: str, interleave: bool) -> tuple[list[float], list[str]]:
    latencies, texts = [], []
    for ticket in TICKETS:
        if interleave:
            client.chat(BREAKER, max_tokens=2)
        reply = client.chat(templates.render(ref, ticket=ticket), max_tokens=8)
        latencies.append(reply.latency_s)
        texts.append(reply.text)
    return latencies, texts


def main() -> None:
    if not config.settings().local:
        raise SystemExit("This benchmark measures the local server; unset OPENAI_BASE_URL / OPENAI_API_KEY.")
    client.ready()
    print(f"{len(TICKETS)} tickets per prompt, llama.cpp batch = {prefix_reuse.BATCH} tokens, 2 threads\n")
    print(f"{'prompt':18s} {'tokens':>6s} {'p50 no reuse':>13s} {'p50 reuse':>10s} {'speed-up':>9s} {'same replies':>13s}")
    for ref in ["ticket-triage@1", "ticket-triage@2"]:
        cold, cold_texts = timed(ref, interleave=True)
        warm, warm_texts = timed(ref, interleave=False)
        n = client.chat(templates.render(ref, ticket=TICKETS[0]), max_tokens=1).usage.prompt_tokens
        a, b = statistics.median(cold), statistics.median(warm)
        print(f"{ref:18s} {n:6d} {a:12.2f}s {b:9.2f}s {a / b:8.1f}x {str(cold_texts == warm_texts):>13s}")


if __name__ == "__main__":
    main()
