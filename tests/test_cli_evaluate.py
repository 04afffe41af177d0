"""`handbook eval retrieval` and `handbook trace summary`, run in-process (chapter 4)."""

from __future__ import annotations

import json

import pytest

from handbook.cli import main
from handbook.evaluate.trec import write_qrels, write_run
from handbook.files import append_jsonl


def test_eval_retrieval(tmp_path, capsys):
    write_qrels({"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 1}}, tmp_path / "qrels")
    write_run({"q1": {"d1": 2.0, "d9": 1.0}, "q2": {"d3": 5.0}, "q9": {"d1": 1.0}}, tmp_path / "run")
    assert main(["eval", "retrieval", str(tmp_path / "qrels"), str(tmp_path / "run"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["num_q"] == 2 and out["recip_rank"] == 1.0 and out["P_5"] == pytest.approx(0.2)
    assert {"map", "ndcg_cut_10", "recall_10"} <= set(out)
    assert main(["eval", "retrieval", str(tmp_path / "qrels"), str(tmp_path / "run"), "-m", "P_1"]) == 0
    captured = capsys.readouterr()
    assert "P_1                   \tall\t1.0000" in captured.out and "skipped" in captured.err


def test_errors_name_file_and_line(tmp_path, capsys):
    (tmp_path / "qrels").write_text("q1 0 d1 1\nq1 d2 1\n")
    (tmp_path / "run").write_text("q1 Q0 d1 1 1.0 x\n")
    assert main(["eval", "retrieval", str(tmp_path / "qrels"), str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "qrels:2: expected 4 fields" in err and "fix:" in err


def test_trace_summary(tmp_path, capsys):
    rows = [{"model": m, "latency_s": 1.0, "prompt_tokens": 10, "completion_tokens": 2, "cost_usd": 0.001,
             "error": None} for m in ("a", "a", "b")]
    for r in rows:
        append_jsonl(tmp_path / "t.jsonl", r)
    assert main(["trace", "summary", str(tmp_path / "t.jsonl"), "--by", "model"]) == 0
    out = capsys.readouterr().out
    assert "p95_latency_s" in out and out.count("\n") == 4  # header, index name, a, b
    assert main(["trace", "summary", str(tmp_path / "t.jsonl"), "--json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert summary["group"] == "all" and summary["calls"] == 3
    assert main(["trace", "summary", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
