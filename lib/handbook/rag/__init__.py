"""Chapter 3, retrieval-augmented generation: from a folder of files to answers that cite their sources.

* `documents`: `load_documents` reads files and folders into `Document`s (md, txt, rst, html, ipynb).
* `chunking`: `chunk` them, token-aware and heading-respecting, with overlap.
* `embeddings`: `Embedder`, sentence-transformers (or int8 ONNX) with an on-disk cache.
* `onnx_embed`: the int8 ONNX Runtime export of the embedding model, torch-free at query time.
* `index`: `build_index` and `load_index`: a `VectorIndex` in FAISS (flat, IVF, HNSW), saved and loaded atomically.
* `search`: `retrieve` by dense, BM25 or hybrid (reciprocal-rank fusion) search.
* `answer`: `ask`, a grounded answer with numbered citations.
* `golden`: the golden questions and the one qrels rule every lab uses.
* `store`: `open_store`, a Milvus collection (Milvus Lite file or server URI) with metadata and filters.
* `ingest`: idempotent `ingest` into a store, and `migrate` to a new model behind an alias.
* `corpora`: a larger real corpus, the standard library's docstrings.
"""

from .answer import Answer, ask, build_prompt, citations, format_sources
from .chunking import chunk
from .corpora import stdlib_docs
from .documents import Documents, decode
from .documents import load as load_documents
from .embeddings import DEFAULT_MODEL, Embedder, default_embedder, embedder_tokens, model_dir
from .golden import load_questions, qrels
from .index import KINDS, VectorIndex, from_vectors, make_faiss
from .index import build as build_index
from .index import load as load_index
from .search import MODES, bm25, dense, hybrid, retrieve, rrf

__all__ = ["DEFAULT_MODEL", "KINDS", "MODES", "Answer", "Documents", "Embedder", "VectorIndex", "ask", "bm25",
           "build_index", "build_prompt", "chunk", "citations", "decode", "default_embedder", "dense",
           "embedder_tokens", "format_sources", "from_vectors", "hybrid", "load_documents", "load_index",
           "load_questions", "make_faiss", "model_dir", "qrels", "retrieve", "rrf", "stdlib_docs"]
