"""`handbook db add|search|delete|stats`: a Milvus vector store from the shell (chapter 3).

`--db` is a Milvus Lite file (a path ending in .db) or a server URI
(`http://host:19530`). Errors print a message and a fix and exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import CorpusError


def register(sub) -> None:
    p = sub.add_parser("db", help="a Milvus vector store: add, search, delete, stats",
                       description="Ingest files into Milvus (Milvus Lite file or server) and query them.")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    def common(q):
        q.add_argument("--db", required=True, metavar="URI", help="a .db path (Milvus Lite) or http://host:19530")
        q.add_argument("--collection", default="handbook", help="collection name (default handbook)")

    a = dsub.add_parser("add", help="ingest a folder (unchanged files write nothing)")
    a.add_argument("dir", metavar="DIR")
    common(a)
    a.set_defaults(func=_add)
    s = dsub.add_parser("search", help="search, optionally pre-filtered by a Milvus expression")
    s.add_argument("query")
    common(s)
    s.add_argument("-k", type=int, default=5)
    s.add_argument("--where", default="", metavar="EXPR", help='e.g. source like "%%sorting%%"')
    s.add_argument("--mode", choices=("dense", "bm25", "hybrid"), default="dense")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_search)
    d = dsub.add_parser("delete", help="delete the chunks matching a filter")
    common(d)
    d.add_argument("--where", required=True, metavar="EXPR")
    d.set_defaults(func=_delete)
    t = dsub.add_parser("stats", help="chunks, sources, model and dimension")
    common(t)
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=_stats)


def _add(args) -> int:
    from ..errors import StoreError
    from ..rag import load_documents
    from ..rag.ingest import ingest
    from ..rag.store import open_store
    from .rag import _embedder

    if not Path(args.dir).is_dir():
        raise CorpusError(f"{args.dir} is not a folder.", "pass an existing folder of .md/.txt/.rst files")
    try:  # an existing collection keeps the model it records; a new one gets the CLI's (ONNX if exported)
        store = open_store(args.db, args.collection, create=False)
    except StoreError as exc:
        if "No collection" not in exc.message:
            raise
        store = open_store(args.db, args.collection, embedder=_embedder(None))
    print(json.dumps(ingest(store, load_documents(args.dir), progress=True)))
    return 0


def _search(args) -> int:
    from ..rag.store import open_store

    hits = open_store(args.db, args.collection, create=False).search(args.query, args.k, args.where, args.mode)
    if args.json:
        print(json.dumps({"hits": [{"source": h.source, "section": h.chunk.heading, "score": round(h.score, 6),
                                    "text": h.text} for h in hits]}, ensure_ascii=False))
    else:
        for h in hits:
            print(f"{h.rank}. {h.score:.3f}  {h.chunk.id}  {h.chunk.heading}")
    return 0


def _delete(args) -> int:
    from ..rag.store import open_store

    print(f"deleted {open_store(args.db, args.collection, create=False).delete(args.where)} chunks")
    return 0


def _stats(args) -> int:
    from ..rag.store import open_store

    st = open_store(args.db, args.collection, create=False).stats()
    print(json.dumps(st) if args.json else "  ".join(f"{k}={v}" for k, v in st.items()))
    return 0
