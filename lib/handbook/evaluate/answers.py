"""Reference-based metrics for generated answers: exact match, token F1, ROUGE-L, embedding similarity.

Exact match and token F1 follow the SQuAD evaluation script: both texts are
lower-cased, stripped of punctuation and of the articles a/an/the, and split
on whitespace. ROUGE-L is the F-measure of the longest common subsequence of
tokens, tokenised as the `rouge-score` package does (lower case, runs of
letters and digits, no stemming), so the numbers agree with it. Embedding
similarity is the cosine between sentence embeddings of all-MiniLM-L6-v2,
made by `handbook.rag.embeddings` (and cached on disk).
Every metric takes one prediction and one or more references and returns the
best score over the references, in [0, 1] (cosine can go below 0).

    token_f1("The capital is Paris", "Paris")  -> 0.5     exact_match("Paris.", "paris")  -> 1.0

Deliberately left out: BLEU, METEOR, BERTScore, stemming and ROUGE-N; they add
dependencies and teach little beyond what these four show.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import EvaluationError

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)
_ROUGE_TOKEN = re.compile(r"[a-z0-9]+")


def _refs(references: str | Sequence[str]) -> list[str]:
    refs = [references] if isinstance(references, str) else list(references)
    if not refs:
        raise EvaluationError("No reference answer given.", "pass at least one reference string")
    return refs


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces (chapter 4)."""
    text = "".join(c for c in text.lower() if c not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, references: str | Sequence[str]) -> float:
    """1.0 if the normalised prediction equals a normalised reference, else 0.0 (chapter 4)."""
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(r) for r in _refs(references)))


def _f1(pred: list[str], ref: list[str]) -> float:
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if not common:
        return 0.0
    p, r = common / len(pred), common / len(ref)
    return 2 * p * r / (p + r)


def token_f1(prediction: str, references: str | Sequence[str]) -> float:
    """Harmonic mean of token precision and recall after SQuAD normalisation, best reference (chapter 4)."""
    pred = normalize_answer(prediction).split()
    return max(_f1(pred, normalize_answer(r).split()) for r in _refs(references))


def rouge_tokens(text: str) -> list[str]:
    """Tokens as `rouge-score` makes them without a stemmer (chapter 4)."""
    return _ROUGE_TOKEN.findall(text.lower())


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, by dynamic programming in O(len(a) * len(b)) (chapter 4)."""
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(prediction: str, references: str | Sequence[str]) -> float:
    """ROUGE-L F-measure: 2PR/(P+R) with P = LCS/len(prediction), R = LCS/len(reference) (chapter 4)."""
    pred = rouge_tokens(prediction)
    best = 0.0
    for ref in map(rouge_tokens, _refs(references)):
        lcs = lcs_length(pred, ref) if pred and ref else 0
        if lcs:
            p, r = lcs / len(pred), lcs / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of the angle between two vectors; 0.0 if either is all zeros (chapter 4)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0


def _default_embed(texts: list[str]) -> np.ndarray:
    from ..rag.embeddings import default_embedder  # all-MiniLM-L6-v2 with the on-disk cache of chapter 3

    return default_embedder().embed(texts, progress=False)


def embedding_similarity(predictions: Sequence[str], references: Sequence[str | Sequence[str]],
                         embed: Callable[[list[str]], np.ndarray] | None = None) -> list[float]:
    """Cosine similarity of each prediction to its best reference, embedded in one batch (chapter 4).

    `embed` maps a list of texts to an array of vectors; the default is the
    local all-MiniLM-L6-v2 sentence-transformers model.
    """
    if len(predictions) != len(references):
        raise EvaluationError(f"{len(predictions)} predictions but {len(references)} references.",
                              "pass one reference (or list of references) per prediction")
    refs = [_refs(r) for r in references]
    texts = list(predictions) + [r for group in refs for r in group]
    vectors = np.asarray((embed or _default_embed)(texts)) if texts else np.zeros((0, 0))
    out, pos = [], len(predictions)
    for i, group in enumerate(refs):
        out.append(max(cosine(vectors[i], vectors[pos + j]) for j in range(len(group))))
        pos += len(group)
    return out
