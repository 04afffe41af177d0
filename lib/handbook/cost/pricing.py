"""What a call cost in dollars, from a dated price table; and the one rule for a model with no price.

Prices live in `prices.csv` next to this module, one row per model: provider,
model, dollars per million input, cached-input and output tokens, the date
they were recorded (`as_of`) and where they came from. A test checks every
row against the `genai-prices` package. Where a provider charges more for very
long prompts, the row holds the base tier and its `note` says so.

`usd(model, usage)` prices the `Usage` a reply reports (cached prompt tokens
at the cached rate). Sums are exact (`Decimal`, via `usd_exact`), so a
budget's edge cases do not depend on float rounding.

    usd("gpt-4o-mini", Usage(1000, 200))  -> 0.00027   (0.15 and 0.60 $ per 1M tokens)

**The price policy.** Asking for the price of an unknown model raises
`PriceError`, with close names as a hint: a price you asked for is never
guessed. Recording what a call that already succeeded cost never raises: a
model the table lacks (one served by Ollama, say) is recorded as *unknown*,
`None`, which a table shows as NaN, never as $0 (`usd_or_none`).

`read_table` is the one reader of dated CSV tables; the training prices of
chapter 6 use it too.

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

from ..errors import PriceError
from ..records import Usage

PRICE_FILE = Path(__file__).with_name("prices.csv")
MILLION = Decimal(1_000_000)
COLUMNS = ("provider", "model", "input", "output", "as_of", "source")  # required; cached_input and note optional


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


def read_table(path: str | Path, required: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """Rows of a dated CSV table as `(where, row)`, `where` being "file line N"; a row lacking a field raises (chapter 5)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise PriceError(f"Cannot read the price table {path}: {exc}", "check the path") from exc
    out = []
    for line, row in enumerate(rows, start=2):
        where = f"{path.name} line {line}"
        missing = [k for k in required if not (row.get(k) or "").strip()]
        if missing:
            raise PriceError(f"{where} lacks {', '.join(missing)}.", "every row needs a price, a date and a source")
        out.append((where, row))
    return out


def load_prices(path: str | Path = PRICE_FILE) -> dict[str, Price]:
    """Read a price table (CSV) into {model: Price}; malformed rows raise `PriceError` (chapter 5)."""
    table: dict[str, Price] = {}
    for where, row in read_table(path, COLUMNS):
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


def usd_or_none(model: str, usage: Usage, *, price_as: str | None = None) -> float | None:
    """Dollar cost of a call that already happened; None (unknown) for a model without a price (chapter 5)."""
    try:
        return usd(model, usage, price_as=price_as)
    except PriceError:
        return None
