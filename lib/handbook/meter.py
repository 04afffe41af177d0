"""Meter every call as a client hook, then report cost by lab, prompt version or model.

`Meter(lab="lab5")` records one row per call: lab, model, prompt version
(`name@version` from handbook.prompts, or "-"), billed tokens, dollars, latency
and whether a cache answered. With `path` the rows are appended to a JSONL
file, so a course can meter every lab into one file and report on it later.
`report(rows, by=...)` groups rows into a pandas DataFrame; `plot` draws it.

Deliberately left out: reading other tools' trace formats, and budgets (see
handbook.budget), which act before a call instead of recording after it.
"""

from __future__ import annotations

import json
from pathlib import Path

from .client import Reply, Request
from .cost import usd_exact

COLUMNS = ["lab", "model", "prompt", "prompt_tokens", "completion_tokens", "cached_tokens", "usd", "latency_s",
           "cached", "error"]


class Meter:
    """Client hook that records what each call cost (chapter 5)."""

    def __init__(self, lab: str = "-", *, price_as: str | None = None, path: str | Path | None = None):
        self.lab, self.price_as = lab, price_as
        self.path = Path(path) if path else None
        self.rows: list[dict] = []

    def before(self, request: Request) -> Reply | None:
        return None

    def after(self, request: Request, reply: Reply | None, error: BaseException | None) -> None:
        usage = reply.usage if reply else None
        row = {
            "lab": self.lab, "model": request.model, "prompt": request.prompt_ref or "-",
            "prompt_tokens": usage.prompt_tokens if usage else 0,
            "completion_tokens": usage.completion_tokens if usage else 0,
            "cached_tokens": usage.cached_tokens if usage else 0,
            "usd": float(usd_exact(request.model, usage, price_as=self.price_as)) if usage else 0.0,
            "latency_s": reply.latency_s if reply else 0.0,
            "cached": bool(reply and reply.cached), "error": type(error).__name__ if error else "",
        }
        self.rows.append(row)
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")

    def frame(self):
        """The rows as a DataFrame, one row per call (chapter 5)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=COLUMNS)

    @property
    def total_usd(self) -> float:
        return sum(r["usd"] for r in self.rows)


def load(path: str | Path):
    """Rows metered into a JSONL file, as a DataFrame (chapter 5)."""
    import pandas as pd

    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame(rows, columns=COLUMNS)


def report(rows, by: str | list[str] = "model"):
    """Calls, tokens, dollars and seconds grouped `by` lab, prompt or model (chapter 5)."""
    import pandas as pd

    df = rows.frame() if isinstance(rows, Meter) else pd.DataFrame(rows, columns=COLUMNS) if isinstance(rows, list) else rows
    keys = [by] if isinstance(by, str) else list(by)
    out = df.groupby(keys, sort=True).agg(
        calls=("usd", "size"), cache_hits=("cached", "sum"), prompt_tokens=("prompt_tokens", "sum"),
        completion_tokens=("completion_tokens", "sum"), usd=("usd", "sum"), latency_s=("latency_s", "sum"))
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
