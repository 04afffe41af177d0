"""Experiments: run a pipeline over a dataset, store every item as JSONL, compare runs, gate regressions.

`run()` calls `pipeline(item)` for each item of a dataset (dicts with an
`id`), scores the output with named scorers, and records what the calls
cost: model, parameters, prompt `name@version` and hash, tokens, dollars and
latency, captured by a client hook while the item runs. A failing item is
recorded with its error and scored on an empty output, never skipped, so a
crash cannot make a run look better. Results go to a JSONL file, written
atomically.

`compare()` pairs two runs item by item and reports the mean of each, the
mean difference and a paired bootstrap confidence interval for it: with 40
items a 3-point gain is often noise, and the interval says so. `gate()` is
the regression check for CI: it fails when a metric drops by more than a
threshold.

Deliberately left out: parallel execution, resuming a half-finished run, and
statistical tests other than the bootstrap.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import client
from .errors import HandbookError
from .evaluate import EvaluationError
from .files import atomic_write
from .trace import read_jsonl, usd

Scorer = Callable[[Mapping[str, Any], str], float]


class _Recorder:
    """Client hook that collects every reply made while one item runs."""

    def __init__(self):
        self.calls: list[tuple[Any, Any]] = []

    def before(self, request):
        return None

    def after(self, request, reply, error):
        if reply is not None:
            self.calls.append((request, reply))


def _text(output: Any) -> str:
    for attr in ("text", "answer"):
        if isinstance(getattr(output, attr, None), str):
            return getattr(output, attr)
    return output if isinstance(output, str) else str(output)


def run(pipeline: Callable[[Mapping[str, Any]], Any], dataset: Sequence[Mapping[str, Any]],
        scorers: Mapping[str, Scorer], path: str | Path | None = None, *, name: str = "run",
        progress: bool = True) -> list[dict[str, Any]]:
    """Run `pipeline` on every item, score it, record cost and provenance; write JSONL if `path` (chapter 4)."""
    if not dataset:
        raise EvaluationError("The dataset is empty.", "pass a list of items, each a dict with an 'id'")
    ids = [item.get("id") for item in dataset]
    if None in ids or len(set(ids)) != len(ids):
        raise EvaluationError("Every dataset item needs a unique 'id'.", "add ids such as 'q01', 'q02', ...")
    from tqdm.auto import tqdm

    results = []
    for item in tqdm(dataset, desc=name, disable=not progress):
        recorder, error, output = _Recorder(), None, ""
        start = time.perf_counter()
        with client.use(recorder):
            try:
                output = _text(pipeline(item))
            except HandbookError as exc:
                error = f"{type(exc).__name__}: {exc.message}"
        elapsed = time.perf_counter() - start
        replies = [r for _, r in recorder.calls]
        first = recorder.calls[0][0] if recorder.calls else None
        costs = [usd(r.model, r.usage) for r in replies]
        results.append({
            "run": name, "id": item["id"], "output": output, "error": error,
            "scores": {k: round(float(fn(item, output)), 6) for k, fn in scorers.items()},
            "model": replies[0].model if replies else None,
            "params": dict(first.params) if first else {},
            "prompt_ref": first.prompt_ref if first else None,
            "prompt_hash": first.prompt_hash if first else None,
            "calls": len(replies),
            "prompt_tokens": sum(r.usage.prompt_tokens for r in replies),
            "completion_tokens": sum(r.usage.completion_tokens for r in replies),
            "cost_usd": None if None in costs else sum(costs),
            "latency_s": round(elapsed, 4),
        })
    if path is not None:
        save(results, path)
    return results


def save(results: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write results as JSONL, one item per line, via a temporary file and `os.replace` (chapter 4)."""
    return atomic_write(path, (json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in results))


def load(path: str | Path) -> list[dict[str, Any]]:
    """Read a results JSONL file written by `run()` or `save()` (chapter 4)."""
    return read_jsonl(path)


@dataclass(frozen=True)
class Comparison:
    """Two runs compared on one metric over the items they share (chapter 4)."""

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
        raise EvaluationError(f"The two runs share no item ids for {metric!r}.", "compare runs over the same dataset")
    xa = np.array([a[i] for i in shared], dtype=float)
    xb = np.array([b[i] for i in shared], dtype=float)
    d = xb - xa
    rng = np.random.default_rng(seed)
    boot = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
    lo, hi = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2])
    return Comparison(metric, len(shared), float(xa.mean()), float(xb.mean()), float(d.mean()), float(lo), float(hi),
                      int((d > 0).sum()), int((d < 0).sum()), int((d == 0).sum()), confidence)


def compare(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], metric: str, **kw) -> Comparison:
    """Compare two `run()` results on one scorer, item by item (chapter 4)."""
    def scores(results):
        try:
            return {r["id"]: r["scores"][metric] for r in results}
        except KeyError as exc:
            raise EvaluationError(f"A result has no score {metric!r}.", "use a scorer name both runs computed") from exc
    return compare_scores(scores(a), scores(b), metric, **kw)


@dataclass(frozen=True)
class GateResult:
    """The verdict of a regression gate, with one line per metric (chapter 4)."""

    passed: bool
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return ("PASS" if self.passed else "FAIL") + "\n" + "\n".join(self.lines)


def gate(comparisons: Sequence[Comparison], max_drop: float | Mapping[str, float] = 0.02) -> GateResult:
    """Fail if any metric's mean drops (b versus baseline a) by more than `max_drop` (chapter 4)."""
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
