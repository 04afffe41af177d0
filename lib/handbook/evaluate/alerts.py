"""Alert rules over the metrics of a window of spans: few, actionable, and sustained (chapter 4).

A rule names one metric of `monitor.window_metrics()` (p95 latency, error rate,
judge pass rate, drift score, ...), a direction and a threshold, the number of
samples the metric needs before it is trusted, and for how many consecutive
windows the condition must hold before the alert fires:

    Rule("latency", "p95_latency_s", ">", 2.0)                      # an SLO on the tail
    Rule("quality", "judge_pass_rate", "<", 0.5, min_samples=3, samples="judged")
    Rule("errors", "error_rate", ">", 0.05, for_windows=2)          # not on one bad minute

`check(rule, metrics)` gives an `Alert` for one window (fired or not, with the
value and the reason); `over_windows(rules, {window: metrics})` a table of every
rule in every window, applying `for_windows`. A metric that is missing, NaN or
has fewer than `min_samples` samples never fires: no data is not an incident
(alert on the data going missing with its own rule, e.g. `requests < 1`).

Deliberately left out: notification channels, silencing and escalation (a backend's
alert manager does that), and time-based windows (the caller cuts the spans).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EvaluationError

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@dataclass(frozen=True)
class Rule:
    """Fire when `metric op threshold` holds, with enough samples, for `for_windows` windows (chapter 4)."""

    name: str
    metric: str
    op: str
    threshold: float
    min_samples: int = 1
    samples: str = "requests"
    for_windows: int = 1

    def __post_init__(self):
        if self.op not in _OPS:
            raise EvaluationError(f"Unknown comparison {self.op!r} in rule {self.name!r}.",
                                  f"use one of {', '.join(_OPS)}")
        if self.for_windows < 1 or self.min_samples < 0:
            raise EvaluationError(f"Rule {self.name!r}: for_windows must be >= 1 and min_samples >= 0.",
                                  "e.g. for_windows=1, min_samples=1")

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Alert:
    """One rule on one window: whether its condition held, with the value and why (chapter 4)."""

    rule: str
    value: float | None
    condition: bool
    reason: str


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def check(rule: Rule, metrics: Mapping[str, Any]) -> Alert:
    """Whether `rule`'s condition holds on one window's metrics (chapter 4)."""
    value = _number(metrics.get(rule.metric))
    n = _number(metrics.get(rule.samples)) if rule.samples else None
    if value is None:
        return Alert(rule.name, None, False, f"no {rule.metric}")
    if rule.samples and (n or 0) < rule.min_samples:
        return Alert(rule.name, value, False, f"{n or 0:g} {rule.samples} < {rule.min_samples}")
    held = _OPS[rule.op](value, rule.threshold)
    return Alert(rule.name, value, held, f"{rule.metric} {value:.3g} {'' if held else 'not '}{rule.op} "
                                         f"{rule.threshold:g}")


def over_windows(rules: Sequence[Rule], windows: Mapping[str, Mapping[str, Any]]):
    """A table (pandas DataFrame), one row per window in order, a `fired` column per rule (chapter 4).

    A rule fires in a window when its condition held there and in the
    `for_windows - 1` windows before it. Columns: `<rule>` (fired, bool) and
    `<rule> value`.
    """
    import pandas as pd

    rows, streak = [], {r.name: 0 for r in rules}
    for window, metrics in windows.items():
        row: dict[str, Any] = {"window": window}
        for rule in rules:
            alert = check(rule, metrics)
            streak[rule.name] = streak[rule.name] + 1 if alert.condition else 0
            row[rule.name] = streak[rule.name] >= rule.for_windows
            row[f"{rule.name} value"] = alert.value
        rows.append(row)
    columns = ["window", *[r.name for r in rules], *[f"{r.name} value" for r in rules]]
    return pd.DataFrame(rows, columns=columns).set_index("window")


def fired(table, rule: str) -> list[str]:
    """The windows in which `rule` fired, in order (chapter 4)."""
    return [str(w) for w, on in table[rule].items() if bool(on)]
