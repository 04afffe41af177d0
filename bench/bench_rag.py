"""Benchmark of the RAG library (chapter 3): indexing throughput, query latency, overhead, cache speed-up.

Corpus: the files named by the golden set (the data/corpus/ snapshot), chunked as in lab 3 (200 tokens, 40 overlap).

* cold build: `handbook.rag.index.build` with an empty embedding cache, in chunks/s;
* raw baseline: the same texts through `SentenceTransformer.encode` + `faiss.IndexFlatIP`, no library;
  the library's overhead against it must be <= 10 %;
* cached rebuild: `index.build` again over the unchanged chunks; must be >= 20x faster than cold;
* queries: p50 and p95 latency of dense and hybrid retrieval for the golden questions (query
  embedding included).

Each timing is the best of `--repeats` runs (the least disturbed by other work on the machine);
the model is loaded before any timing starts. Prints a table; exits 1 if a target is missed.
Run: `python bench/bench_rag.py [--repeats 3]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from handbook.rag import chunking, documents, embeddings, index, search

ROOT = Path(__file__).resolve().parents[1]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing; the best is reported (default 3)")
    args = parser.parse_args()

    questions = [json.loads(line) for line in (ROOT / "data/golden/handbook-questions.jsonl").read_text().splitlines()]
    files = sorted({str(ROOT / g) for q in questions for g in q["gold"]})
    chunks = chunking.chunk(documents.load(files), size=200, overlap=40)
    texts = [c.embed_text for c in chunks]
    model = embeddings.default_embedder().model  # load once, outside every timing
    model.encode(["warm-up"], normalize_embeddings=True)

    def raw():
        vecs = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False)
        flat = faiss.IndexFlatIP(vecs.shape[1])
        flat.add(np.asarray(vecs, dtype=np.float32))
        return flat

    raw_s, cold_s, cached_s = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            raw_s.append(timed(raw)[0])
            emb = embeddings.Embedder(cache_dir=Path(tmp) / f"cache{r}")  # empty cache: a cold build
            cold_s.append(timed(lambda emb=emb: index.build(chunks, emb, progress=False))[0])
            cached_s.append(timed(lambda emb=emb: index.build(chunks, emb, progress=False))[0])
        ix = index.build(chunks, embeddings.Embedder(cache_dir=Path(tmp) / "cache0"), progress=False)

    latency = {}
    for mode in ("dense", "hybrid"):
        search.retrieve(ix, "warm-up", 5, mode)
        times = [timed(lambda q=q, mode=mode: search.retrieve(ix, q["question"], 5, mode))[0] for q in questions]
        latency[mode] = np.percentile(np.array(times) * 1000, [50, 95])

    raw_t, cold_t, cached_t = min(raw_s), min(cold_s), min(cached_s)
    overhead = cold_t / raw_t - 1
    speedup = cold_t / cached_t
    rows = [
        ("chunks indexed", f"{len(chunks)}", ""),
        ("raw sentence-transformers + faiss build", f"{raw_t:.2f} s ({len(chunks) / raw_t:.1f} chunks/s)", ""),
        ("library cold build (empty cache)", f"{cold_t:.2f} s ({len(chunks) / cold_t:.1f} chunks/s)", ""),
        ("library overhead vs raw", f"{overhead:+.1%}", "ok" if overhead <= 0.10 else "FAIL (> 10%)"),
        ("library cached rebuild", f"{cached_t:.3f} s ({len(chunks) / cached_t:,.0f} chunks/s)", ""),
        ("cached rebuild speed-up", f"{speedup:,.0f}x", "ok" if speedup >= 20 else "FAIL (< 20x)"),
    ]
    rows += [(f"query latency, {mode} (p50 / p95)", f"{p50:.1f} / {p95:.1f} ms", "")
             for mode, (p50, p95) in latency.items()]
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"RAG benchmark: {len(files)} chapters, best of {args.repeats} runs, {faiss.omp_get_max_threads()} threads")
    print(f"{'measure':{width}}  {'value':{value_width}}  target")
    print(f"{'-' * width}  {'-' * value_width}  ------")
    for name, value, verdict in rows:
        print(f"{name:{width}}  {value:{value_width}}  {verdict}")
    return 0 if overhead <= 0.10 and speedup >= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
