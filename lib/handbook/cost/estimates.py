"""What a call will cost before it is made, and what a local call costs in machine time.

`estimate(messages, model, max_tokens)` counts the prompt exactly (chat
overhead included) and bounds the output by `max_tokens`, so the result is an
upper bound: what a budget must assume before it lets a call through.

    estimate([{"role": "user", "content": "Hi"}], "gpt-4o-mini", max_tokens=100)
    -> Estimate(model='gpt-4o-mini', input_tokens=8, output_tokens=100, usd_exact=Decimal('0.0000612'))

The local models cost $0 per token, but not $0: `hardware_usd` turns their
tokens into seconds of the machine (from measured tokens per second) and
those into dollars at an hourly rate and a utilisation.

Deliberately left out: output-length prediction (the bound is `max_tokens`),
GPU throughput (chapter 5 cites published figures), and energy prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import PriceError
from ..llm.tokens import count_messages
from ..records import Usage
from .pricing import usd_exact

# Tokens per second with llama.cpp on this book's 2-core reference machine (chapter 5). The 1.5B figures were
# measured on an idle machine; the 135M decode speed is the one in handbook.llm.models. Its prefill speed is an
# estimate: side-by-side runs on a busy machine (bench/bench_local_throughput.py) put it at 3.5-6x the 1.5B
# model's; we take 3.5x.
LOCAL_THROUGHPUT = {
    "qwen2.5-coder-1.5b-instruct": {"prefill": 170.0, "decode": 36.0},
    "smollm2-135m-instruct": {"prefill": 600.0, "decode": 150.0},
}


@dataclass(frozen=True)
class Estimate:
    """A call's cost bound before it is made: exact input, at most `output_tokens` out (chapter 5)."""

    model: str
    input_tokens: int
    output_tokens: int
    usd_exact: Decimal

    @property
    def usd(self) -> float:
        return float(self.usd_exact)


def estimate(messages=None, model: str = "gpt-4o", max_tokens: int = 256, *, input_tokens: int | None = None,
             price_as: str | None = None, approximate: bool = False) -> Estimate:
    """Estimate a call's cost before making it (chapter 5).

    Input tokens are counted exactly (chat overhead included) unless given;
    output is bounded by `max_tokens`, so the estimate is an upper bound.
    """
    if input_tokens is None:
        if messages is None:
            raise PriceError("estimate needs messages or input_tokens.", "pass one of them")
        input_tokens = count_messages(messages, model, approximate=approximate)
    if input_tokens < 0 or max_tokens < 0:
        raise PriceError(f"Token counts must be >= 0 (got {input_tokens} in, {max_tokens} out).", "pass counts >= 0")
    return Estimate(model, input_tokens, max_tokens, usd_exact(model, Usage(input_tokens, max_tokens), price_as=price_as))


def hardware_usd(model: str, usage: Usage, usd_per_hour: float, *, utilisation: float = 1.0) -> float:
    """Machine time of a local call priced at `usd_per_hour`, from measured tokens/s (chapter 5).

    `utilisation` is the share of paid hours that do useful work: at 0.25 a
    machine idles 3/4 of the time, so each useful second costs four.
    """
    if model not in LOCAL_THROUGHPUT:
        raise PriceError(f"No measured throughput for {model!r}.", f"use one of {sorted(LOCAL_THROUGHPUT)}")
    if not 0 < utilisation <= 1 or usd_per_hour < 0:
        raise PriceError(f"utilisation must be in (0, 1] and usd_per_hour >= 0 (got {utilisation}, {usd_per_hour}).",
                         "e.g. hardware_usd(model, usage, 0.10, utilisation=0.5)")
    tps = LOCAL_THROUGHPUT[model]
    seconds = usage.prompt_tokens / tps["prefill"] + usage.completion_tokens / tps["decode"]
    return seconds / 3600 * usd_per_hour / utilisation
