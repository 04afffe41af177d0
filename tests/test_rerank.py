"""Reranking (chapter 3): the order a scorer gives, ties, the untouched tail, and the LLM judge's parsing."""

from __future__ import annotations

import pytest

from handbook.errors import EmbeddingError
from handbook.rag import rerank as rr
from handbook.records import Chunk, Hit, Reply, Usage


def _hits(texts):
    return [Hit(i, 1.0 - i / 10, Chunk("a.md", t, i, i + 1, 1, 1, "A"), "dense") for i, t in enumerate(texts, 1)]


def test_rerank_orders_by_score_keeps_ties_and_tail():
    hits = _hits(["x", "best", "y", "tail"])
    out = rr.rerank("q", hits, lambda q, texts: [1.0 if t == "best" else 0.0 for t in texts], depth=3)
    assert [h.text for h in out] == ["best", "x", "y", "tail"]
    assert [h.rank for h in out] == [1, 2, 3, 4] and out[0].retriever == "dense+rerank"


def test_llm_scorer_parses_a_digit_and_counts_junk_as_zero(monkeypatch):
    replies = iter(["3", "Grade: 1", "no idea"])
    seen = []

    def fake_chat(prompt, **kw):
        seen.append((prompt.ref, kw["temperature"], kw["max_tokens"]))
        return Reply(next(replies), Usage(10, 1), 0.01, "fake")

    monkeypatch.setattr(rr.client, "chat", fake_chat)
    assert rr.llm_scorer()("q", ["a", "b", "c"]) == [3.0, 1.0, 0.0]
    assert seen[0] == ("rerank_pointwise@1", 0.0, 2)


def test_cross_encoder_needs_a_model_folder(tmp_path):
    with pytest.raises(EmbeddingError, match="No cross-encoder"):
        rr.cross_encoder_scorer(tmp_path)
