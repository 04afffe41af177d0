"""Reranking (chapter 3): the order a scorer gives, ties, the untouched tail, and the LLM judge's expected grade."""

from __future__ import annotations

import math

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


def _reply(text, top=None):
    extra = {"logprobs": [{"token": text, "logprob": 0.0, "top": top}]} if top is not None else {}
    return Reply(text, Usage(10, 1), 0.01, "fake", extra=extra)


def test_llm_scorer_uses_the_digits_probabilities_then_the_written_digit(monkeypatch):
    replies = iter([_reply("3", [["3", math.log(0.5)], ["2", math.log(0.5)]]),  # 2.5, not 3
                    _reply("3", [["3", 0.0]]),
                    _reply("Grade: 1"),  # no logprobs from the server: the written digit
                    _reply("no idea")])
    seen = []

    def fake_chat(prompt, **kw):
        seen.append((prompt.ref, kw["temperature"], kw["max_tokens"], kw["logprobs"], kw["top_logprobs"]))
        return next(replies)

    monkeypatch.setattr(rr.client, "chat", fake_chat)
    assert rr.llm_scorer()("q", ["a", "b", "c", "d"]) == [2.5, 3.0, 1.0, 0.0]
    assert seen[0] == ("rerank_pointwise@1", 0.0, 1, True, 10)


@pytest.mark.parametrize("top,grade", [
    ([["3", math.log(0.9)], ["2", math.log(0.1)]], 2.9),
    ([["0", math.log(0.2)], ["1", math.log(0.2)], ["The", math.log(0.6)]], 0.5),  # digits renormalised
    ([[" 2", 0.0], ["2", -9.0]], 2.0),  # the first spelling of a digit counts, once
    ([["4", 0.0], ["10", -1.0], ["The", -2.0]], None),  # no grade digit at all
    ([], None),
])
def test_expected_grade(top, grade):
    assert rr.expected_grade(top) == (pytest.approx(grade) if grade is not None else None)


def test_cross_encoder_needs_a_model_folder(tmp_path):
    with pytest.raises(EmbeddingError, match="No cross-encoder"):
        rr.cross_encoder_scorer(tmp_path)
