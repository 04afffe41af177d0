"""A vector store in Milvus: metadata, filters, upserts and deletes that a FAISS file lacks.

`open_store(uri)` opens a collection through pymilvus. A plain path (ending
in `.db`) is a Milvus Lite database on disk, embedded in the process; a URI
such as `http://host:19530` is a Milvus server or cluster, with the same code.
Every chunk is stored with its vector, its text (analysed for Milvus's native
BM25) and metadata: source, section, position, content hash, model, plus
optional tenant and date. The loader, chunker and embedder (and its cache)
are those of the FAISS path.

    store = open_store("/tmp/kb.db")
    store.add_documents(load_documents("data/corpus"))   -> {"added": 120, ...}
    store.search("how do I cite sources?", k=3, where='source like "%03-rag%"')

Deliberately left out: partitions, index tuning beyond FLAT/HNSW, and
authentication (pass `token=` to MilvusClient yourself for a secured server).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from ..errors import StoreError, StoreMismatchError
from ..records import Chunk, Hit
from .embeddings import Embedder, default_embedder

COLLECTION = "handbook"
FIELDS = ["source", "section", "position", "content_hash", "model", "text", "start", "end",
          "start_line", "end_line", "tenant", "date"]


def _client(uri: str):
    import logging

    from pymilvus import MilvusClient

    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # errors reach the user as StoreError instead

    if "://" not in uri and not uri.endswith(".db"):
        raise StoreError(f"{uri!r} is neither a Milvus Lite file (*.db) nor a server URI.",
                         "pass a path ending in .db, or http://host:19530")
    if uri.endswith(".db") and "://" not in uri:
        from pathlib import Path

        Path(uri).expanduser().parent.mkdir(parents=True, exist_ok=True)  # Milvus Lite wants the folder
    try:
        return MilvusClient(uri, timeout=5)
    except Exception as exc:  # pymilvus raises its own MilvusException or a gRPC error
        raise StoreError(f"Cannot reach Milvus at {uri}: {str(exc).splitlines()[0][:200]}",
                         "start the server (milvus-lite server --data-dir DIR) or check host and port") from None


def content_hash(text: str) -> str:
    """SHA-256 of a text, the key of idempotent ingest (chapter 3)."""
    return hashlib.sha256(text.encode()).hexdigest()


class Store:
    """One Milvus collection of chunks embedded by one model (chapter 3)."""

    index_type, index_params = "FLAT", {}  # set by open_store when it creates a collection

    def __init__(self, client, collection: str, embedder: Embedder, uri: str = ""):
        self.client, self.collection, self.embedder, self.uri = client, collection, embedder, uri
        self.model = model_id(embedder)

    def __repr__(self) -> str:
        return f"Store({self.collection!r}, {self.embedder.name})"

    def close(self) -> None:
        """Close the connection; for a Milvus Lite file, free it for another process (chapter 3).

        Milvus Lite serves a `.db` file from a gRPC server in a thread of the
        process that opened it, which holds a lock on the file until released.
        """
        self.client.close()
        if self.uri.endswith(".db"):
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)

    # ------------------------------------------------------------------ schema
    def _create(self, name: str) -> None:
        from pymilvus import DataType, Function, FunctionType

        s = self.client.create_schema(auto_id=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=80)
        s.add_field("text", DataType.VARCHAR, max_length=16384, enable_analyzer=True)
        for f in ("source", "section", "content_hash", "model", "tenant", "date"):
            s.add_field(f, DataType.VARCHAR, max_length=1024)
        for f in ("position", "start", "end", "start_line", "end_line"):
            s.add_field(f, DataType.INT64)
        s.add_field("vector", DataType.FLOAT_VECTOR, dim=self.embedder.dim)
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                input_field_names=["text"], output_field_names=["sparse"]))
        ip = self.client.prepare_index_params()
        ip.add_index("vector", index_type=self.index_type, metric_type="IP", params=self.index_params)
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        self.client.create_collection(name, schema=s, index_params=ip, properties={
            "handbook.model": self.model, "handbook.dim": str(self.embedder.dim)})

    def info(self) -> dict:
        """The collection's model and dimension, as recorded when it was made (chapter 3)."""
        d = self.client.describe_collection(self.collection)
        props = d.get("properties", {})
        dim = next(int(f["params"]["dim"]) for f in d["fields"] if f["name"] == "vector")
        return {"model": props.get("handbook.model", "?"), "dim": dim}

    def check(self) -> None:
        """Refuse an embedder whose model or dimension differs from the collection's (chapter 3)."""
        info = self.info()
        if info["model"] != self.model or info["dim"] != self.embedder.dim:
            raise StoreMismatchError(
                f"Collection {self.collection!r} was built with {info['model']} ({info['dim']} dimensions), "
                f"this store embeds with {self.model} ({self.embedder.dim}): vectors would not compare.",
                f"open it with Embedder({info['model']!r}), or migrate it: migrate(store, new_embedder)")

    # ------------------------------------------------------------------ writing
    def _rows(self, chunks: list[Chunk], tenant: str, date: str) -> list[dict]:
        vecs = self.embedder.embed([c.embed_text for c in chunks], progress=False)
        return [{"id": content_hash(f"{c.source}\x00{i}\x00{c.text}")[:40], "text": c.text[:16000],
                 "source": c.source, "section": c.heading[:1000], "position": i,
                 "content_hash": content_hash(c.text), "model": self.model,
                 "tenant": tenant, "date": date, "start": c.start, "end": c.end,
                 "start_line": c.start_line, "end_line": c.end_line, "vector": v.tolist()}
                for i, (c, v) in enumerate(zip(chunks, vecs, strict=True))]

    def add_chunks(self, source: str, chunks: list[Chunk], tenant: str = "", date: str = "") -> int:
        """Replace one source's chunks if they changed; 0 written when unchanged (chapter 3)."""
        old = self.client.query(self.collection, filter=f"source == {_q(source)}",
                                output_fields=["content_hash", "position", "tenant", "date"])
        old_key = sorted((r["position"], r["content_hash"], r["tenant"], r["date"]) for r in old)
        new_key = sorted((i, content_hash(c.text), tenant, date) for i, c in enumerate(chunks))
        if old_key == new_key:
            return 0
        rows = self._rows(chunks, tenant, date)
        if old:
            self.client.delete(self.collection, filter=f"source == {_q(source)}")
        if rows:
            self.client.insert(self.collection, rows)
        return len(rows)

    def delete(self, where: str) -> int:
        """Delete every chunk matching a Milvus filter expression (chapter 3)."""
        n = self.count(where)
        self._call(self.client.delete, self.collection, filter=where)
        return n

    # ------------------------------------------------------------------ reading
    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            msg = getattr(exc, "message", None) or str(exc)
            raise StoreError(f"Milvus refused the request: {msg.splitlines()[0][:300]}",
                             'check the --where expression, e.g. source like "%sorting%" and position < 3') from None

    def count(self, where: str = "") -> int:
        r = self._call(self.client.query, self.collection, filter=where, output_fields=["count(*)"])
        return int(r[0]["count(*)"])

    def rows(self, fields: list[str], where: str = "", batch: int = 1000) -> Iterator[dict]:
        """Every row matching `where`, paged by a query iterator: no 16,384-row cap (chapter 3).

        A plain `query` on a Milvus server returns at most 16,384 rows (offset
        plus limit); the iterator pages through any number.
        """
        it = self._call(self.client.query_iterator, self.collection, batch_size=batch, filter=where,
                        output_fields=fields)
        try:
            while page := it.next():
                yield from page
        finally:
            it.close()

    def stats(self) -> dict:
        """Chunks, distinct sources, model and dimension (chapter 3)."""
        sources = {r["source"] for r in self.rows(["source"])}
        return {"chunks": self.count(), "sources": len(sources), **self.info()}

    def search(self, query: str, k: int = 5, where: str = "", mode: str = "dense") -> list[Hit]:
        """Dense, BM25 (Milvus's own) or hybrid (RRF in Milvus) search, pre-filtered by `where` (chapter 3)."""
        self.check()
        out = FIELDS
        if mode == "bm25":
            res = self._call(self.client.search, self.collection, [query], anns_field="sparse", limit=k,
                             filter=where, output_fields=out)
        else:
            vec = self.embedder.embed([query], progress=False, use_cache=False)[0].tolist()
            if mode == "dense":
                res = self._call(self.client.search, self.collection, [vec], anns_field="vector", limit=k,
                                 filter=where, output_fields=out, search_params={"metric_type": "IP"})
            elif mode == "hybrid":
                from pymilvus import AnnSearchRequest, RRFRanker

                reqs = [AnnSearchRequest([vec], "vector", {"metric_type": "IP"}, max(k, 50), expr=where or None),
                        AnnSearchRequest([query], "sparse", {}, max(k, 50), expr=where or None)]
                res = self._call(self.client.hybrid_search, self.collection, reqs, RRFRanker(60), limit=k,
                                 output_fields=out)
            else:
                raise StoreError(f"Unknown mode {mode!r}.", "use dense, bm25 or hybrid")
        hits = []
        for rank, r in enumerate(res[0], start=1):
            e = r["entity"]
            c = Chunk(e["source"], e["text"], e["start"], e["end"], e["start_line"], e["end_line"], e["section"])
            hits.append(Hit(rank, float(r["distance"]), c, mode))
        return hits


