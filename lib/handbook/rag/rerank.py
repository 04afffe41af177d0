"""Reranking: a slower, better judge re-orders the first stage's top candidates.

A first-stage retriever compares two vectors that were computed apart; a
reranker reads the query and each candidate *together*. `rerank()` takes the
top `depth` hits of any retriever, scores each with a `scorer(query, text)`,
and sorts by that score (ties keep the first stage's order), so the hits
below `depth` never move. Two scorers:

* `llm_scorer()`: the chat model as a pointwise judge. The versioned prompt
  `rerank_pointwise@1` asks for one digit, 0 (unrelated) to 3 (answers it),
  at temperature 0; one call per candidate, so its latency is `depth` model
  calls per query. The score is the *expected* grade under the model's
  probabilities for the four digits (`logprobs`), not the digit it writes:
  a small model writes "3" for nearly every passage, and the written digits
  then tie and reorder nothing, while their probabilities still differ
  (the same trick as scoring a passage by P("true"), Nogueira et al. 2020).
  A server without logprobs gets the written digit. It needs no weights
  beyond the chat model's, which is why it is the default here: no
  cross-encoder ships its weights on PyPI.
* `cross_encoder_scorer(folder)`: a sentence-transformers `CrossEncoder`
  from a local folder (for example ms-marco-MiniLM-L-6-v2, copied by hand),
  one batched forward pass per query: far faster than a chat model.

    rerank("how do I cite sources?", dense(index, q, 10), llm_scorer(), depth=10)
    -> [Hit(rank=1, score=2.9089, ..., retriever="dense+rerank"), ...]
    expected_grade([["3", -0.1], ["2", -2.4], ["The", -6.0]])  -> 2.9089

Deliberately left out: listwise and pairwise prompting, score calibration,
and fusing the reranker's score with the first stage's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

from ..errors import EmbeddingError
from ..llm import client
from ..prompts.templates import render
from ..records import Hit

TEMPLATE = "rerank_pointwise@1"
MAX_CHARS = 900  # a 200-token chunk is about 900 characters; longer passages are cut
_DIGIT = re.compile(r"[0-3]")

Scorer = Callable[[str, list[str]], list[float]]


def llm_scorer(model: str | None = None, template: str = TEMPLATE) -> Scorer:
    """Score passages with the chat model, one call each: the expected grade 0 to 3 (chapter 3)."""

    def score(query: str, texts: list[str]) -> list[float]:
        out = []
        for text in texts:
            prompt = render(template, question=query.strip(), passage=" ".join(text.split())[:MAX_CHARS])
            reply = client.chat(prompt, model=model, temperature=0.0, max_tokens=1, seed=0,
                                logprobs=True, top_logprobs=10)
            first = reply.extra.get("logprobs") or [{}]
            grade = expected_grade(first[0].get("top") or [])
            if grade is None:  # no logprobs from this server: the digit it wrote
                m = _DIGIT.search(reply.text)
                grade = float(m.group()) if m else 0.0
            out.append(grade)
        return out

    return score


def expected_grade(top: list[list]) -> float | None:
    """Expected grade 0-3 under the probabilities of the digit tokens among `top` (chapter 3).

    `top` is [[token, logprob], ...] for the reply's first token; the digits' probabilities are
    renormalised among themselves. None when no digit is among them.
    """
    weights = {}
    for token, logprob in top:
        digit = token.strip()
        if len(digit) == 1 and digit in "0123" and digit not in weights:
            weights[digit] = math.exp(logprob)
    if not weights:
        return None
    return round(sum(int(d) * w for d, w in weights.items()) / sum(weights.values()), 4)


def cross_encoder_scorer(folder: str | Path) -> Scorer:
    """Score passages with a local sentence-transformers CrossEncoder, in one batch (chapter 3)."""
    path = Path(folder).expanduser()
    if not (path / "config.json").exists():
        raise EmbeddingError(f"No cross-encoder model in {path}.",
                             "pass a folder with the model's config.json and weights, or use llm_scorer()")
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(str(path), device="cpu")

    def score(query: str, texts: list[str]) -> list[float]:
        return [float(s) for s in model.predict([(query, t) for t in texts], show_progress_bar=False)]

    return score


def rerank(query: str, hits: list[Hit], scorer: Scorer, depth: int = 10) -> list[Hit]:
    """Re-order the top `depth` hits by `scorer`, keep the rest below them, rank from 1 (chapter 3)."""
    head, tail = hits[:depth], hits[depth:]
    scores = scorer(query, [h.chunk.text for h in head])
    order = sorted(range(len(head)), key=lambda i: (-scores[i], i))  # ties keep the first stage's order
    ranked = [(scores[i], head[i]) for i in order] + [(h.score, h) for h in tail]
    return [Hit(r, s, h.chunk, f"{h.retriever}+rerank") for r, (s, h) in enumerate(ranked, start=1)]
