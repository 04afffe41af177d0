"""Ingest into a Milvus store, and migrate a store to a new embedding model behind an alias.

`ingest()` loads and chunks documents with the FAISS path's own loader and
chunker, then writes each source through `Store.add_chunks`: an unchanged
file writes nothing, a changed one replaces exactly its own chunks.

`migrate()` re-embeds every chunk into a second collection, then switches an
alias from the old collection to the new one in one call: readers that search
the alias never see an empty or half-built collection.

Deliberately left out: resumable migrations and dual writes during one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from ..records import Chunk, Document
from .chunking import chunk
from .embeddings import Embedder
from .store import Store, _client, embedder_for, open_store


def ingest(store: Store, docs: Iterable[Document], *, size: int = 200, overlap: int = 40,
           meta: Callable[[str], dict] | None = None, progress: bool = False) -> dict:
    """Chunk documents and add them source by source; counts of written and unchanged (chapter 3).

    `meta(source)` may return {"tenant": ..., "date": ...} for each file.
    """
    from tqdm.auto import tqdm

    docs = list(docs)
    written = unchanged = 0
    for doc in tqdm(docs, desc="ingest", unit="file", disable=not progress):
        extra = meta(doc.path) if meta else {}
        n = store.add_chunks(doc.path, chunk(doc, size=size, overlap=overlap), **extra)
        written += n
        unchanged += n == 0
    return {"files": len(docs), "chunks_written": written, "files_unchanged": unchanged}


def _all_chunks(store: Store) -> dict[str, list[tuple[Chunk, str, str]]]:
    rows = list(store.rows(["source", "text", "start", "end", "start_line", "end_line", "section",
                            "position", "tenant", "date"]))
    by_source: dict[str, list] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["source"], r["position"])):
        c = Chunk(r["source"], r["text"], r["start"], r["end"], r["start_line"], r["end_line"], r["section"])
        by_source[r["source"]].append((c, r["tenant"], r["date"]))
    return by_source


def migrate(uri: str, alias: str, old: str, new: str, embedder: Embedder,
            old_embedder: Embedder | None = None) -> Store:
    """Re-embed collection `old` into `new` with `embedder`, then point `alias` at `new` (chapter 3)."""
    src = open_store(uri, old, create=False, embedder=old_embedder or _same(uri, old))
    dst = open_store(uri, new, embedder=embedder)
    for source, items in _all_chunks(src).items():
        tenant, date = items[0][1], items[0][2]
        dst.add_chunks(source, [c for c, _, _ in items], tenant=tenant, date=date)
    client = dst.client
    if alias in client.list_aliases(old).get("aliases", []):
        client.alter_alias(new, alias)
    else:
        client.create_alias(new, alias)
    return Store(client, new, embedder, uri)


def _same(uri: str, collection: str) -> Embedder:
    """An embedder for the model a collection was built with (chapter 3)."""
    props = _client(uri).describe_collection(collection).get("properties", {})
    return embedder_for(props.get("handbook.model", ""))
