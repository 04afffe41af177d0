"""Benchmark of the Milvus store against the FAISS index on the same chunks (chapter 3).

Chunks: the golden set's chapters and lab 3's 19 stdlib modules, 200 tokens with 40 of overlap,
embedded once through the cache before any timing, so the rows below time the stores,
not the model (query embedding is included in query latency, with the same embedder for all).

* FAISS: `index.build` from cached vectors plus `save`; dense query latency via `search.dense`.
* Milvus Lite file and Milvus Lite gRPC server on loopback (`python -m milvus_lite server`):
  `ingest` throughput (chunks/s, one source at a time, idempotence check included), and query
  latency of dense, pre-filtered dense, and hybrid (Milvus's own BM25 fused by RRF).

Latency is p50 / p95 over the golden and stdlib questions, after one warm-up query; ingest is the
best of `--repeats` runs into a fresh collection. Run (on a quiet machine, for timings that mean
something): `python bench/bench_store.py [--repeats 3] [--backend onnx]`.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from handbook.rag import Embedder, chunk, load_documents, search, stdlib_docs
from handbook.rag import index as index_mod
from handbook.rag.golden import load_questions
from handbook.rag.ingest import ingest
from handbook.rag.store import open_store

ROOT = Path(__file__).resolve().parents[1]
LAB3_MODULES = ("base64", "bisect", "csv", "datetime", "difflib", "glob", "gzip", "heapq",
                "json", "pathlib", "random", "secrets", "shutil", "statistics", "subprocess",
                "tempfile", "textwrap", "uuid", "zipfile")


def corpus():
    questions = load_questions()
    files = sorted({str(ROOT / g) for q in questions for g in q["gold"]})
    book = load_documents(files)
    std = load_documents(stdlib_docs(modules=LAB3_MODULES))
    chunks = chunk(list(book) + list(std), size=200, overlap=40)  # what ingest() cuts, too
    stdq = [json.loads(x)["question"] for x in (ROOT / "data/stdlib-eval/questions.jsonl").read_text().splitlines()]
    return list(book) + list(std), chunks, [q["question"] for q in questions] + stdq


def pct(times: list[float]) -> str:
    p50, p95 = np.percentile(np.array(times) * 1000, [50, 95])
    return f"{p50:6.1f} / {p95:6.1f} ms"


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def start_server(data_dir: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data_dir),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("Milvus Lite server did not start")


def bench_milvus(uri: str, docs, emb, questions, repeats: int) -> list[tuple[str, str]]:
    def meta(path):
        return {"tenant": "book" if "data/corpus" in path else "stdlib", "date": "2026-12-01"}

    best, n = float("inf"), 0
    for r in range(repeats):
        store = open_store(uri, f"bench{r}", emb)
        t = time.perf_counter()
        n = ingest(store, docs, size=200, overlap=40, meta=meta)["chunks_written"]
        best = min(best, time.perf_counter() - t)
    again = timed(lambda: ingest(store, docs, size=200, overlap=40, meta=meta))
    rows = [("ingest (chunks/s)", f"{n / best:8.0f}"), ("re-ingest unchanged", f"{again:8.2f} s")]
    for name, kw in [("dense query", {}), ("dense, pre-filtered", {"where": 'tenant == "stdlib"'}),
                     ("hybrid (Milvus BM25 + RRF)", {"mode": "hybrid"})]:
        store.search("warm-up", k=5, **kw)
        rows.append((name, pct([timed(lambda q=q, kw=kw: store.search(q, k=5, **kw)) for q in questions])))
    store.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", choices=("onnx", "torch"), default="onnx")
    args = parser.parse_args()
    docs, chunks, questions = corpus()
    emb = Embedder(backend=args.backend)
    emb.embed([c.embed_text for c in chunks], progress=False)  # fill the cache: no model time below
    emb.embed(["warm-up"], use_cache=False)
    table: dict[str, list[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        built = []
        faiss_s = min(timed(lambda: built.append(index_mod.build(chunks, emb, progress=False))) for _ in range(args.repeats))
        ix = built[-1]
        save_s = timed(lambda: ix.save(Path(tmp) / "ix"))
        search.dense(ix, "warm-up", 5, emb)
        table["FAISS flat"] = [("ingest (chunks/s)", f"{len(chunks) / (faiss_s + save_s):8.0f}"),
                               ("re-ingest unchanged", f"{faiss_s + save_s:8.2f} s (full rebuild)"),
                               ("dense query", pct([timed(lambda q=q: search.dense(ix, q, 5, emb)) for q in questions])),
                               ("dense, pre-filtered", "n/a (no metadata)"),
                               ("hybrid (Milvus BM25 + RRF)", "n/a")]
        table["Milvus Lite file"] = bench_milvus(str(Path(tmp) / "kb.db"), docs, emb, questions, args.repeats)
        proc, uri = start_server(Path(tmp) / "srv")
        try:
            table["Milvus Lite server (loopback)"] = bench_milvus(uri, docs, emb, questions, args.repeats)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"Vector stores: {len(chunks)} chunks from {len(docs)} files, {len(questions)} queries, "
          f"{args.backend} embeddings (query embedding included), best of {args.repeats} ingests")
    measures = [m for m, _ in table["FAISS flat"]]
    width = max(len(m) for m in measures)
    cols = list(table)
    print(f"{'measure':{width}}  " + "  ".join(f"{c:>30}" for c in cols))
    for i, m in enumerate(measures):
        print(f"{m:{width}}  " + "  ".join(f"{table[c][i][1]:>30}" for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
