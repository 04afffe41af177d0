"""handbook.evaluate.monitor: the summary table and the dashboard of a trace (chapter 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from handbook.errors import DataFileError, EvaluationError
from handbook.evaluate import monitor
from handbook.files import append_jsonl


def records():
    lat = [0.5, 1.0, 1.5, 2.0, 10.0, 0.7]
    out = [{"model": "a" if i < 4 else "b", "latency_s": x, "prompt_tokens": 10, "completion_tokens": i,
            "cost_usd": 0.001, "error": None} for i, x in enumerate(lat)]
    out.append({"model": "b", "latency_s": 3.0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0,
                "error": "LLMCallError: down"})
    return out


def test_summary_table():
    table = monitor.summary(records())
    row = table.loc["all"]
    assert row["calls"] == 7 and row["errors"] == 1
    assert row["error_rate"] == pytest.approx(1 / 7)
    ok = [0.5, 1.0, 1.5, 2.0, 10.0, 0.7]  # the failed call's latency is left out
    assert row["p50_latency_s"] == pytest.approx(np.percentile(ok, 50))
    assert row["p95_latency_s"] == pytest.approx(np.percentile(ok, 95))
    assert row["completion_tokens"] == sum(range(6)) and row["cost_usd"] == pytest.approx(0.006)
    by_model = monitor.summary(records(), by="model")
    assert list(by_model.index) == ["a", "b"] and by_model.loc["b", "errors"] == 1


def test_summary_of_a_trace_file(tmp_path):
    path = tmp_path / "t.jsonl"
    for r in records():
        append_jsonl(path, r)
    assert monitor.summary(path, by="model").equals(monitor.summary(records(), by="model"))
    assert monitor.summary(str(path)).loc["all", "calls"] == 7


def test_unknown_dollars_stay_unknown():
    rows = records() + [{"model": "a", "latency_s": 1.0, "prompt_tokens": 1, "completion_tokens": 1,
                         "cost_usd": None, "error": None}]
    by_model = monitor.summary(rows, by="model")
    assert math.isnan(by_model.loc["a", "cost_usd"]) and by_model.loc["b", "cost_usd"] == pytest.approx(0.002)


def test_missing_columns_get_defaults():
    row = monitor.summary([{"model": "a"}, {"model": "a", "latency_s": 2.0}]).loc["all"]
    assert (row["calls"], row["errors"], row["cache_hits"], row["p50_latency_s"]) == (2, 0, 0, 2.0)


def test_summary_and_dashboard_errors(tmp_path):
    for fn in (monitor.summary, monitor.dashboard):
        with pytest.raises(EvaluationError, match="no records"):
            fn([])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "a"}\n{"model": \n')
    with pytest.raises(DataFileError, match=r"bad\.jsonl:2: not valid JSON"):
        monitor.summary(bad)
    with pytest.raises(DataFileError, match="no such file"):
        monitor.summary(tmp_path / "missing.jsonl")


def test_dashboard_has_four_plots():
    fig = monitor.dashboard(records())
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes] == ["Latency per call", "Latency over time", "Tokens per call",
                                                   "Calls and errors by model"]
