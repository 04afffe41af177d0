"""Tracing: a client hook that writes every LLM call to a JSONL file, and a summary of such files.

Install `TraceWriter(path)` with `handbook.client.use(...)` and each call
through the client appends one line: the UTC time, model, prompt `name@version`
and hash, prompt/completion/cached tokens, latency, cost in USD, finish reason,
whether a cache answered, and the error if the call failed, plus any `tags`
you give (e.g. `{"config": "hybrid"}`). Prompt and answer texts are not
written: traces are kept longer and read by more people than the data itself.

Lines are appended with one `write()` on a file opened in append mode, under
an exclusive `flock`, so several threads or processes can share a trace file
without interleaving. `summary()` turns records into a table (calls, error
rate, p50/p95 latency, tokens, cost), grouped by any field, and `dashboard()`
draws the plots a monitoring page would show.

Cost comes from `handbook.cost.usd(model, usage)` when that module is present
(0.0 for local models); without it, cost is recorded as 0.0.

Deliberately left out: spans and nested traces (OpenTelemetry does that),
sampling, log rotation and shipping traces to a server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import HandbookError

try:  # POSIX only; on Windows the in-process lock still keeps threads apart
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

_LOCK = threading.Lock()


class TraceError(HandbookError):
    """A trace file is missing or malformed (chapter 4)."""


def usd(model: str, usage: Any) -> float | None:
    """Dollar cost of one call via `handbook.cost` if installed, else 0.0; None if unpriced (chapter 4)."""
    try:
        from .cost import usd as cost_usd
    except ImportError:
        return 0.0
    try:
        return float(cost_usd(model, usage))
    except HandbookError:
        return None


def append_jsonl(path: str | Path, record: Mapping[str, Any]) -> None:
    """Append one JSON line in a single locked write, safe across threads and processes (chapter 4)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
    with _LOCK, open(path, "a", encoding="utf-8") as f:
        if fcntl:
            fcntl.flock(f, fcntl.LOCK_EX)
        f.write(line)
        f.flush()


class TraceWriter:
    """Client hook that appends one JSONL record per call (chapter 4)."""

    def __init__(self, path: str | Path, tags: Mapping[str, Any] | None = None):
        self.path = Path(path)
        self.tags = dict(tags or {})
        self._started: dict[int, float] = {}

    def before(self, request) -> None:
        self._started[id(request)] = time.perf_counter()
        return None

    def after(self, request, reply, error) -> None:
        started = self._started.pop(id(request), None)
        usage = reply.usage if reply is not None else None
        model = reply.model if reply is not None else request.model
        if reply is not None:
            latency = reply.latency_s
        else:
            latency = time.perf_counter() - started if started is not None else None
        record = {
            **self.tags,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "model": model,
            "prompt_ref": request.prompt_ref,
            "prompt_hash": request.prompt_hash,
            "max_tokens": request.params.get("max_tokens"),
            "prompt_tokens": usage.prompt_tokens if usage else 0,
            "completion_tokens": usage.completion_tokens if usage else 0,
            "cached_tokens": usage.cached_tokens if usage else 0,
            "latency_s": None if latency is None else round(latency, 4),
            "cost_usd": usd(model, usage) if usage else 0.0,
            "finish_reason": reply.finish_reason if reply is not None else None,
            "cached": bool(reply.cached) if reply is not None else False,
            "error": None if error is None else f"{type(error).__name__}: {str(error).splitlines()[0][:300]}",
        }
        append_jsonl(self.path, record)


def from_settings(tags: Mapping[str, Any] | None = None) -> TraceWriter | None:
    """A `TraceWriter` for the file named by `HANDBOOK_TRACE`, or None when it is unset (chapter 4).

    Install it with `client.use(...)` when it is not None, so that setting one
    environment variable turns tracing on for a script.
    """
    from . import config

    path = config.settings().trace_path
    return TraceWriter(path, tags) if path else None


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file; a bad line raises an error naming the file and line (chapter 4)."""
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"{path}: no such file.", "check the path, or run something with a TraceWriter first")
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TraceError(f"{path}:{no}: not valid JSON ({exc.msg}).", "delete or repair that line") from exc
        if not isinstance(record, dict):
            raise TraceError(f"{path}:{no}: expected a JSON object, got {type(record).__name__}.",
                             "write one object per line")
        out.append(record)
    return out


def summary(records: Iterable[Mapping[str, Any]] | str | Path, by: str | None = None):
    """A table (pandas DataFrame) of calls, errors, p50/p95 latency, tokens and cost, one row per group (chapter 4).

    Latency percentiles are over calls that returned a reply; failed calls
    count in `error_rate`. Without `by`, there is one row named `all`.
    """
    import numpy as np
    import pandas as pd

    records = read_jsonl(records) if isinstance(records, str | Path) else list(records)
    if not records:
        raise TraceError("The trace has no records.", "make at least one call with a TraceWriter installed")
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
            "cost_usd": float(pd.to_numeric(g["cost_usd"], errors="coerce").fillna(0).sum()),
            "cache_hits": int(g["cached"].astype(bool).sum()),
        })
    return pd.DataFrame(rows).set_index(by or "group")


def dashboard(records: Iterable[Mapping[str, Any]] | str | Path, by: str = "model", figsize=(11, 7)):
    """Four monitoring plots: latency distribution, latency over calls, tokens, errors (chapter 4)."""
    import matplotlib.pyplot as plt
    import numpy as np

    records = read_jsonl(records) if isinstance(records, str | Path) else list(records)
    if not records:
        raise TraceError("The trace has no records.", "make at least one call with a TraceWriter installed")
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
