"""The one call recorder: a client hook that keeps a row per LLM call, in memory and optionally in a file.

Install `Trace()` with `handbook.llm.use(...)` and every call through the
client adds one row: the UTC time, model, prompt `name@version` and hash,
sampling parameters, prompt/completion/cached tokens, latency, dollars,
finish reason, whether a cache answered, and the error if the call failed,
plus any `tags` you give (e.g. `{"lab": "lab5"}`). With `path`, each row is
also appended to a JSONL file (one locked write per row, so processes can
share it); `HANDBOOK_TRACE=file.jsonl` installs one for every call.

    with use(trace := Trace(tags={"lab": "lab5"})):
        chat(messages)
    trace.rows[0]  -> {"lab": "lab5", "model": "gpt-4o-mini", "prompt_tokens": 41, "cost_usd": 3.5e-05, ...}

Dollars follow the price policy of `handbook.cost.pricing`: a model without a
price is recorded as unknown (`None`), never as $0 and never as an error
after the call succeeded. `report(rows, by=...)` groups rows by lab, prompt
or model; `plot` draws one column of it. Monitoring views of the same rows
(p50/p95 latency, error rate, a dashboard) are chapter 4's
`handbook.evaluate.monitor`.

Prompt and answer texts are not written: traces are kept longer and read by
more people than the data itself.

Deliberately left out: spans and nested traces (OpenTelemetry does that),
sampling, rotation, and shipping rows to a server.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..files import append_jsonl, read_jsonl
from ..records import Reply, Request
from .pricing import usd_or_none

COLUMNS = ["time", "model", "prompt_ref", "prompt_hash", "params", "prompt_tokens", "completion_tokens",
           "cached_tokens", "latency_s", "cost_usd", "finish_reason", "cached", "error"]


class Trace:
    """Client hook that records one row per call; `rows` in memory, and a JSONL file when `path` is set (chapters 4-5)."""

    def __init__(self, path: str | Path | None = None, *, tags: Mapping[str, Any] | None = None,
                 price_as: str | None = None):
        self.path = Path(path) if path else None
        self.tags, self.price_as = dict(tags or {}), price_as
        self.rows: list[dict[str, Any]] = []
        self._started: dict[int, float] = {}

    def before(self, request: Request) -> Reply | None:
        self._started[id(request)] = time.perf_counter()
        return None

    def after(self, request: Request, reply: Reply | None, error: BaseException | None) -> None:
        started = self._started.pop(id(request), None)
        usage = reply.usage if reply is not None else None
        model = reply.model if reply is not None else request.model
        latency = reply.latency_s if reply is not None else (
            time.perf_counter() - started if started is not None else None)
        row = {
            **self.tags,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "model": model,
            "prompt_ref": request.prompt_ref,
            "prompt_hash": request.prompt_hash,
            "params": dict(request.params),
            "prompt_tokens": usage.prompt_tokens if usage else 0,
            "completion_tokens": usage.completion_tokens if usage else 0,
            "cached_tokens": usage.cached_tokens if usage else 0,
            "latency_s": None if latency is None else round(latency, 4),
            "cost_usd": usd_or_none(model, usage, price_as=self.price_as) if usage else 0.0,
            "finish_reason": reply.finish_reason if reply is not None else None,
            "cached": bool(reply.cached) if reply is not None else False,
            "error": None if error is None else f"{type(error).__name__}: {str(error).splitlines()[0][:300]}",
        }
        self.rows.append(row)
        if self.path:
            append_jsonl(self.path, row)

    @property
    def total_usd(self) -> float | None:
        """Dollars over all rows; None when any row's price is unknown (chapter 5)."""
        costs = [r["cost_usd"] for r in self.rows]
        return None if None in costs else sum(costs)

    def frame(self):
        """The rows as a pandas DataFrame, one row per call (chapter 5)."""
        return frame(self.rows)


def load(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a trace file (chapter 4)."""
    return read_jsonl(path)


def frame(rows: Iterable[Mapping[str, Any]]):
    """Rows as a DataFrame with every standard column present; unknown dollars become NaN (chapter 5)."""
    import pandas as pd

    rows = list(rows)
    extra = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in COLUMNS]
    df = pd.DataFrame(rows, columns=[*extra, *COLUMNS])
    df["cost_usd"] = pd.to_numeric(df["cost_usd"], errors="coerce")
    return df


def report(rows, by: str | list[str] = "model"):
    """Calls, cache hits, tokens, dollars and seconds grouped `by` a column such as lab or prompt_ref (chapter 5).

    `rows` is a `Trace`, a list of rows or a DataFrame. A group holding a call
    of unknown price shows NaN dollars: unknown, not free.
    """
    df = rows.frame() if isinstance(rows, Trace) else rows if hasattr(rows, "groupby") else frame(rows)
    keys = [by] if isinstance(by, str) else list(by)
    df = df.assign(**{k: df[k].fillna("-") for k in keys if k in df})
    out = df.groupby(keys, sort=True).agg(
        calls=("model", "size"), cache_hits=("cached", "sum"), prompt_tokens=("prompt_tokens", "sum"),
        completion_tokens=("completion_tokens", "sum"),
        usd=("cost_usd", lambda s: s.sum(min_count=len(s))), latency_s=("latency_s", "sum"))
    out["usd_per_call"] = out["usd"] / out["calls"]
    return out.round({"usd": 8, "usd_per_call": 8, "latency_s": 2})


def plot(table, column: str = "usd", ax=None, title: str | None = None):
    """Horizontal bar chart of one column of a `report` table (chapter 5)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.4 * len(table) + 1.2))
    labels = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in table.index]
    ax.barh(labels, table[column])
    ax.set_xlabel({"usd": "US dollars"}.get(column, column))
    ax.set_title(title or f"{column} by {', '.join(map(str, table.index.names))}")
    ax.invert_yaxis()
    return ax
