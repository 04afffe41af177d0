"""Benchmark: prefill and decode speed of the local models through the handbook client.

Prints one row per model: prompt tokens/s (prefill), generated tokens/s (decode) and the time to
a first streamed token, as medians over a few repetitions. Run with `make bench` on an otherwise
idle machine; other work on the same cores lowers every figure.
"""

from __future__ import annotations

import argparse
import statistics
import time

from handbook.llm import client, models

LONG = " ".join(f"Sentence number {i} is about tokens, prompts and latency." for i in range(60))


def measure(model: str, repeats: int) -> dict[str, float]:
    prefill, decode, first = [], [], []
    for i in range(repeats):
        # Prefill: a long prompt, one output token. A different prefix each time defeats any caching.
        r = client.chat([{"role": "system", "content": f"Run {i}. Reply with one word."},
                         {"role": "user", "content": LONG}], model=model, max_tokens=1)
        prefill.append(r.usage.prompt_tokens / r.latency_s)
        # Decode: a short prompt, a long answer; subtract the short prefill's share of the time.
        r = client.chat([{"role": "system", "content": "You are verbose."},
                         {"role": "user", "content": f"Count from {i} upwards in words, one per line."}],
                        model=model, max_tokens=128)
        decode.append(r.usage.completion_tokens / max(r.latency_s - r.usage.prompt_tokens / prefill[-1], 1e-3))
        s = client.stream([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi."}],
                          model=model, max_tokens=8)
        start = time.perf_counter()
        next(iter(s))
        first.append(time.perf_counter() - start)
    return {"prefill": statistics.median(prefill), "decode": statistics.median(decode), "ttft": statistics.median(first)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="repetitions per model (default 3)")
    args = parser.parse_args()
    print(f"{'model':32s} {'prefill tok/s':>14s} {'decode tok/s':>13s} {'first token s':>14s}")
    for alias in models.LOCAL_MODELS:
        m = measure(alias, args.repeats)
        print(f"{alias:32s} {m['prefill']:14.1f} {m['decode']:13.1f} {m['ttft']:14.2f}")


if __name__ == "__main__":
    main()