def model_id(embedder: Embedder) -> str:
    """The name a collection records for its embedder: model plus a non-default backend (chapter 3).

    The int8 ONNX export gives slightly different vectors from PyTorch's, so a
    collection built with one must not be searched with the other.
    """
    backend = getattr(embedder, "backend", "torch")
    return embedder.name if backend == "torch" else f"{embedder.name}+{backend}-int8"


def embedder_for(model: str) -> Embedder:
    """The Embedder of a recorded `model_id` (chapter 3)."""
    name, _, backend = model.partition("+")
    return Embedder(name, backend=backend.removesuffix("-int8") or "torch")


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def open_store(uri: str, collection: str = COLLECTION, embedder: Embedder | None = None,
               create: bool = True, index_type: str = "FLAT", index_params: dict | None = None) -> Store:
    """Open (or create) a collection or alias at a Milvus Lite path or a server URI (chapter 3).

    Without `embedder`, an existing collection is searched with the model it
    records (so readers of an alias follow a migration), a new one with the
    default; an explicit embedder of another model or dimension is refused.
    An alias is resolved to its collection when the store opens, so a store
    keeps searching the collection it checked, even if the alias moves; open
    the alias again (one store per request) to follow a migration.
    `index_type` (FLAT, HNSW, IVF_FLAT, ...; DISKANN on a server) and its
    `index_params` apply when the collection is created.
    """
    client = _client(str(uri))
    try:
        exists = client.has_collection(collection)  # true for an alias too
    except Exception as exc:
        raise StoreError(f"Cannot reach Milvus at {uri}: {str(exc).splitlines()[0][:200]}",
                         "start the server or check host and port") from None
    if exists:  # an alias is resolved once, here: a switch later cannot pair this model with another's vectors
        desc = client.describe_collection(collection)
        collection = desc.get("collection_name", collection)
        props = desc.get("properties", {})
        if embedder is None and "handbook.model" in props:
            embedder = embedder_for(props["handbook.model"])
    store = Store(client, collection, embedder or default_embedder(), str(uri))
    store.index_type, store.index_params = index_type, dict(index_params or {})
    if not exists:
        if not create:
            raise StoreError(f"No collection {collection!r} at {uri}.", f"ingest first: handbook db add DIR --db {uri}")
        store._create(collection)
    client.load_collection(collection)  # a collection persisted by another process starts released
    store.check()
    return store
