"""Prefill and decode speed of the two local models, side by side (chapter 5, handbook.cost.estimates.LOCAL_THROUGHPUT).

Loads both GGUF files in this process with llama.cpp on 2 threads (not through the shared server, whose queue
and model swaps would be timed too), then alternates between them for five rounds:
prefill = tokens of a ~500-token prompt / time to evaluate it; decode = 64 greedy tokens / time to generate them.
Prints median and best per model and the 135M:1.5B ratios. On a busy machine the best is closest to idle, and
the ratios are more stable than the absolute figures. Run: `python bench/bench_local_throughput.py`.
"""

from __future__ import annotations

import statistics
import time

from handbook.cost.estimates import LOCAL_THROUGHPUT
from handbook.llm import models

TEXT = " ".join(f"Item {i}: the quick brown fox jumps over the lazy dog." for i in range(40))


def one_round(llm, round_no: int) -> tuple[float, float]:
    tokens = llm.tokenize(f"Round {round_no}. {TEXT}".encode())
    llm.reset()
    start = time.perf_counter()
    llm.eval(tokens)
    prefill = len(tokens) / (time.perf_counter() - start)
    n, start = 0, time.perf_counter()
    for _ in llm.generate(tokens[:8], temp=0.0, reset=True):
        n += 1
        if n == 1:
            start = time.perf_counter()  # leave out the 8-token prompt and the first token
        if n > 64:
            break
    return prefill, 64 / (time.perf_counter() - start)


def main() -> None:
    import llama_cpp

    llms = {a: llama_cpp.Llama(str(models.gguf_path(a)), n_ctx=2048, n_threads=2, n_threads_batch=2, verbose=False)
            for a in models.LOCAL_MODELS}
    runs: dict[str, list[tuple[float, float]]] = {a: [] for a in llms}
    for r in range(5):
        for alias, llm in llms.items():
            runs[alias].append(one_round(llm, r))
    print(f"{'model':30s} {'prefill med/best':>17s} {'decode med/best':>16s} {'LOCAL_THROUGHPUT':>17s}")
    best = {}
    for alias, rs in runs.items():
        pre, dec = [p for p, _ in rs], [d for _, d in rs]
        best[alias] = (max(pre), max(dec))
        table = LOCAL_THROUGHPUT[alias]
        print(f"{alias:30s} {statistics.median(pre):8.0f}/{max(pre):8.0f} {statistics.median(dec):7.1f}/{max(dec):8.1f} "
              f"{table['prefill']:8.0f}/{table['decode']:8.1f}")
    (tp, td), (sp, sd) = best["qwen2.5-coder-1.5b-instruct"], best["smollm2-135m-instruct"]
    print(f"135M : 1.5B ratio (best runs): prefill {sp / tp:.1f}x, decode {sd / td:.1f}x")


if __name__ == "__main__":
    main()
