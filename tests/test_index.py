"""handbook.rag.index (chapter 3): FAISS results against brute-force NumPy, save/load, atomicity, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handbook.errors import IndexMismatchError, VectorIndexError
from handbook.rag import index as ix
from handbook.records import Chunk


def unit_vectors(n: int, d: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def fake_chunks(n: int) -> list[Chunk]:
    return [Chunk(f"doc{i % 7}.md", f"text {i}", i, i + 1, i + 1, i + 1, "h", 2) for i in range(n)]


class FakeEmbedder:
    """Just a name and a dimension: all `check_embedder` looks at."""

    def __init__(self, name: str, dim: int):
        self.name, self.dim = name, dim


N, D, Q = 2000, 32, 50
BASE, QUERIES = unit_vectors(N, D, 0), unit_vectors(Q, D, 1)
EXACT = np.argsort(-(QUERIES @ BASE.T), axis=1, kind="stable")  # the oracle


@pytest.mark.parametrize(("kind", "params", "min_recall"), [
    ("flat", {}, 1.0),
    ("ivf", {"nlist": 16, "nprobe": 16}, 1.0),  # probing every cell is exhaustive
    ("ivf", {"nlist": 16, "nprobe": 2}, 0.3),  # probing few cells trades recall for speed
    ("hnsw", {"m": 16, "ef_search": 256}, 0.95),
])
def test_faiss_matches_brute_force(kind, params, min_recall):
    index = ix.from_vectors(BASE, fake_chunks(N), "m", kind=kind, **params)
    scores, ids = index.search_vectors(QUERIES, k=10)
    recall = np.mean([len(set(ids[q]) & set(EXACT[q, :10])) / 10 for q in range(Q)])
    assert recall >= min_recall
    if min_recall == 1.0:
        np.testing.assert_array_equal(ids, EXACT[:, :10])
        np.testing.assert_allclose(scores, np.take_along_axis(QUERIES @ BASE.T, ids, axis=1), rtol=1e-5, atol=1e-5)


def test_save_load_round_trip(tmp_path):
    index = ix.from_vectors(BASE, fake_chunks(N), "m", kind="hnsw", chunking={"size": 200, "overlap": 40}, m=8)
    index.save(tmp_path / "idx")
    loaded = ix.load(tmp_path / "idx")
    assert loaded.chunks == index.chunks
    assert loaded.manifest == index.manifest == json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert loaded.manifest | {"params": None} == {
        "format": 1, "model": "m", "dim": D, "kind": "hnsw", "metric": "ip", "params": None,
        "chunking": {"size": 200, "overlap": 40}, "n_chunks": N, "n_documents": 7}
    for a, b in zip(index.search_vectors(QUERIES, 5), loaded.search_vectors(QUERIES, 5), strict=True):
        np.testing.assert_array_equal(a, b)
    index.save(tmp_path / "idx")  # saving over an existing index replaces it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]


def test_crash_while_saving_leaves_old_index_and_no_debris(tmp_path, monkeypatch):
    small = ix.from_vectors(BASE[:10], fake_chunks(10), "m")
    small.save(tmp_path / "idx")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(ix.faiss, "write_index", boom)
    with pytest.raises(OSError, match="disk full"):
        ix.from_vectors(BASE, fake_chunks(N), "m").save(tmp_path / "idx")
    with pytest.raises(OSError):
        small.save(tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]  # no temp folders, no half index
    assert len(ix.load(tmp_path / "idx")) == 10


def test_refuses_to_overwrite_a_folder_that_is_not_an_index(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(VectorIndexError, match="not an index"):
        ix.from_vectors(BASE[:10], fake_chunks(10), "m").save(tmp_path / "notes")
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize(("setup", "needle"), [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no manifest.json"),
])
def test_missing_index(tmp_path, setup, needle):
    with pytest.raises(VectorIndexError, match=needle) as err:
        ix.load(setup(tmp_path))
    assert "handbook index" in err.value.fix


def test_inconsistent_index_is_refused(tmp_path):
    ix.from_vectors(BASE[:10], fake_chunks(10), "m").save(tmp_path / "idx")
    lines = (tmp_path / "idx" / "chunks.jsonl").read_text().splitlines()
    (tmp_path / "idx" / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(VectorIndexError, match="inconsistent"):
        ix.load(tmp_path / "idx")


@pytest.mark.parametrize(("embedder", "needle"), [
    (FakeEmbedder("other-model", D), "built with embedding model 'm'"),
    (FakeEmbedder("m", D * 2), "dimension"),
])
def test_model_mismatch_is_refused(embedder, needle):
    index = ix.from_vectors(BASE[:10], fake_chunks(10), "m")
    with pytest.raises(IndexMismatchError, match=needle):
        index.check_embedder(embedder)


def test_query_dimension_and_k_errors():
    index = ix.from_vectors(BASE[:10], fake_chunks(10), "m")
    with pytest.raises(IndexMismatchError, match="dimension 16"):
        index.search_vectors(np.zeros((1, 16), np.float32), 3)
    for k in (0, 11):
        with pytest.raises(VectorIndexError, match=f"k={k} but the index holds 10 chunks"):
            index.search_vectors(QUERIES[:1], k)


@pytest.mark.parametrize(("kind", "params", "needle"), [
    ("ivf", {"nlist": 100}, "at least nlist=100"), ("pq", {}, "Unknown index kind"),
])
def test_bad_index_options(kind, params, needle):
    with pytest.raises(VectorIndexError, match=needle):
        ix.from_vectors(BASE[:10], fake_chunks(10), "m", kind=kind, **params)


def test_build_refuses_no_chunks():
    with pytest.raises(VectorIndexError, match="No chunks"):
        ix.build([], FakeEmbedder("m", D))
    with pytest.raises(VectorIndexError, match="2 vectors for 3 chunks"):
        ix.from_vectors(BASE[:2], fake_chunks(3), "m")
