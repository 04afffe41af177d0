"""Self-hosting against an API: dollars per million tokens of a rented machine, by utilisation.

A machine you rent costs the same every hour whether it works or idles. If it
reads prompts at `prefill_tps` and writes at `decode_tps` tokens per second, a
request of `n_in` prompt and `n_out` reply tokens keeps it busy for
`n_in / prefill_tps + n_out / decode_tps` seconds, and at utilisation `u` (the
share of paid hours spent on such work) one million tokens cost

    usd_per_hour / 3600 * seconds_per_request / (n_in + n_out) * 1e6 / u

An API bills the same tokens at its list prices, whatever the utilisation.
The machine breaks even where the two are equal:
`break_even_utilisation(machine, "gpt-5-mini", Usage(500, 200))`; above 1.0
it never does.

    box = local_machine("qwen2.5-coder-1.5b-instruct", usd_per_hour=0.10)
    machine_usd_per_million(box, Usage(500, 200), utilisation=0.25)  -> 1.35

`MACHINES` holds the book's two examples with their sources: the 2-core
laptop (measured, `LOCAL_THROUGHPUT`) and one rented GPU (published figures).

Deliberately left out: staff time, storage, egress, power and the quality gap
between the model you host and the one you would call; batch and cached-input
discounts on the API side (price them with `pricing.usd` if you use them).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PriceError
from ..records import Usage
from .estimates import LOCAL_THROUGHPUT
from .pricing import usd


@dataclass(frozen=True)
class Machine:
    """A rented machine serving one model: price per hour and tokens per second (chapter 5)."""

    name: str
    usd_per_hour: float
    prefill_tps: float  # prompt tokens read per second (all concurrent requests together)
    decode_tps: float  # reply tokens written per second (all concurrent requests together)
    source: str


def local_machine(model: str, usd_per_hour: float) -> Machine:
    """The book's 2-core machine running a local model, at an hourly price you assume (chapter 5)."""
    if model not in LOCAL_THROUGHPUT:
        raise PriceError(f"No measured throughput for {model!r}.", f"use one of {sorted(LOCAL_THROUGHPUT)}")
    tps = LOCAL_THROUGHPUT[model]
    return Machine(f"{model} on 2 CPU cores", usd_per_hour, tps["prefill"], tps["decode"],
                   "measured: bench/bench_local_throughput.py (handbook.cost.LOCAL_THROUGHPUT)")


# Published figures for a GPU, for comparison with the measured laptop. GPU Advisor's May 2026 table puts
# Llama 3.1 8B (FP16, vLLM, 16 requests at once) on one rented H100 80GB at 5,500 reply tokens/s for $2.49/hour.
# It gives no prompt speed; 25,000 tokens/s is our assumption: prompt reading is compute-bound, and an 8B model
# needs about 2 x 8e9 FLOPs per token, so 40% of the H100's 989 dense BF16 TFLOPS reads ~25,000 tokens/s.
MACHINES = {
    "laptop": local_machine("qwen2.5-coder-1.5b-instruct", 0.10),
    "h100": Machine("Llama 3.1 8B on one H100", 2.49, 25_000.0, 5_500.0,
                    "https://gpuadvisor.com/cost-to-serve-1m-tokens (May 2026); prefill assumed"),
}


def _check(usage: Usage, utilisation: float = 1.0) -> None:
    if usage.prompt_tokens < 0 or usage.completion_tokens < 0 or usage.prompt_tokens + usage.completion_tokens == 0:
        raise PriceError(f"A request needs some tokens, got {usage}.", "e.g. Usage(500, 200)")
    if not 0 < utilisation <= 1:
        raise PriceError(f"utilisation must be in (0, 1], got {utilisation}.", "e.g. utilisation=0.25")


def seconds_per_request(machine: Machine, usage: Usage) -> float:
    """Busy seconds of `machine` for one request of `usage`'s shape (chapter 5)."""
    _check(usage)
    return usage.prompt_tokens / machine.prefill_tps + usage.completion_tokens / machine.decode_tps


def machine_usd_per_million(machine: Machine, usage: Usage, utilisation: float = 1.0) -> float:
    """Dollars per 1M tokens (prompt + reply) of requests shaped like `usage`, at `utilisation` (chapter 5)."""
    _check(usage, utilisation)
    usd_per_request = machine.usd_per_hour / 3600 * seconds_per_request(machine, usage) / utilisation
    return usd_per_request / (usage.prompt_tokens + usage.completion_tokens) * 1e6


def api_usd_per_million(model: str, usage: Usage) -> float:
    """Dollars per 1M tokens (prompt + reply) on an API model, at the request shape of `usage` (chapter 5).

    Reasoning tokens are reply tokens: put them in `usage.completion_tokens`.
    """
    _check(usage)
    return usd(model, usage) / (usage.prompt_tokens + usage.completion_tokens) * 1e6


def break_even_utilisation(machine: Machine, model: str, usage: Usage) -> float:
    """The utilisation at which `machine` costs what `model` costs per token; > 1 means never (chapter 5)."""
    api = api_usd_per_million(model, usage)
    if api == 0:
        return float("inf")
    return machine_usd_per_million(machine, usage) / api
