"""The call recorder's view: one row per LLM call, read from the call's OpenTelemetry span.

Every call through the client is a `chat {model}` span (`handbook.telemetry`);
that span is the one record. `Trace()` is a client hook that, while installed
with `handbook.llm.use(...)`, reads each call's span into one row: the UTC
time, model, prompt `name@version` and hash, sampling parameters,
prompt/completion/cached tokens, latency, dollars, finish reason, whether a
cache answered, and the error if the call failed, plus any `tags` you give
(e.g. `{"lab": "lab5"}`). It also writes its dollars and tags onto the span
(`handbook.cost_usd`, `handbook.tag.<name>`), so every backend sees them.
With `path`, the call's span is also written to that JSONL span file;
`HANDBOOK_TRACE=file.jsonl` sends every span there (`telemetry.spanfile`).

    with use(trace := Trace(tags={"lab": "lab5"})):
        chat(messages)
    trace.rows[0]  -> {"lab": "lab5", "model": "gpt-4o-mini", "prompt_tokens": 41, "cost_usd": 3.5e-05, ...}

`load(path)` reads a span file back as the same rows (chat spans only).
Dollars follow the price policy of `handbook.cost.pricing`: a model without a
price is recorded as unknown (`None`), never as $0 and never as an error
after the call succeeded. `report(rows, by=...)` groups rows by lab, prompt
or model; `plot` draws one column of it. Monitoring views of the same rows
(p50/p95 latency, error rate, a dashboard) are chapter 4's
`handbook.evaluate.monitor`.

Prompt and answer texts are not written: traces are kept longer and read by
more people than the data itself.

Deliberately left out: nested spans (the span file has them all), sampling,
rotation, and shipping rows to a server (an OTLP endpoint does that).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry import trace as otel

from ..files import append_jsonl
from ..records import Reply, Request
from ..telemetry import genai, spanfile
from .pricing import usd_or_none

COLUMNS = ["time", "model", "prompt_ref", "prompt_hash", "params", "prompt_tokens", "completion_tokens",
           "cached_tokens", "latency_s", "cost_usd", "finish_reason", "cached", "error"]


class Trace:
    """Client hook that keeps one row per call, read from the call's span; `path` also gets the span (chapters 4-5)."""

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
        cost = usd_or_none(model, usage, price_as=self.price_as) if usage else 0.0
        ours = {f"handbook.tag.{k}": _attr(v) for k, v in self.tags.items()}
        if cost is not None:
            ours["handbook.cost_usd"] = cost
        span = otel.get_current_span()
        if span.is_recording() and hasattr(span, "attributes"):  # the client's span: the one record
            span.set_attributes(ours)
            attrs = dict(span.attributes)
            if self.path:
                spanfile.also_write(span, self.path)
        else:  # called outside the client (tests) or with OpenTelemetry disabled: the same attributes
            attrs = {**genai.chat_attributes(request, ("", "", 0)), **ours,
                     **(genai.reply_attributes(reply) if reply is not None else genai.error_attributes(error))}
            if reply is None and started is not None:
                attrs["handbook.latency_s"] = round(time.perf_counter() - started, 4)
            if self.path:
                append_jsonl(self.path, {"name": f"chat {request.model}", "span_id": None, "trace_id": None,
                                         "start": _now(), "status": "ERROR" if error else "UNSET",
                                         "attributes": attrs})
        if reply is None and "handbook.latency_s" not in attrs and started is not None:
            attrs["handbook.latency_s"] = round(time.perf_counter() - started, 4)
        mine = {k: v for k, v in attrs.items() if not k.startswith("handbook.tag.")}  # not another Trace's tags
        started_at = getattr(span, "start_time", None) if span.is_recording() else None
        row = {**self.tags, **row_of(mine, spanfile.iso(started_at) if started_at else _now())}
        row["cost_usd"] = cost  # this recorder's price (price_as), whatever another Trace wrote on the span
        self.rows.append(row)

    @property
    def total_usd(self) -> float | None:
        """Dollars over all rows; None when any row's price is unknown (chapter 5)."""
        costs = [r["cost_usd"] for r in self.rows]
        return None if None in costs else sum(costs)

    def frame(self):
        """The rows as a pandas DataFrame, one row per call (chapter 5)."""
        return frame(self.rows)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _attr(value):
    return value if isinstance(value, str | bool | int | float) else str(value)


def row_of(attrs: Mapping[str, Any], time: str | None) -> dict[str, Any]:
    """One call's row from its chat span's attributes (chapters 4-5)."""
    a = attrs
    finish = a.get("gen_ai.response.finish_reasons")
    error = a.get("handbook.error") or (f"{a['error.type']}: " if a.get("error.type") else None)
    tags = {k.removeprefix("handbook.tag."): v for k, v in a.items() if k.startswith("handbook.tag.")}
    latency = a.get("handbook.latency_s")
    return {
        **tags,
        "time": time,
        "model": a.get("gen_ai.response.model") or a.get("gen_ai.request.model"),
        "prompt_ref": a.get("handbook.prompt.ref"),
        "prompt_hash": a.get("handbook.prompt.hash"),
        "params": json.loads(a.get("handbook.request.params") or "{}"),
        "prompt_tokens": int(a.get("gen_ai.usage.input_tokens", 0)),
        "completion_tokens": int(a.get("gen_ai.usage.output_tokens", 0)),
        "cached_tokens": int(a.get("gen_ai.usage.cache_read.input_tokens", 0)),
        "latency_s": None if latency is None else round(float(latency), 4),
        "cost_usd": a.get("handbook.cost_usd") if error is None or "handbook.cost_usd" in a else 0.0,
        "finish_reason": finish[0] if finish else None,
        "cached": bool(a.get("handbook.cache_hit", False)),
        "error": error,
    }


def rows_of_spans(records: Iterable[Mapping[str, Any]], trace_ids: bool = False) -> list[dict[str, Any]]:
    """The chat spans among span records, as rows (with `trace_id` if asked); other rows pass through (chapter 4)."""
    out = []
    for rec in records:
        if not spanfile.is_span(rec):
            out.append(dict(rec))
        elif rec["attributes"].get("gen_ai.operation.name") == "chat":
            row = row_of(rec["attributes"], rec.get("start") or rec.get("end"))
            out.append({**row, "trace_id": rec.get("trace_id")} if trace_ids else row)
    return out


def load(path: str | Path, trace_ids: bool = False) -> list[dict[str, Any]]:
    """The rows of a trace file: its chat spans, one row per call (chapter 4)."""
    return rows_of_spans(spanfile.read(path), trace_ids)


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
