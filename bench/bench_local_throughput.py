"""Prefill and decode speed of the local models, the figures behind handbook.cost.LOCAL_THROUGHPUT (chapter 5).

Prefill: a ~600-token prompt with max_tokens=1, so the time is almost all prompt processing.
Decode: a short prompt with max_tokens=128; its (small) prefill time is subtracted.
Each figure is the median and the best of five runs: on a shared machine the best is the closest to an idle one. Prints a table; run with `python bench/bench_local_throughput.py`.
"""

from __future__ import annotations

import statistics

from handbook import client, cost

TEXT = " ".join(f"Item {i}: the quick brown fox jumps over the lazy dog." for i in range(50))


def measure(model: str) -> tuple[list[float], list[float]]:
    prefill, decode = [], []
    for run in range(5):
        # a different first word each run defeats llama.cpp's prompt-prefix cache
        long = [{"role": "user", "content": f"Run {run}. Summarise in one word: {TEXT}"}]
        r = client.chat(long, model=model, max_tokens=1)
        prefill.append(r.usage.prompt_tokens / r.latency_s)
        short = [{"role": "user", "content": f"Run {run}. Count from 1 to 200, comma separated."}]
        r = client.chat(short, model=model, max_tokens=128)
        decode_s = r.latency_s - r.usage.prompt_tokens / prefill[-1]
        decode.append(r.usage.completion_tokens / decode_s)
    return prefill, decode


def main() -> None:
    print(f"{'model':30s} {'prefill median/best':>20s} {'decode median/best':>19s} {'table prefill/decode':>21s}")
    for model, table in cost.LOCAL_THROUGHPUT.items():
        p, d = measure(model)
        print(f"{model:30s} {statistics.median(p):9.0f} /{max(p):8.0f} {statistics.median(d):9.1f} /{max(d):7.1f} "
              f"{table['prefill']:11.0f} /{table['decode']:7.1f}")


if __name__ == "__main__":
    main()
