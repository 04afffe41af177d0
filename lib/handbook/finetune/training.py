"""Training runs: what one costs before you start, and whether it helped after.

`training_cost()` prices a managed fine-tuning run as dataset tokens x epochs x
a dated price per training token. The prices live in `training_prices.csv`
next to this module, one row per model with the date it was read and its
source, read by the same table reader as the inference prices
(`handbook.cost.pricing.read_table`). `before_after()` turns per-item scores from before and after the run
into one comparison per metric, with a paired bootstrap confidence interval
from the experiment engine (`handbook.prompts.experiments`), because a fine-tune that moves a mean by less
than its noise has not shown that it helped.

Deliberately left out: hosting and inference prices of fine-tuned models,
GPU-hour pricing for self-hosted training, and any comparison that is not
paired item by item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cost.pricing import read_table
from ..errors import ExperimentError, PriceError
from ..prompts.experiments import Comparison, compare_scores

PRICE_FILE = Path(__file__).with_name("training_prices.csv")


@dataclass(frozen=True)
class TrainingPrice:
    """A dated price per training token for one managed fine-tuning model, with its source (chapter 6)."""

    model: str
    usd_per_mtok: float  # US dollars per million training tokens
    as_of: str  # date the price was read
    source: str


def load_training_prices(path: str | Path = PRICE_FILE) -> tuple[TrainingPrice, ...]:
    """Read a training price table (CSV: model, usd_per_mtok, as_of, source); errors name the line (chapter 6)."""
    rows = []
    for where, rec in read_table(path, ("model", "usd_per_mtok", "as_of", "source")):
        try:
            rows.append(TrainingPrice(rec["model"], float(rec["usd_per_mtok"]), rec["as_of"], rec["source"]))
        except ValueError as exc:
            raise PriceError(f"{where}: usd_per_mtok {rec['usd_per_mtok']!r} is not a number.",
                             "fix the row in the training price table") from exc
    return tuple(rows)


# Managed fine-tuning prices per million training tokens (training only; inference is billed apart).
TRAINING_PRICES = load_training_prices()


@dataclass(frozen=True)
class TrainingCost:
    """Billed tokens and dollars for one training run (chapter 6)."""

    model: str
    dataset_tokens: int
    epochs: int
    billed_tokens: int
    usd: float
    price: TrainingPrice


def training_price(model: str, prices: Sequence[TrainingPrice] = TRAINING_PRICES) -> TrainingPrice:
    """The dated training price row for `model` (chapter 6)."""
    for row in prices:
        if row.model == model:
            return row
    raise PriceError(
        f"No training price for {model!r}.",
        f"use one of {', '.join(sorted(p.model for p in prices))}, or pass your own TrainingPrice rows",
    )


def training_cost(
    dataset_tokens: int, epochs: int, model: str, prices: Sequence[TrainingPrice] = TRAINING_PRICES
) -> TrainingCost:
    """Estimate a managed training run: tokens x epochs x price per training token (chapter 6)."""
    if dataset_tokens < 0 or epochs < 1:
        raise PriceError(
            f"Cannot price {dataset_tokens} tokens for {epochs} epoch(s).",
            "pass a token count >= 0 and at least one epoch",
        )
    price = training_price(model, prices)
    billed = dataset_tokens * epochs
    return TrainingCost(model, dataset_tokens, epochs, billed, billed * price.usd_per_mtok / 1e6, price)


# -------------------------------------------------------------------- before / after
def before_after(
    before: Mapping[str, Mapping[str, float]],
    after: Mapping[str, Mapping[str, float]],
    metrics: Sequence[str] | None = None,
    **bootstrap,
) -> list[Comparison]:
    """Compare per-item scores before and after adaptation, one paired bootstrap per metric (chapter 6).

    `before` and `after` map an item id to its scores, `{id: {metric: value}}`,
    which is exactly what `evaluate.evaluate_run()` returns per query; for a
    generation task, build the same shape from your own per-item checks. Each
    metric becomes an experiment `Comparison` (means, delta, confidence
    interval, wins and losses) over the items both sides scored.
    """
    if not before or not after:
        raise ExperimentError("Nothing to compare: a side has no scored items.", "score the same held-out items twice")
    names = list(metrics) if metrics else sorted(next(iter(before.values())))
    out = []
    for name in names:
        try:
            a = {item: scores[name] for item, scores in before.items()}
            b = {item: scores[name] for item, scores in after.items()}
        except KeyError as exc:
            raise ExperimentError(
                f"Metric {name!r} is missing for some items.", "score every item on every metric"
            ) from exc
        out.append(compare_scores(a, b, name, **bootstrap))
    return out


def comparison_rows(comparisons: Sequence[Comparison], digits: int = 3) -> list[dict]:
    """Rounded rows, one per metric, ready for `pandas.DataFrame` or printing (chapter 6)."""
    r = lambda x: round(float(x), digits)  # noqa: E731
    return [
        {
            "metric": c.metric,
            "n": c.n,
            "before": r(c.mean_a),
            "after": r(c.mean_b),
            "delta": r(c.delta),
            f"{c.confidence:.0%} CI": f"[{r(c.ci_low):+}, {r(c.ci_high):+}]",
            "wins/losses/ties": f"{c.wins}/{c.losses}/{c.ties}",
        }
        for c in comparisons
    ]
