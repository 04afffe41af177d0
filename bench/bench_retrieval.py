"""Retrieval quality on two evaluation sets (chapter 3): dense, BM25, hybrid, and LLM reranking.

Sets:
* golden: the 48 handbook questions (`data/golden/`), over the frozen chapters in `data/corpus/`,
  200-token chunks with 40 of overlap; a hit is a chunk in `handbook.rag.golden.qrels`.
* stdlib: the questions of `data/stdlib-eval/questions.jsonl`, written for this benchmark, over
  the docstring summaries of lab 3's 19 standard-library modules (`rag.stdlib_docs`), 96-token
  chunks as in lab 3; a hit is a chunk of the gold module whose section is one of the labelled ones.

For each set and mode: hit@5 and MRR@10 (first relevant chunk in the top 10). With
`--rerank-depth N` (default 8; 0 skips it, as it calls the chat model N times per question),
dense's top N are re-ordered by `handbook.rag.rerank.llm_scorer` and scored the same way, with
the reranker's latency per query. Run on a quiet machine:
`python bench/bench_retrieval.py [--sets golden,stdlib] [--rerank-depth 8]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from handbook.rag import Embedder, chunk, load_documents, search, stdlib_docs
from handbook.rag import index as index_mod
from handbook.rag.golden import load_questions, qrels
from handbook.rag.rerank import llm_scorer, rerank

ROOT = Path(__file__).resolve().parents[1]
LAB3_MODULES = ("base64", "bisect", "csv", "datetime", "difflib", "glob", "gzip", "heapq",
                "json", "pathlib", "random", "secrets", "shutil", "statistics", "subprocess",
                "tempfile", "textwrap", "uuid", "zipfile")
STDLIB_QUESTIONS = ROOT / "data" / "stdlib-eval" / "questions.jsonl"


def golden_set():
    questions = load_questions()
    files = sorted({str(ROOT / g) for q in questions for g in q["gold"]})
    chunks = chunk(load_documents(files), size=200, overlap=40)
    rel = qrels(questions, chunks)
    return [(q["qid"], q["question"]) for q in questions if q["qid"] in rel], chunks, rel


def stdlib_set():
    questions = [json.loads(line) for line in STDLIB_QUESTIONS.read_text().splitlines() if line.strip()]
    chunks = chunk(load_documents(stdlib_docs(modules=LAB3_MODULES)), size=96, overlap=0)
    rel = {q["qid"]: {c.id for c in chunks if Path(c.source).name == q["gold"] and c.heading in q["sections"]}
           for q in questions}
    return [(q["qid"], q["question"]) for q in questions if rel[q["qid"]]], chunks, rel


def score(ranked: dict[str, list[str]], rel: dict) -> tuple[float, float]:
    h5 = rr = 0.0
    for qid, ids in ranked.items():
        first = next((n for n, i in enumerate(ids[:10], start=1) if i in rel[qid]), None)
        h5 += first is not None and first <= 5
        rr += 1 / first if first else 0.0
    return h5 / len(ranked), rr / len(ranked)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="golden,stdlib")
    parser.add_argument("--rerank-depth", type=int, default=8)
    parser.add_argument("--backend", choices=("torch", "onnx"), default="torch", help="embedding backend")
    parser.add_argument("--json", metavar="OUT", help="also write the table as JSON")
    args = parser.parse_args()
    emb = Embedder(backend=args.backend)
    rows = []
    for name in args.sets.split(","):
        questions, chunks, rel = {"golden": golden_set, "stdlib": stdlib_set}[name]()
        ix = index_mod.build(chunks, emb, progress=False)
        runs: dict[str, dict[str, list[str]]] = {}
        for mode in search.MODES:
            runs[mode] = {qid: [h.chunk.id for h in search.retrieve(ix, q, 10, mode, emb)] for qid, q in questions}
        latency = []
        if args.rerank_depth:
            scorer, runs["dense+rerank"] = llm_scorer(), {}
            for qid, q in questions:
                first = search.dense(ix, q, 10, emb)
                t = time.perf_counter()
                hits = rerank(q, first, scorer, depth=args.rerank_depth)
                latency.append(time.perf_counter() - t)
                runs["dense+rerank"][qid] = [h.chunk.id for h in hits]
        for mode, ranked in runs.items():
            h5, mrr = score(ranked, rel)
            lat = statistics.median(latency) if mode.endswith("rerank") else None
            rows.append({"set": name, "questions": len(questions), "chunks": len(chunks), "mode": mode,
                         "hit@5": h5, "MRR@10": mrr,
                         "rerank s/query": round(lat, 2) if lat is not None else None})
            print(f"{name:7} {mode:13} hit@5 {h5:.3f}  MRR@10 {mrr:.3f}", file=sys.stderr, flush=True)
    sets = {r["set"] for r in rows}
    if len(sets) > 1:  # pooled question by question: a mean weighted by each set's size
        for mode in dict.fromkeys(r["mode"] for r in rows):
            part = [r for r in rows if r["mode"] == mode]
            n = sum(r["questions"] for r in part)
            rows.append({"set": "both", "questions": n, "chunks": sum(r["chunks"] for r in part), "mode": mode,
                         **{m: sum(r[m] * r["questions"] for r in part) / n for m in ("hit@5", "MRR@10")},
                         "rerank s/query": None})
    print(f"Retrieval quality ({args.backend} embeddings), first relevant chunk in the top 10, "
          f"rerank depth {args.rerank_depth}")
    print(f"{'set':7} {'n':>3} {'chunks':>6}  {'mode':13} {'hit@5':>6} {'MRR@10':>6}  {'rerank s/query':>14}")
    for r in rows:
        lat = "" if r["rerank s/query"] is None else f"{r['rerank s/query']:.2f}"
        print(f"{r['set']:7} {r['questions']:3d} {r['chunks']:6d}  {r['mode']:13} {r['hit@5']:6.3f} "
              f"{r['MRR@10']:6.3f}  {lat:>14}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
