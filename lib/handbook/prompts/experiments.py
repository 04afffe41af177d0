"""The one experiment engine: run a pipeline over a dataset, record every call, compare runs, gate a release.

`run(pipeline, dataset, scorers)` calls `pipeline(item)` for each item (dicts
with a unique `id`), scores the output with named scorers, and records what
the calls cost with a `Trace` installed while the item runs: model,
parameters, prompt `name@version` and hash, tokens, dollars and latency. A
failing item is recorded with its error and scored on an empty output, never
skipped, so a crash cannot make a run look better. With `path`, results are
written as JSONL, atomically.

    run(lambda item: ask(item["question"], index), golden, {"f1": f1}, name="dense")
    -> [{"run": "dense", "id": "q01", "output": "...", "scores": {"f1": 0.8}, "calls": 1, "cost_usd": 0.0, ...}, ...]

`compare()` pairs two runs item by item: the mean of each, the mean
difference and a paired bootstrap confidence interval for it, because with
40 items a 3-point gain is often noise. `gate()` is the release check for CI:
it fails when a metric drops by more than a threshold.

Chapter 2 compares prompt versions with this engine (`handbook.prompts.variants`),
chapter 4 whole RAG pipelines, chapter 6 a model before and after fine-tuning.

Deliberately left out: parallel execution, resuming a half-finished run, and
statistical tests other than the bootstrap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..cost.trace import Trace
from ..errors import ExperimentError, HandbookError
from ..files import read_jsonl, write_jsonl
from ..llm import client

Scorer = Callable[[Mapping[str, Any], Any], float]


def _output(value: Any) -> Any:
    """What a row keeps of a pipeline's output: a mapping as it is, else its text."""
    if isinstance(value, Mapping):
        return dict(value)
    for attr in ("text", "answer"):
        if isinstance(getattr(value, attr, None), str):
            return getattr(value, attr)
    return value if isinstance(value, str) else str(value)


def run(pipeline: Callable[[Mapping[str, Any]], Any], dataset: Sequence[Mapping[str, Any]],
        scorers: Mapping[str, Scorer], path: str | Path | None = None, *, name: str = "run",
        progress: bool = True) -> list[dict[str, Any]]:
    """Run `pipeline` on every item, score it, record cost and provenance; write JSONL if `path` (chapters 2 and 4)."""
    if not dataset:
        raise ExperimentError("The dataset is empty.", "pass a list of items, each a dict with an 'id'")
    ids = [item.get("id") for item in dataset]
    if None in ids or len(set(ids)) != len(ids):
        raise ExperimentError("Every dataset item needs a unique 'id'.", "add ids such as 'q01', 'q02', ...")
    client.ready()  # any "starting the server" notice prints before the progress bar, not inside it
    from tqdm import tqdm  # the text bar: nbval sanitises it, unlike the widget one

    results = []
    for item in tqdm(dataset, desc=name, unit="item", disable=not progress):
        trace, error, output = Trace(), None, ""
        start = time.perf_counter()
        with client.use(trace):
            try:
                output = _output(pipeline(item))
            except HandbookError as exc:
                error = f"{type(exc).__name__}: {exc.message}"
        calls = [r for r in trace.rows if r["error"] is None]
        first = calls[0] if calls else None
        results.append({
            "run": name, "id": item["id"], "output": output, "error": error,
            "scores": {k: round(float(fn(item, output)), 6) for k, fn in scorers.items()},
            "model": first["model"] if first else None,
            "params": first["params"] if first else {},
            "prompt_ref": first["prompt_ref"] if first else None,
            "prompt_hash": first["prompt_hash"] if first else None,
            "calls": len(calls),
            "prompt_tokens": sum(r["prompt_tokens"] for r in calls),
            "completion_tokens": sum(r["completion_tokens"] for r in calls),
            "cost_usd": trace.total_usd,
            "latency_s": round(time.perf_counter() - start, 4),
        })
    if path is not None:
        save(results, path)
    return results


def save(results: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write results as JSONL, one item per line, atomically (chapter 4)."""
    return write_jsonl(path, results, sort_keys=True)


def load(path: str | Path) -> list[dict[str, Any]]:
    """Read a results JSONL file written by `run()` or `save()` (chapter 4)."""
    return read_jsonl(path)


@dataclass(frozen=True)
class Comparison:
    """Two runs compared on one metric over the items they share (chapters 2 and 4)."""

    metric: str
    n: int
    mean_a: float
    mean_b: float
    delta: float          # mean_b - mean_a
    ci_low: float
    ci_high: float
    wins: int             # items where b scored higher
    losses: int
    ties: int
    confidence: float = 0.95

    @property
    def significant(self) -> bool:
        """True when the confidence interval excludes zero."""
        return self.ci_low > 0 or self.ci_high < 0


def compare_scores(a: Mapping[str, float], b: Mapping[str, float], metric: str = "score", *,
                   n_boot: int = 2000, confidence: float = 0.95, seed: int = 0) -> Comparison:
    """Paired comparison of per-item scores `{id: value}` with a bootstrap CI for the mean delta (chapter 4)."""
    shared = sorted(set(a) & set(b))
    if not shared:
        raise ExperimentError(f"The two runs share no item ids for {metric!r}.", "compare runs over the same dataset")
    xa = np.array([a[i] for i in shared], dtype=float)
    xb = np.array([b[i] for i in shared], dtype=float)
    d = xb - xa
    rng = np.random.default_rng(seed)
    boot = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
    lo, hi = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2])
    return Comparison(metric, len(shared), float(xa.mean()), float(xb.mean()), float(d.mean()), float(lo), float(hi),
                      int((d > 0).sum()), int((d < 0).sum()), int((d == 0).sum()), confidence)


def scores(results: Sequence[Mapping[str, Any]], metric: str) -> dict[str, float]:
    """`{id: score}` of one scorer over a run's results (chapter 4)."""
    try:
        return {r["id"]: r["scores"][metric] for r in results}
    except KeyError as exc:
        raise ExperimentError(f"A result has no score {metric!r}.", "use a scorer name both runs computed") from exc


def compare(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], metric: str, **kw) -> Comparison:
    """Compare two `run()` results on one scorer, item by item (chapters 2 and 4)."""
    return compare_scores(scores(a, metric), scores(b, metric), metric, **kw)


@dataclass(frozen=True)
class GateResult:
    """The verdict of a regression gate, with one line per metric (chapters 2 and 4)."""

    passed: bool
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return ("PASS" if self.passed else "FAIL") + "\n" + "\n".join(self.lines)


def gate(comparisons: Sequence[Comparison], max_drop: float | Mapping[str, float] = 0.02) -> GateResult:
    """Fail if any metric's mean drops (b versus baseline a) by more than `max_drop` (chapters 2 and 4)."""
    passed, lines = True, []
    for c in comparisons:
        limit = max_drop[c.metric] if isinstance(max_drop, Mapping) else max_drop
        ok = c.delta >= -limit
        passed &= ok
        noise = "CI excludes 0" if c.significant else "CI includes 0: could be noise"
        lines.append(f"{'ok  ' if ok else 'FAIL'} {c.metric}: {c.mean_a:.3f} -> {c.mean_b:.3f} "
                     f"(delta {c.delta:+.3f}, {c.confidence:.0%} CI [{c.ci_low:+.3f}, {c.ci_high:+.3f}], {noise}; "
                     f"allowed drop {limit:.3f})")
    return GateResult(passed, tuple(lines))
