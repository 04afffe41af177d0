"""`handbook index`, `handbook search` and `handbook ask`: RAG from the shell (chapter 3).

`index` loads files and folders, chunks and embeds them (through the cache)
and saves a FAISS index folder. `search` prints hits, or JSON, or runs a TSV
of queries into a TREC run file that `trec_eval`/`pytrec_eval` can score.
`ask` answers a question with numbered sources, tokens and cost.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from ..errors import HandbookError
from ..files import atomic_write

DEFAULT_K = 5


def register(sub) -> None:
    p = sub.add_parser("index", help="build a vector index from files and folders",
                       description="Load .md/.txt/.rst/.html/.ipynb files (folders recursively), chunk them, "
                       "embed the chunks (cached) and save a FAISS index folder.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to index")
    p.add_argument("--index", required=True, metavar="DIR", help="folder to write the index to (replaced atomically)")
    p.add_argument("--chunk-size", type=int, default=200, metavar="N", help="tokens per chunk (default 200)")
    p.add_argument("--overlap", type=int, default=40, metavar="N", help="tokens shared by neighbours (default 40)")
    p.add_argument("--kind", choices=("flat", "ivf", "hnsw"), default="flat", help="FAISS index type (default flat)")
    p.add_argument("--backend", choices=("onnx", "torch"), default=None,
                   help="embedding runtime (default: HANDBOOK_EMBED_BACKEND, else onnx when `make onnx` has "
                   "exported it, else torch); search and ask reuse the one the index records")
    p.set_defaults(func=_index)

    s = sub.add_parser("search", help="search an index (one query, or a TSV of queries into a TREC run)",
                       description="Search an index built by `handbook index`.")
    s.add_argument("query", nargs="?", help="the query text (or use --queries)")
    s.add_argument("--index", required=True, metavar="DIR", help="index folder")
    s.add_argument("-k", type=int, default=None,
                   help=f"number of hits (default {DEFAULT_K}, or fewer if the index is smaller)")
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--hybrid", action="store_const", dest="mode", const="hybrid",
                      help="fuse BM25 and dense rankings with reciprocal-rank fusion")
    mode.add_argument("--bm25", action="store_const", dest="mode", const="bm25", help="BM25 only (lexical)")
    s.add_argument("--json", action="store_true", help="print a JSON list of hits, best first")
    s.add_argument("--queries", metavar="FILE.tsv", help="file of `qid<TAB>query` lines to run in one process")
    s.add_argument("--run", metavar="OUT", help="with --queries: write a TREC run file `qid Q0 docno rank score tag`; docno is the source "
                   "file, so each file appears once per query, at the rank of its best chunk")
    s.add_argument("--tag", default=None, help="run tag in the TREC file (default: the retrieval mode)")
    s.set_defaults(func=_search, mode="dense")

    a = sub.add_parser("ask", help="answer a question from an index, with numbered sources",
                       description="Retrieve chunks and ask the LLM to answer with [n] citations.")
    a.add_argument("question")
    a.add_argument("--index", required=True, metavar="DIR", help="index folder")
    a.add_argument("-k", type=int, default=4, help="sources to give the model (default 4)")
    a.add_argument("--hybrid", action="store_const", dest="mode", const="hybrid", help="hybrid retrieval")
    a.add_argument("--model", default=None, help="chat model (default: HANDBOOK_MODEL or the local default)")
    a.add_argument("--max-tokens", type=int, default=200, help="answer length limit (default 200)")
    a.add_argument("--defence", default="none", metavar="none|all|NAME[,NAME]",
                   help="injection defences (chapter 8): spotlight, hierarchy, sandwich, output-check, detector")
    a.set_defaults(func=_ask, mode="dense")


def _index(args) -> int:
    from ..errors import SkippedFileWarning
    from ..rag import chunking, documents, index

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedFileWarning)
        docs = documents.load(args.paths)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    chunks = chunking.chunk(docs, args.chunk_size, args.overlap)
    built = index.build(chunks, _embedder(args.backend), kind=args.kind, chunking={"size": args.chunk_size, "overlap": args.overlap},
                        progress=sys.stderr.isatty())
    built.save(args.index)
    print(f"indexed {len(docs)} documents ({len(docs.skipped)} skipped) into {len(chunks)} chunks "
          f"-> {args.index} [{built.manifest['kind']}, {built.model} ({built.manifest['backend']}), d={built.dim}]")
    return 0


def _embedder(backend: str | None):
    """The CLI's embedder: the int8 ONNX export when it exists (torch-free, fast cold start), else torch."""
    import os

    from ..rag.embeddings import DEFAULT_MODEL, Embedder
    from ..rag.onnx_embed import onnx_path

    backend = backend or os.environ.get("HANDBOOK_EMBED_BACKEND")
    if backend is None:
        backend = "onnx" if onnx_path(DEFAULT_MODEL).exists() else "torch"
    return Embedder(backend=backend)


