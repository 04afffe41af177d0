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

`window_metrics(spans)` reads a window of *span records* (whole traces) as the
numbers alert rules watch (`alerts`): requests (root spans), error rate,
p50/p95/p99 of the request's duration, tokens and dollars per request, cache
hit rate, the online judge's samples and pass rate (`online`), and the mean top
retrieval score.

Deliberately left out: time windows (the caller cuts the spans), drift statistics
(`drift`), and live views (OpenTelemetry backends do that).
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


def window_metrics(spans: Iterable[Mapping[str, Any]], judge_prefix: str = "judge_") -> dict[str, float]:
    """What one window of span records says: requests, errors, percentiles, tokens, cost, cache, judge (chapter 4).

    A request is a root span (no parent), its latency the root's duration. The
    application's chat calls are the chat spans whose prompt is not the judge's
    (`judge_prefix`); their tokens, dollars and cache hits count per request.
    Unknown dollars make `cost_per_request_usd` NaN, as in `summary`.
    """
    import numpy as np

    spans = [s for s in spans if "attributes" in s]
    roots = [s for s in spans if not s.get("parent_id") and s.get("name") != "feedback"]
    chats = [s["attributes"] for s in spans if s["attributes"].get("gen_ai.operation.name") == "chat"
             and not str(s["attributes"].get("handbook.prompt.ref") or "").startswith(judge_prefix)]
    judged = [s["attributes"] for s in spans if "gen_ai.evaluation.score.label" in s["attributes"]]
    tops = [s["attributes"]["handbook.retrieval.top_score"] for s in spans
            if "handbook.retrieval.top_score" in s["attributes"]]
    n = len(roots)
    ok = np.array([s["duration_s"] for s in roots if s.get("status") != "ERROR" and s.get("duration_s") is not None],
                  dtype=float)
    nan = float("nan")

    def pct(q):
        return float(np.percentile(ok, q)) if ok.size else nan

    costs = [c.get("handbook.cost_usd") for c in chats]
    scores = [j["gen_ai.evaluation.score.value"] for j in judged if "gen_ai.evaluation.score.value" in j]
    return {
        "requests": n,
        "error_rate": sum(s.get("status") == "ERROR" for s in roots) / n if n else nan,
        "p50_latency_s": pct(50), "p95_latency_s": pct(95), "p99_latency_s": pct(99),
        "chat_calls": len(chats),
        "input_tokens_per_request": sum(int(c.get("gen_ai.usage.input_tokens", 0)) for c in chats) / n if n else nan,
        "output_tokens_per_request": sum(int(c.get("gen_ai.usage.output_tokens", 0)) for c in chats) / n if n
        else nan,
        "cost_per_request_usd": nan if not n or None in costs else sum(costs) / n,
        "cache_hit_rate": sum(bool(c.get("handbook.cache_hit")) for c in chats) / len(chats) if chats else nan,
        "judged": len(judged),
        "judge_pass_rate": (sum(j.get("gen_ai.evaluation.score.label") == "pass" for j in judged) / len(judged)
                            if judged else nan),
        "judge_mean_score": float(np.mean(scores)) if scores else nan,
        "retrieval_top_score": float(np.mean(tops)) if tops else nan,
    }
