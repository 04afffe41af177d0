"""handbook.rag.search (chapter 3): BM25 against a hand-written Okapi formula, RRF against a table, dense/hybrid wiring."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from handbook.errors import IndexMismatchError, VectorIndexError
from handbook.rag import index as ix
from handbook.rag import search as retrieve
from handbook.rag.search import rrf
from handbook.records import Chunk, Hit

TEXTS = ["the cat sat on the mat mat", "dogs chase the cat", "faiss index flat search vectors", "cat cat cat dog"]
STOP = {"the", "on"}


def chunks(texts: list[str]) -> list[Chunk]:
    return [Chunk(f"d{i}.md", t, 0, len(t), 1, 1) for i, t in enumerate(texts)]


class BagOfWords:
    """A stand-in embedder for wiring tests: hashed word counts, L2-normalised. Not a real model."""

    name, dim = "bag-of-words", 64

    def embed(self, texts, progress=False, use_cache=True):
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for w in re.findall(r"\w\w+", text.lower()):
                out[row, sum(map(ord, w)) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def make_index(texts=TEXTS):
    emb = BagOfWords()
    return ix.from_vectors(emb.embed(texts), chunks(texts), emb.name), emb


def okapi_lucene(query: str, texts: list[str], k1=1.5, b=0.75) -> list[float]:
    """BM25 as Lucene scores it: idf = ln(1 + (N - df + .5) / (df + .5)), tf part without the (k1 + 1) factor."""
    docs = [[w for w in re.findall(r"\w\w+", t.lower()) if w not in STOP] for t in texts]
    avgdl = sum(map(len, docs)) / len(docs)
    scores = []
    for d in docs:
        s = 0.0
        for w in set(re.findall(r"\w\w+", query.lower())):
            df = sum(w in other for other in docs)
            if not df or w not in d:
                continue
            tf = d.count(w)
            s += math.log(1 + (len(docs) - df + 0.5) / (df + 0.5)) * tf / (tf + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(s)
    return scores


@pytest.mark.parametrize("query", ["cat mat", "dog", "faiss vectors", "cat"])
def test_bm25_matches_the_okapi_formula(query):
    index, _ = make_index()
    expected = okapi_lucene(query, TEXTS)
    hits = retrieve.bm25(index, query, k=4)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert [h.chunk.text for h in hits] == [TEXTS[i] for i in sorted(range(4), key=lambda i: -expected[i])
                                            if expected[i] > 0]
    for h in hits:
        assert h.score == pytest.approx(expected[TEXTS.index(h.chunk.text)], rel=1e-5)


def test_bm25_leaves_out_chunks_without_query_words():
    index, _ = make_index()
    assert retrieve.bm25(index, "zebra", k=3) == []


def hit(name: str, rank: int, retriever: str = "x") -> Hit:
    return Hit(rank, 1.0 / rank, Chunk(name, name, 0, 1, 1, 1), retriever)


# each row: dense order, bm25 order, fused order (k_rrf = 60)
RRF_TABLE = [
    (["a", "b", "c"], ["a", "b", "c"], ["a", "b", "c"]),  # agreement keeps the order
    (["a", "b", "c"], ["c", "b", "a"], ["a", "c", "b"]),  # 1/61 + 1/63 = .032266 beats 2/62 = .032258; ties by name
    (["a", "b"], ["c", "d"], ["a", "c", "b", "d"]),  # disjoint lists interleave
    (["a", "b", "c", "d"], ["d"], ["d", "a", "b", "c"]),  # found by both beats first place in one
]


@pytest.mark.parametrize(("dense", "lexical", "fused"), RRF_TABLE)
def test_rrf_table(dense, lexical, fused):
    got = rrf([[hit(n, r) for r, n in enumerate(dense, 1)], [hit(n, r) for r, n in enumerate(lexical, 1)]], k=10)
    assert [h.source for h in got] == fused
    assert [h.rank for h in got] == list(range(1, len(fused) + 1))
    assert all(h.retriever == "hybrid" for h in got)
    first = fused[0]
    expected = sum(1 / (60 + lst.index(first) + 1) for lst in (dense, lexical) if first in lst)
    assert got[0].score == pytest.approx(expected)


def test_dense_and_hybrid_wiring():
    index, emb = make_index()
    dense = retrieve.dense(index, "faiss search", k=2, embedder=emb)
    assert dense[0].chunk.text == TEXTS[2] and dense[0].retriever == "dense"
    assert dense[0].score >= dense[1].score
    fused = retrieve.hybrid(index, "cat mat", k=4, embedder=emb)
    assert fused[0].chunk.text == TEXTS[0] and len(fused) == 4
    assert retrieve.retrieve(index, "cat mat", 4, "hybrid", emb) == fused


@pytest.mark.parametrize("mode", retrieve.MODES)
@pytest.mark.parametrize("k", [0, 5])
def test_k_outside_the_corpus_is_a_clear_error(mode, k):
    index, emb = make_index()
    with pytest.raises(VectorIndexError, match=f"k={k} but the index holds 4 chunks"):
        retrieve.retrieve(index, "cat", k, mode, emb)


def test_unknown_mode_and_model_mismatch():
    index, emb = make_index()
    with pytest.raises(VectorIndexError, match="Unknown retrieval mode"):
        retrieve.retrieve(index, "cat", 2, "sparse", emb)
    other = BagOfWords()
    other.name = "another-model"
    with pytest.raises(IndexMismatchError, match="bag-of-words"):
        retrieve.dense(index, "cat", 2, other)
