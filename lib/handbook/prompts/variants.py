"""Prompt versions compared on a labelled set: variants, label parsing, self-consistency votes.

A `Variant` is one arm of an experiment: a prompt `name@version` plus how to
call it. `run(variants, items, inputs=..., label=...)` renders each item into
each variant's prompt, calls the model, parses a label out of the reply and
scores it, through the one experiment engine (`handbook.prompts.experiments`),
so every call is traced and priced the same way as a chapter 4 pipeline. It
returns a tidy DataFrame, one row per (variant, item); `summary()` folds it
into one row per variant and the release gate answers the question: does the
candidate version score at least as well as the one in production? (`regression`)

    run([Variant("ticket-triage@1", "zero-shot")], tickets, inputs={"ticket": "text"}, label="category")
    -> DataFrame[variant, ref, hash, item, expected, predicted, correct, prompt_tokens, ..., usd, agreement, reply]

A variant with `samples=5` is *self-consistency*: five replies sampled at its
temperature (seeds 0 to 4, so reruns agree) and the majority label wins
(`majority_vote`). Its row sums the tokens and latency of all five calls,
because that is what the technique costs. Cost follows the library's price
policy: a model missing from the price table is NaN (unknown), never $0.

Deliberately left out: LLM judges (chapter 4), and parallel requests (the
local server runs one request at a time anyway).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from ..errors import ExperimentError
from ..llm import client
from . import experiments
from .templates import render


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
            raise ExperimentError(
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
        raise ExperimentError("The dataset is empty.", "pass a list of labelled items (dicts)")
    missing = sorted({k for it in items for k in [*inputs.values(), label] if k not in it})
    if missing:
        raise ExperimentError(f"Some items lack the key(s) {', '.join(missing)}.",
                              f"every item needs {', '.join([*inputs.values(), label])}")
    known = sorted({str(it[label]) for it in items}) if labels is None else list(labels)
    parse = parse or (lambda text: extract_label(text, known))
    dataset = [{**it, "id": it.get("id", i)} for i, it in enumerate(items)]
    rows = []
    for v in variants:
        def classify(item, v=v):
            rendered = render(v.ref, **{var: item[key] for var, key in inputs.items()})
            replies = [client.chat(rendered, model=model, max_tokens=v.max_tokens, temperature=v.temperature, seed=s)
                       for s in range(v.samples)]
            predicted, agreement = majority_vote(parse(r.text) for r in replies)
            return {"predicted": predicted, "agreement": agreement, "reply": replies[0].text,
                    "ref": rendered.ref, "hash": rendered.short_hash,
                    "latency_s": sum(r.latency_s for r in replies)}

        correct = {"correct": lambda item, out: float(isinstance(out, dict) and out["predicted"] == item[label])}
        for item, res in zip(dataset, experiments.run(classify, dataset, correct, name=v.name, progress=progress),
                             strict=True):
            out = res["output"] if isinstance(res["output"], dict) else {}
            rows.append({"variant": v.name, "ref": out.get("ref", v.ref), "hash": out.get("hash"), "item": res["id"],
                         "expected": item[label], "predicted": out.get("predicted"),
                         "correct": bool(res["scores"]["correct"]), "prompt_tokens": res["prompt_tokens"],
                         "completion_tokens": res["completion_tokens"], "latency_s": out.get("latency_s", 0.0),
                         "usd": float("nan") if res["cost_usd"] is None else res["cost_usd"],
                         "agreement": out.get("agreement", 0.0), "reply": out.get("reply", res["error"] or "")})
    return pd.DataFrame(rows)


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: accuracy, mean tokens and latency, total cost (chapter 2)."""
    out = rows.groupby("variant", sort=False).agg(
        ref=("ref", "first"), hash=("hash", "first"), n=("correct", "size"), accuracy=("correct", "mean"),
        prompt_tokens=("prompt_tokens", "mean"), completion_tokens=("completion_tokens", "mean"),
        latency_s=("latency_s", "mean"), usd=("usd", lambda s: s.sum(min_count=len(s))))  # NaN: unknown
    return out.round({"accuracy": 3, "prompt_tokens": 1, "completion_tokens": 1, "latency_s": 2, "usd": 6})


def regression(rows: pd.DataFrame, baseline: str, candidate: str, *, max_drop: float = 0.0,
               **bootstrap) -> experiments.GateResult:
    """Release check: does `candidate` keep the accuracy of `baseline` on the same items? (chapter 2)

    Pairs the two variants item by item and gates them with
    `experiments.gate`, which also says whether the difference could be noise.
    """
    per_variant = {}
    for name in (baseline, candidate):
        r = rows[rows["variant"] == name]
        if r.empty:
            raise ExperimentError(f"No variant {name!r} in the rows.",
                                  f"variants: {', '.join(map(str, rows['variant'].unique()))}")
        per_variant[name] = dict(zip(r["item"], r["correct"].astype(float), strict=True))
    comparison = experiments.compare_scores(per_variant[baseline], per_variant[candidate], "accuracy", **bootstrap)
    return experiments.gate([comparison], max_drop=max_drop)
