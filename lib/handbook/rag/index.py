"""A FAISS vector index that keeps its chunks and a manifest, saved and loaded atomically.

`build()` embeds chunks and puts the vectors in a FAISS index: by default
`IndexFlatIP` (exact search; on normalised vectors the inner product is the
cosine), or `"ivf"` (`IndexIVFFlat`: k-means into `nlist` cells, search
`nprobe` of them) or `"hnsw"` (`IndexHNSWFlat`: a navigable small-world graph
with `M` links per node, searched with `ef_search`). The chunks travel with
the vectors, so a search returns text and source, not bare ids.

On disk an index is a folder with `index.faiss`, `chunks.jsonl` and
`manifest.json` (embedding model, dimension, index kind and parameters,
chunking parameters, counts). `save()` writes a fresh folder beside the
target and swaps it in, so a crash never leaves a half-written index; `load()`
refuses a folder without a manifest, and a query with another model or
dimension is refused with a message that says which.

Deliberately left out: deleting or updating single vectors, product
quantisation in the library (the lab shows PQ with raw FAISS), GPUs, and
sharding across machines (chapter 3 discusses them).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import faiss
import numpy as np

from ..errors import IndexMismatchError, VectorIndexError
from ..files import atomic_folder
from ..records import Chunk
from .embeddings import Embedder, default_embedder

FORMAT = 1
KINDS = ("flat", "ivf", "hnsw")


def make_faiss(vectors: np.ndarray, kind: str = "flat", *, nlist: int | None = None, nprobe: int = 8,
               m: int = 32, ef_search: int = 64, seed: int = 0) -> faiss.Index:
    """A trained, filled inner-product FAISS index of the given kind (chapter 3)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = vectors.shape
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    elif kind == "ivf":
        nlist = nlist or max(1, min(4096, int(4 * np.sqrt(n))))
        if nlist > n:
            raise VectorIndexError(f"IVF needs at least nlist={nlist} vectors to train, got {n}.",
                              "use a smaller nlist, or the flat index for small corpora")
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        index.train(vectors)
        index.nprobe = min(nprobe, nlist)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = ef_search
    else:
        raise VectorIndexError(f"Unknown index kind {kind!r}.", f"use one of {', '.join(KINDS)}")
    index.add(vectors)
    return index


