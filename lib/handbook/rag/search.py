"""Three retrievers over one index: dense, lexical (BM25) and hybrid (reciprocal-rank fusion).

* `dense()` embeds the query and asks FAISS: good at paraphrase and meaning.
* `bm25()` scores exact words with Okapi BM25 from the `bm25s` package
  (lower-cased words, English stop words removed, no stemming): good at rare
  names, identifiers and numbers. The BM25 index is built from the chunks on
  first use and kept on the `VectorIndex` object.
* `hybrid()` fuses both rankings with reciprocal-rank fusion (Cormack et al.,
  2009): each list contributes `1 / (k_rrf + rank)` per chunk, so only ranks
  matter and the two score scales never need calibrating.

Every retriever returns `Hit`s (`handbook.records`), best first, ranked from 1.

    retrieve(index, "How do I cite sources?", k=3, mode="hybrid")
    -> [Hit(rank=1, score=0.0328, chunk=Chunk(source="chapters/03-rag.md", ...), retriever="hybrid"), ...]

Deliberately left out: cross-encoder reranking (the chapter discusses it),
query expansion, metadata filters and learned fusion weights.
"""

from __future__ import annotations

from ..errors import VectorIndexError
from ..records import Chunk, Hit
from .embeddings import Embedder, default_embedder
from .index import VectorIndex
from .spans import retrieval_span

MODES = ("dense", "bm25", "hybrid")


def _check_k(index: VectorIndex, k: int) -> None:
    if not 1 <= k <= len(index):
        raise VectorIndexError(f"k={k} but the index holds {len(index)} chunks.", f"ask for 1 <= k <= {len(index)}")


def dense(index: VectorIndex, query: str, k: int = 5, embedder: Embedder | None = None) -> list[Hit]:
    """Nearest chunks by cosine similarity of embeddings (chapter 3)."""
    embedder = embedder or default_embedder()
    index.check_embedder(embedder)  # a model mismatch is the more important news than a bad k
    _check_k(index, k)
    return [Hit(r, s, c, "dense") for r, (s, c) in enumerate(index.search(query, k, embedder), start=1)]


def _bm25(index: VectorIndex):
    if index._bm25 is None:
        import bm25s
        from bm25s.tokenization import Tokenizer

        tokenizer = Tokenizer(stopwords="en")
        ids = tokenizer.tokenize([c.embed_text for c in index.chunks], return_as="ids", show_progress=False)
        model = bm25s.BM25()
        model.index(ids, show_progress=False)
        index._bm25 = (tokenizer, model)
    return index._bm25


def bm25(index: VectorIndex, query: str, k: int = 5) -> list[Hit]:
    """Chunks ranked by Okapi BM25 over their words; chunks sharing no word are left out (chapter 3)."""
    _check_k(index, k)
    tokenizer, model = _bm25(index)
    q = tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
    docs, scores = model.retrieve(q, k=k, show_progress=False)
    ranked = sorted(((float(s), int(i)) for s, i in zip(scores[0], docs[0], strict=True) if s > 0),
                    key=lambda t: (-t[0], t[1]))
    return [Hit(r, s, index.chunks[i], "bm25") for r, (s, i) in enumerate(ranked, start=1)]


def rrf(rankings: list[list[Hit]], k: int, k_rrf: int = 60) -> list[Hit]:
    """Reciprocal-rank fusion of several rankings of the same index's chunks (chapter 3)."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for hits in rankings:
        for h in hits:
            key = f"{h.chunk.source}\x00{h.chunk.start}"
            scores[key] = scores.get(key, 0.0) + 1.0 / (k_rrf + h.rank)
            chunks[key] = h.chunk
    best = sorted(scores, key=lambda key: (-scores[key], key))[:k]
    return [Hit(r, scores[key], chunks[key], "hybrid") for r, key in enumerate(best, start=1)]


def hybrid(index: VectorIndex, query: str, k: int = 5, embedder: Embedder | None = None,
           depth: int = 50, k_rrf: int = 60) -> list[Hit]:
    """Dense and BM25 rankings (each `depth` deep) fused by reciprocal-rank fusion (chapter 3)."""
    embedder = embedder or default_embedder()
    index.check_embedder(embedder)
    _check_k(index, k)
    depth = min(max(depth, k), len(index))
    return rrf([dense(index, query, depth, embedder), bm25(index, query, depth)], k, k_rrf)


@retrieval_span
def retrieve(index: VectorIndex, query: str, k: int = 5, mode: str = "dense",
             embedder: Embedder | None = None) -> list[Hit]:
    """Dispatch to `dense`, `bm25` or `hybrid` by name (chapter 3)."""
    if mode == "dense":
        return dense(index, query, k, embedder)
    if mode == "bm25":
        return bm25(index, query, k)
    if mode == "hybrid":
        return hybrid(index, query, k, embedder)
    raise VectorIndexError(f"Unknown retrieval mode {mode!r}.", f"use one of {', '.join(MODES)}")
