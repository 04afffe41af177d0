"""Monitoring: what the trace of every call says about a system, as a table and as a dashboard.

The rows come from the chat spans (`handbook.telemetry`): a span file that
`HANDBOOK_TRACE` or `Trace(path)` wrote, or the rows of a `Trace` in memory;
span records are read as rows by `handbook.cost.trace.rows_of_spans`. `summary()` turns them into one
row per group (calls, error rate, p50/p95 latency, tokens, dollars, cache
hits); `dashboard()` draws the four plots a monitoring page shows first.

    summary("runs/lab4/trace.jsonl", by="stage")
    -> DataFrame[stage | calls, errors, error_rate, p50_latency_s, p95_latency_s, ..., cost_usd, cache_hits]

Percentiles, not means: a p95 says what one user in twenty waits, which a
mean hides. Latency percentiles are over calls that returned a reply; failed
calls count in `error_rate`.

Deliberately left out: alerting, time windows and drift statistics
(chapter 4 discusses them), and live views (OpenTelemetry backends do that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..cost.trace import rows_of_spans
from ..errors import EvaluationError
from ..files import read_jsonl


def _rows(records: Iterable[Mapping[str, Any]] | str | Path) -> list[Mapping[str, Any]]:
    records = rows_of_spans(read_jsonl(records) if isinstance(records, str | Path) else list(records))
    if not records:
        raise EvaluationError("The trace has no records.", "make at least one call with a Trace installed")
    return records


def summary(records: Iterable[Mapping[str, Any]] | str | Path, by: str | None = None):
    """A table (pandas DataFrame) of calls, errors, p50/p95 latency, tokens and cost, one row per group (chapter 4).

    Without `by`, there is one row named `all`. Dollars of a group with a call
    of unknown price are NaN: unknown, not free.
    """
    import numpy as np
    import pandas as pd

    records = _rows(records)
    df = pd.DataFrame(records)
    for col, default in (("error", None), ("latency_s", np.nan), ("cost_usd", 0.0), ("cached", False),
                         ("prompt_tokens", 0), ("completion_tokens", 0)):
        if col not in df:
            df[col] = default
    key = df[by].astype(str) if by else pd.Series("all", index=df.index)
    rows = []
    for name, g in df.groupby(key, sort=True):
        ok = g[g["error"].isna()]
        lat = ok["latency_s"].dropna().to_numpy(dtype=float)
        rows.append({
            by or "group": name,
            "calls": len(g),
            "errors": int(g["error"].notna().sum()),
            "error_rate": float(g["error"].notna().mean()),
            "p50_latency_s": float(np.percentile(lat, 50)) if lat.size else float("nan"),
            "p95_latency_s": float(np.percentile(lat, 95)) if lat.size else float("nan"),
            "prompt_tokens": int(g["prompt_tokens"].sum()),
            "completion_tokens": int(g["completion_tokens"].sum()),
            "tokens_per_call": float((g["prompt_tokens"] + g["completion_tokens"]).mean()),
            "cost_usd": float(pd.to_numeric(g["cost_usd"], errors="coerce").sum(min_count=len(g))),
            "cache_hits": int(g["cached"].astype(bool).sum()),
        })
    return pd.DataFrame(rows).set_index(by or "group")


def dashboard(records: Iterable[Mapping[str, Any]] | str | Path, by: str = "model", figsize=(11, 7)):
    """Four monitoring plots: latency distribution, latency over calls, tokens, errors (chapter 4)."""
    import matplotlib.pyplot as plt
    import numpy as np

    records = _rows(records)
    groups = sorted({str(r.get(by)) for r in records})
    fig, ax = plt.subplots(2, 2, figsize=figsize)
    ok = {i for i, r in enumerate(records) if not r.get("error") and r.get("latency_s") is not None}
    lat = np.array([records[i]["latency_s"] for i in sorted(ok)], dtype=float)
    ax[0, 0].hist(lat, bins=20, color="#4C72B0")
    for q, style in ((50, "--"), (95, ":")):
        if lat.size:
            v = np.percentile(lat, q)
            ax[0, 0].axvline(v, color="k", ls=style, label=f"p{q} = {v:.2f} s")
    ax[0, 0].set(title="Latency per call", xlabel="seconds", ylabel="calls")
    ax[0, 0].legend()
    for g in groups:
        idx = [i for i, r in enumerate(records) if str(r.get(by)) == g and i in ok]
        ax[0, 1].plot(idx, [records[i]["latency_s"] for i in idx], "o", ms=3, label=g)
    ax[0, 1].set(title="Latency over time", xlabel="call number", ylabel="seconds")
    ax[0, 1].legend(fontsize=8)
    x = np.arange(len(records))
    ax[1, 0].bar(x, [r.get("prompt_tokens", 0) for r in records], label="prompt", color="#55A868")
    ax[1, 0].bar(x, [r.get("completion_tokens", 0) for r in records], bottom=[r.get("prompt_tokens", 0) for r in records],
                 label="completion", color="#C44E52")
    ax[1, 0].set(title="Tokens per call", xlabel="call number", ylabel="tokens")
    ax[1, 0].legend()
    calls = [sum(str(r.get(by)) == g for r in records) for g in groups]
    errors = [sum(str(r.get(by)) == g and bool(r.get("error")) for r in records) for g in groups]
    ax[1, 1].bar(groups, calls, color="#8C8C8C", label="calls")
    ax[1, 1].bar(groups, errors, color="#C44E52", label="errors")
    ax[1, 1].set(title=f"Calls and errors by {by}", ylabel="calls")
    ax[1, 1].tick_params(axis="x", labelsize=8)
    ax[1, 1].legend()
    fig.tight_layout()
    return fig
