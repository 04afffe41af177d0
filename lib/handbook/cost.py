"""What a call costs in dollars: a dated price table, estimates before a call and exact metering after.

Prices live in `prices.csv` next to this module, one row per model: provider,
model, dollars per million input, cached-input and output tokens, the date
they were recorded (`as_of`) and where they came from. A test checks every
row against the `genai-prices` package. Where a provider charges more for very
long prompts, the row holds the base tier and its `note` says so.

`usd(model, usage)` prices the `Usage` a reply reports (cached prompt tokens
at the cached rate); `estimate(messages, model, max_tokens)` bounds a call's
cost before it is made; `hardware_usd` turns local-model tokens into machine
time, since the local models themselves cost $0 per token. Sums are exact
(`Decimal`), so a budget's edge cases do not depend on float rounding.

Deliberately left out: batch and flex discounts, cache-write surcharges,
long-context tiers, images, audio and tool fees; currency conversion.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .client import Usage
from .errors import HandbookError
from .tokens import count_messages

PRICE_FILE = Path(__file__).with_name("prices.csv")
MILLION = Decimal(1_000_000)
# Tokens per second with llama.cpp on this book's 2-core reference machine (chapter 5). The 1.5B figures were
# measured on an idle machine; the 135M decode speed is the one in handbook.models. Its prefill speed is an
# estimate: side-by-side runs on a busy machine (bench/bench_local_throughput.py) put it at 3.5-6x the 1.5B
# model's; we take 3.5x.
LOCAL_THROUGHPUT = {
    "qwen2.5-coder-1.5b-instruct": {"prefill": 170.0, "decode": 36.0},
    "smollm2-135m-instruct": {"prefill": 600.0, "decode": 150.0},
}


class PriceError(HandbookError):
    """A model has no price, or the price table is malformed (chapter 5)."""


@dataclass(frozen=True)
class Price:
    """One row of the price table: dollars per 1M tokens (chapter 5)."""

    provider: str
    model: str
    input: Decimal
    cached_input: Decimal | None  # None: no discount for cached prompt tokens
    output: Decimal
    as_of: str
    source: str
    note: str = ""

    @property
    def local(self) -> bool:
        return self.provider == "local"


def _dec(value: str, where: str) -> Decimal | None:
    if value.strip() == "":
        return None
    try:
        d = Decimal(value)
    except ArithmeticError as exc:
        raise PriceError(f"{where}: {value!r} is not a number.", "fix the row in the price table") from exc
    if d < 0 or not d.is_finite():
        raise PriceError(f"{where}: price {value!r} must be a finite number >= 0.", "fix the row in the price table")
    return d


def load_prices(path: str | Path = PRICE_FILE) -> dict[str, Price]:
    """Read a price table (CSV) into {model: Price}; malformed rows raise `PriceError` (chapter 5)."""
    path = Path(path)
    try:
        rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    except OSError as exc:
        raise PriceError(f"Cannot read the price table {path}: {exc}", "check the path") from exc
    table: dict[str, Price] = {}
    for i, row in enumerate(rows, start=2):
        where = f"{path.name} line {i}"
        missing = [k for k in ("provider", "model", "input", "output", "as_of", "source") if not (row.get(k) or "").strip()]
        if missing:
            raise PriceError(f"{where} lacks {', '.join(missing)}.", "every row needs a price, a date and a source")
        if row["model"] in table:
            raise PriceError(f"{where} repeats the model {row['model']!r}.", "keep one row per model")
        table[row["model"]] = Price(row["provider"], row["model"], _dec(row["input"], where),
                                    _dec(row.get("cached_input") or "", where), _dec(row["output"], where),
                                    row["as_of"], row["source"], row.get("note") or "")
    return table


@functools.lru_cache(maxsize=1)
def _default_table() -> dict[str, Price]:
    return load_prices(PRICE_FILE)


def prices(provider: str | None = None) -> list[Price]:
    """Every row of the built-in price table, optionally for one provider (chapter 5)."""
    rows = sorted(_default_table().values(), key=lambda p: (p.provider, p.model))
    return [p for p in rows if provider is None or p.provider == provider]


def price(model: str) -> Price:
    """The price row for a model; dated snapshots (gpt-4o-2024-08-06) fall back to their base name (chapter 5)."""
    table = _default_table()
    base = re.sub(r"-(\d{4}-\d{2}-\d{2}|\d{8})$", "", model)
    for name in (model, base):
        if name in table:
            return table[name]
    close = difflib.get_close_matches(model, list(table), n=3, cutoff=0.4)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise PriceError(f"No price for model {model!r}.{hint}",
                     "use a model from `handbook prices`, or add a dated row with its source to prices.csv")


def usd_exact(model: str, usage: Usage, *, price_as: str | None = None) -> Decimal:
    """Exact dollar cost of `usage`; `price_as` bills it at another model's rates (chapter 5)."""
    p = price(price_as or model)
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    cached_rate = p.input if p.cached_input is None else p.cached_input
    return ((usage.prompt_tokens - cached) * p.input + cached * cached_rate + usage.completion_tokens * p.output) / MILLION


def usd(model: str, usage: Usage, *, price_as: str | None = None) -> float:
    """Dollar cost of a reply's `Usage` (0.0 for the local models) (chapter 5)."""
    return float(usd_exact(model, usage, price_as=price_as))


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