class VectorIndex:
    """Vectors in FAISS plus their chunks and a manifest (chapter 3)."""

    def __init__(self, faiss_index: faiss.Index, chunks: list[Chunk], manifest: dict):
        self.faiss = faiss_index
        self.chunks = list(chunks)
        self.manifest = dict(manifest)
        self._bm25 = None  # built lazily by handbook.rag.search

    def __len__(self) -> int:
        return self.faiss.ntotal

    def __repr__(self) -> str:
        m = self.manifest
        return f"VectorIndex({m['kind']}, {len(self)} chunks from {m['n_documents']} documents, {m['model']})"

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def dim(self) -> int:
        return int(self.manifest["dim"])

    def check_embedder(self, embedder: Embedder) -> None:
        """Refuse an embedder whose model or dimension differs from the index's (chapter 3)."""
        if embedder.name != self.model:
            raise IndexMismatchError(
                f"This index was built with embedding model {self.model!r}, but the query uses {embedder.name!r}. "
                "Vectors from different models are not comparable.",
                f"query with Embedder({self.model!r}), or rebuild the index with {embedder.name!r}")
        if embedder.dim != self.dim:
            raise IndexMismatchError(f"Index dimension {self.dim} != embedder dimension {embedder.dim}.",
                                     "rebuild the index with this embedder")

    def search_vectors(self, queries: np.ndarray, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """FAISS search for a (n, dim) array: (scores, ids), best first (chapter 3)."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if queries.shape[1] != self.dim:
            raise IndexMismatchError(f"Query vectors have dimension {queries.shape[1]}, the index has {self.dim}.",
                                     f"embed queries with the index's model ({self.model})")
        if not 1 <= k <= len(self):
            raise VectorIndexError(f"k={k} but the index holds {len(self)} chunks.",
                              f"ask for 1 <= k <= {len(self)}")
        return self.faiss.search(queries, k)

    def search(self, query: str, k: int = 5, embedder: Embedder | None = None) -> list[tuple[float, Chunk]]:
        """Embed `query` and return (score, chunk) pairs, best first (chapter 3)."""
        embedder = embedder or default_embedder()
        self.check_embedder(embedder)
        # queries skip the disk cache: they are short, rarely repeated, and a cache write costs more than encoding
        scores, ids = self.search_vectors(embedder.embed([query], progress=False, use_cache=False), k)
        return [(float(s), self.chunks[i]) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]

    def save(self, folder: str | Path) -> Path:
        """Write the index folder atomically: build beside it, then swap it in (chapter 3)."""
        folder = Path(folder)
        if folder.exists() and not (folder / "manifest.json").exists() and any(folder.iterdir()):
            raise VectorIndexError(f"{folder} exists and is not an index; refusing to replace it.",
                                   "choose an empty or new folder for --index")
        with atomic_folder(folder) as tmp:
            faiss.write_index(self.faiss, str(tmp / "index.faiss"))
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
                for c in self.chunks:
                    f.write(json.dumps(dataclasses.asdict(c), ensure_ascii=False) + "\n")
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=2, sort_keys=True) + "\n")
        return folder


def build(chunks: list[Chunk], embedder: Embedder | None = None, kind: str = "flat", *,
          chunking: dict | None = None, progress: bool = True, **params) -> VectorIndex:
    """Embed chunks (through the cache) and index them; `params` go to `make_faiss` (chapter 3)."""
    if not chunks:
        raise VectorIndexError("No chunks to index.", "load some documents and chunk them first")
    embedder = embedder or default_embedder()
    vectors = embedder.embed([c.embed_text for c in chunks], progress=progress)
    built = from_vectors(vectors, chunks, embedder.name, kind=kind, chunking=chunking, **params)
    built.manifest["backend"] = getattr(embedder, "backend", "torch")  # which runtime made the vectors
    return built


def from_vectors(vectors: np.ndarray, chunks: list[Chunk], model: str, kind: str = "flat", *,
                 chunking: dict | None = None, **params) -> VectorIndex:
    """Index precomputed vectors (one per chunk) made by `model` (chapter 3)."""
    if len(vectors) != len(chunks):
        raise VectorIndexError(f"{len(vectors)} vectors for {len(chunks)} chunks.", "pass one vector per chunk")
    manifest = {"format": FORMAT, "model": model, "dim": int(vectors.shape[1]), "kind": kind, "metric": "ip",
                "params": params, "chunking": chunking or {}, "n_chunks": len(chunks),
                "n_documents": len({c.source for c in chunks})}
    return VectorIndex(make_faiss(vectors, kind, **params), chunks, manifest)


def load(folder: str | Path) -> VectorIndex:
    """Read an index folder written by `save`, checking it is complete and consistent (chapter 3)."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        what = "does not exist" if not folder.exists() else "has no manifest.json (not an index)"
        raise VectorIndexError(f"Index folder {folder} {what}.",
                          f"build it first: handbook index PATH... --index {folder}")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise VectorIndexError(f"{folder} has index format {manifest.get('format')}, this library reads {FORMAT}.",
                          "rebuild the index with `handbook index`")
    index = faiss.read_index(str(folder / "index.faiss"))
    with open(folder / "chunks.jsonl", encoding="utf-8") as f:
        chunks = [Chunk(**json.loads(line)) for line in f if line.strip()]
    if not (index.ntotal == len(chunks) == manifest["n_chunks"]) or index.d != manifest["dim"]:
        raise VectorIndexError(f"{folder} is inconsistent: {index.ntotal} vectors (d={index.d}), {len(chunks)} chunks, "
                          f"manifest says {manifest['n_chunks']} (d={manifest['dim']}).", "rebuild the index")
    return VectorIndex(index, chunks, manifest)
