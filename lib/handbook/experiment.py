"""Prompt experiments: run prompt versions over a labelled set and compare them.

`run()` sends every item of a labelled dataset through every prompt variant
(a `name@version` plus its generation settings), parses a label out of each
reply, scores it, and returns one tidy row per (variant, item) with tokens,
latency and cost. `summary()` folds those rows into one row per variant, and
`regression()` answers the release question: does the candidate version score
at least as well as the one in production?

Cost comes from `handbook.cost.usd` when that module is present; without it,
local models are priced at $0 (they are free to run) and remote ones as NaN,
never as a made-up number.

Deliberately left out: confidence intervals and significance tests (see the
evaluation chapter), LLM judges, and parallel requests (the local server runs
one request at a time anyway).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from . import client, config, prompts
from .errors import HandbookError


@dataclass(frozen=True)
class Variant:
    """One arm of an experiment: a prompt version and how to call it (chapter 2).

    `every=4` runs only every 4th item (a cheaper subset for long generations).
    """

    ref: str
    label: str | None = None
    max_tokens: int = 8
    every: int = 1

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


def usd(model: str, usage: client.Usage) -> float:
    """Dollar cost of one call: `handbook.cost.usd` if present, $0 for local models, else NaN (chapter 2)."""
    try:
        from .cost import usd as priced
    except ImportError:
        return 0.0 if config.settings().local else math.nan
    return float(priced(model, usage))


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
    jobs = [(v, i, it) for v in variants for i, it in enumerate(items) if i % v.every == 0]
    client.ready()  # any "starting the server" notice prints before the progress bar, not inside it
    bar = _progress(len(jobs), progress)
    rows = []
    for v, i, item in jobs:
        rendered = prompts.render(v.ref, **{var: item[key] for var, key in inputs.items()})
        reply = client.chat(rendered, model=model, max_tokens=v.max_tokens)
        predicted = parse(reply.text)
        rows.append({"variant": v.name, "ref": rendered.ref, "hash": rendered.short_hash,
                     "item": item.get("id", i), "expected": item[label], "predicted": predicted,
                     "correct": predicted == item[label], "prompt_tokens": reply.usage.prompt_tokens,
                     "completion_tokens": reply.usage.completion_tokens, "latency_s": reply.latency_s,
                     "usd": usd(reply.model, reply.usage), "reply": reply.text})
        bar.update(1)
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
