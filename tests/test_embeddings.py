"""handbook.rag.embeddings (chapter 3): the packaged model, its on-disk cache, and its tokenizer."""

from __future__ import annotations

import numpy as np
import pytest

from handbook.errors import EmbeddingError
from handbook.rag import embeddings
from handbook.rag import index as ix
from handbook.rag.embeddings import Embedder
from handbook.records import Chunk


def test_embedding_cache_with_the_real_model(tmp_path):
    emb = Embedder(cache_dir=tmp_path)
    texts = ["FAISS searches vectors.", "BM25 counts words.", "FAISS searches vectors."]
    first = emb.embed(texts, progress=False)
    assert (emb.hits, emb.misses) == (0, 3)
    again = Embedder(cache_dir=tmp_path).embed(texts, progress=False)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(first, emb.encode(texts), atol=1e-5)
    assert first.shape == (3, 384) and first.dtype == np.float32
    index = ix.build([Chunk("a.md", t, 0, len(t), 1, 1) for t in texts[:2]], emb, progress=False)
    [(score, best)] = index.search("which tool counts words?", k=1, embedder=emb)
    assert best.text == "BM25 counts words." and 0 < score <= 1


def test_the_default_model_ships_as_a_package():
    assert (embeddings.model_dir() / "config.json").exists()
    with pytest.raises(EmbeddingError, match="neither the default") as err:
        embeddings.model_dir("no/such/model")
    assert err.value.fix


def test_embedder_tokens_counts_word_pieces():
    assert embeddings.embedder_tokens("") == 0
    assert embeddings.embedder_tokens("cat") == 1
    assert embeddings.embedder_tokens("Tokenization splits unbelievable words.") > 5


def test_empty_input_and_no_cache(tmp_path):
    emb = Embedder(cache_dir=tmp_path)
    assert emb.embed([], progress=False).shape == (0, 384)
    emb.embed(["x"], progress=False, use_cache=False)
    assert not list(tmp_path.iterdir())  # nothing written
