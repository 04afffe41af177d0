"""Prompt experiments: run prompt versions over a labelled set and compare them.

`run()` sends every item of a labelled dataset through every prompt variant
(a `name@version` plus its generation settings), parses a label out of each
reply, scores it, and returns one tidy row per (variant, item) with tokens,
latency and cost. `summary()` folds those rows into one row per variant, and
`regression()` answers the release question: does the candidate version score
at least as well as the one in production?

A variant with `samples=5` is *self-consistency*: five replies sampled at its
temperature (seeds 0 to 4, so reruns agree) and the majority label wins
(`majority_vote`). Its row sums the tokens and latency of all five calls,
because that is what the technique costs.

Cost comes from `handbook.cost.usd` (local models cost $0); a model missing
from the price table, such as one served by Ollama, is priced as NaN, never
as a made-up number, so an experiment on any endpoint runs to the end.

Deliberately left out: confidence intervals and significance tests (see the
evaluation chapter), LLM judges, and parallel requests (the local server runs
one request at a time anyway).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from . import client, cost, prompts
from .errors import HandbookError


@dataclass(frozen=True)
class Variant:
    """One arm of an experiment: a prompt version and how to call it (chapter 2).

    `samples=5` with a temperature above 0 is self-consistency (chapter 2). To
    run an expensive variant on fewer items, call `run()` with a subset.
    """

    ref: str
    label: str | None = None
    max_tokens: int = 8
    temperature: float = 0.0
    samples: int = 1

    def __post_init__(self):
        if self.samples < 1 or (self.samples > 1 and self.temperature <= 0):
            raise HandbookError(
                f"Variant {self.name!r} asks for {self.samples} sample(s) at temperature {self.temperature}: "
                "at temperature 0 every sample is the same reply, so a vote adds nothing.",
                "use samples=1 for greedy decoding, or samples>=3 with a temperature such as 0.8")

    @property
    def name(self) -> str:
        return self.label or self.ref


def extract_label(text: str, labels: Iterable[str]) -> str | None:
    """The label a reply names: the last `Category: x` line, else the first label word (chapter 2)."""
    labels = [x.lower() for x in labels]
    tagged = re.findall(r"category\W*([a-z_]+)", text.lower())
    for word in reversed(tagged):
        if word in labels:
            return word
    for word in re.findall(r"[a-z_]+", text.lower()):
        if word in labels:
            return word
    return None


def majority_vote(predictions: Iterable[str | None]) -> tuple[str | None, float]:
    """The most common parsed answer and the share of votes it got (chapter 2).

    Unparseable replies (None) count as votes against every label. A tie goes
    to the answer seen first, so the result never depends on set ordering.
    """
    predictions = list(predictions)
    counts = Counter(p for p in predictions if p is not None)
    if not counts:
        return None, 0.0
    best = max(counts.values())
    winner = next(p for p in predictions if p is not None and counts[p] == best)
    return winner, round(best / len(predictions), 3)


def usd(model: str, usage: client.Usage) -> float:
    """Dollar cost of one call from the dated price table; NaN for a model it lacks (chapter 2)."""
    try:
        return cost.usd(model, usage)
    except cost.PriceError:  # e.g. a model served by Ollama: unknown is not free
        return math.nan


def run(variants: Iterable[Variant | str], items: list[dict], *, inputs: dict[str, str], label: str,
        labels: Iterable[str] | None = None, parse: Callable[[str], object] | None = None,
        model: str | None = None, progress: bool = True) -> pd.DataFrame:
    """Run each variant over `items`; one row per (variant, item) (chapter 2).

    `inputs` maps template variables to item keys, e.g. `{"ticket": "text"}`;
    `label` is the item key holding the expected answer. Replies are parsed by
    `parse` or, by default, `extract_label` over `labels` (default: the
    labels seen in the data). A prediction is correct when it equals the label.
    """
    variants = [v if isinstance(v, Variant) else Variant(v) for v in variants]
    if not items:
        raise HandbookError("The dataset is empty.", "pass a list of labelled items (dicts)")
    missing = sorted({k for it in items for k in [*inputs.values(), label] if k not in it})
    if missing:
        raise HandbookError(f"Some items lack the key(s) {', '.join(missing)}.",
                            f"every item needs {', '.join([*inputs.values(), label])}")
    known = sorted({str(it[label]) for it in items}) if labels is None else list(labels)
    parse = parse or (lambda text: extract_label(text, known))
    jobs = [(v, i, it) for v in variants for i, it in enumerate(items)]
    client.ready()  # any "starting the server" notice prints before the progress bar, not inside it
    bar = _progress(sum(v.samples for v, _, _ in jobs), progress)
    rows = []
    for v, i, item in jobs:
        rendered = prompts.render(v.ref, **{var: item[key] for var, key in inputs.items()})
        replies = [client.chat(rendered, model=model, max_tokens=v.max_tokens, temperature=v.temperature, seed=s)
                   for s in range(v.samples)]
        predicted, agreement = majority_vote(parse(r.text) for r in replies)
        used = sum((r.usage for r in replies), client.Usage())
        rows.append({"variant": v.name, "ref": rendered.ref, "hash": rendered.short_hash,
                     "item": item.get("id", i), "expected": item[label], "predicted": predicted,
                     "correct": predicted == item[label], "prompt_tokens": used.prompt_tokens,
                     "completion_tokens": used.completion_tokens, "latency_s": sum(r.latency_s for r in replies),
                     "usd": usd(replies[0].model, used), "agreement": agreement,
                     "reply": replies[0].text})
        bar.update(v.samples)
    bar.close()
    return pd.DataFrame(rows)


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: accuracy, mean tokens and latency, total cost (chapter 2)."""
    out = rows.groupby("variant", sort=False).agg(
        ref=("ref", "first"), hash=("hash", "first"), n=("correct", "size"), accuracy=("correct", "mean"),
        prompt_tokens=("prompt_tokens", "mean"), completion_tokens=("completion_tokens", "mean"),
        latency_s=("latency_s", "mean"), usd=("usd", "sum"))
    return out.round({"accuracy": 3, "prompt_tokens": 1, "completion_tokens": 1, "latency_s": 2, "usd": 6})


@dataclass(frozen=True)
class Regression:
    """The outcome of gating a candidate prompt against a baseline (chapter 2)."""

    metric: str
    baseline: float
    candidate: float
    tolerance: float

    @property
    def delta(self) -> float:
        return round(self.candidate - self.baseline, 6)

    @property
    def passed(self) -> bool:
        return self.candidate >= self.baseline - self.tolerance

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (f"{verdict}: {self.metric} {self.baseline:.3f} -> {self.candidate:.3f} "
                f"(delta {self.delta:+.3f}, tolerance {self.tolerance:.3f})")


def regression(table: pd.DataFrame, baseline: str, candidate: str, metric: str = "accuracy",
               tolerance: float = 0.0) -> Regression:
    """Compare two variants of a `summary()` table; `.passed` is the release gate (chapter 2)."""
    for name in (baseline, candidate):
        if name not in table.index:
            raise HandbookError(f"No variant {name!r} in the table.", f"variants: {', '.join(map(str, table.index))}")
    return Regression(metric, float(table.loc[baseline, metric]), float(table.loc[candidate, metric]), tolerance)


def _progress(total: int, show: bool):
    from tqdm import tqdm  # text bar: it sanitises cleanly under nbval, unlike the widget one

    return tqdm(total=total, desc="prompt experiment", unit="call", disable=not show)