def _read_queries(path: str) -> list[tuple[str, str]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise HandbookError(f"Cannot read queries file {path}: {exc.strerror}.", "pass a TSV of qid<TAB>query") from exc
    queries = []
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        qid, tab, text = line.partition("\t")
        if not tab or not qid.strip() or not text.strip():
            raise HandbookError(f"{path}:{n}: expected `qid<TAB>query`, got {line[:60]!r}.",
                                "separate the id and the query with one tab character")
        queries.append((qid.strip(), text.strip()))
    if not queries:
        raise HandbookError(f"{path} has no queries.", "write one `qid<TAB>query` per line")
    return queries


def _search(args) -> int:
    from ..rag import index, search

    if bool(args.query) == bool(args.queries):
        raise HandbookError("Give either a query or --queries FILE.tsv.", 'e.g. handbook search --index DIR "query"')
    if args.queries and not args.run and not args.json:
        raise HandbookError("--queries needs --run OUT (or --json).", "add --run run.trec")
    ix = index.load(args.index)
    emb = _embedder(ix.manifest.get("backend", "torch"))  # the runtime the index was built with
    if args.k is None:
        args.k = min(DEFAULT_K, len(ix))
    if args.queries:
        tag = args.tag or args.mode
        rows, results = [], {}
        for qid, text in _read_queries(args.queries):
            hits = search.retrieve(ix, text, args.k, args.mode, emb)
            results[qid] = [h.as_dict() for h in hits]
            seen: set[str] = set()
            rank = 0
            for h in hits:  # docno is the source file: keep each file's best chunk only
                if h.source in seen:
                    continue
                seen.add(h.source)
                rank += 1
                rows.append(f"{qid} Q0 {h.source} {rank} {h.score:.6f} {tag}\n")
        if args.run:
            atomic_write(args.run, rows)
            print(f"wrote {len(rows)} lines for {len(results)} queries to {args.run}", file=sys.stderr)
        if args.json:
            print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    hits = search.retrieve(ix, args.query, args.k, args.mode, emb)
    if args.json:
        print(json.dumps([h.as_dict() for h in hits], indent=2, ensure_ascii=False))
        return 0
    for h in hits:
        print(f"{h.rank:>2}. {h.score:.3f}  {h.source}:{h.chunk.start_line}-{h.chunk.end_line}  {h.chunk.heading}")
        print("    " + " ".join(h.text.split())[:200])
    return 0


def _cost(model: str, usage) -> str:
    from ..cost.pricing import usd_or_none

    dollars = usd_or_none(model, usage)
    return f"cost: ${dollars:.6f}" if dollars is not None else f"cost: unknown (no price for {model})"


def _ask(args) -> int:
    from ..guard import defences
    from ..rag import index
    from ..rag.answer import ask

    defences(args.defence)  # unknown names fail before the index loads
    ix = index.load(args.index)
    emb = _embedder(ix.manifest.get("backend", "torch"))
    if args.defence == "none":
        answer = ask(args.question, ix, args.k, mode=args.mode, embedder=emb, model=args.model,
                     max_tokens=args.max_tokens)
    else:
        from ..guard.answer import guarded_ask

        g = guarded_ask(args.question, ix, args.k, defence=args.defence, mode=args.mode, embedder=emb,
                        model=args.model, max_tokens=args.max_tokens)
        answer = g.answer
        for reason in g.blocked:
            print(f"guard: blocked ({reason})", file=sys.stderr)
        for n in g.dropped:
            print(f"guard: source {n} dropped by the detector", file=sys.stderr)
    print(answer.text)
    print("\nSources:")
    for n, h in enumerate(answer.sources, start=1):
        mark = "*" if n in answer.cited else " "
        print(f"{mark}[{n}] {h.source}:{h.chunk.start_line}-{h.chunk.end_line}  {h.chunk.heading}")
    u = answer.usage
    print(f"\ntokens: {u.prompt_tokens} prompt + {u.completion_tokens} completion = {u.total_tokens}; "
          f"{_cost(answer.reply.model, u)}  (* = cited)")
    return 0
