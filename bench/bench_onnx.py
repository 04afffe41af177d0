"""Benchmark of the embedding backends (chapter 3): int8 ONNX Runtime against PyTorch, and cold `handbook search`.

Same chunks as bench_rag.py (the golden set's files, 200 tokens, 40 overlap).
For each backend: throughput (chunks/s, best of `--repeats`, cache off), and
hit@5 and MRR@10 on the golden questions (a hit is a chunk in the qrels of
`handbook.rag.golden.qrels`); then the ONNX vectors' cosine to PyTorch's, and
the wall time of `handbook search` for one query in a fresh process (each
backend, `--cold` runs, median), and of `--queries` batch mode per query.
Needs `make onnx` first. Run: `python bench/bench_onnx.py [--repeats 3] [--cold 5]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from handbook.rag import chunking, documents, embeddings, index, search
from handbook.rag.golden import load_questions, qrels

ROOT = Path(__file__).resolve().parents[1]


def quality(ix, questions, rel, emb) -> tuple[float, float]:
    hits5 = rr = 0.0
    for q in questions:
        if q["qid"] not in rel:
            continue
        ids = [h.chunk.id for h in search.dense(ix, q["question"], 10, emb)]
        first = next((n for n, i in enumerate(ids, start=1) if i in rel[q["qid"]]), None)
        hits5 += first is not None and first <= 5
        rr += 1 / first if first else 0
    return hits5 / len(rel), rr / len(rel)


def cold(args: list[str], runs: int, env: dict) -> float:
    exe = str(Path(sys.executable).parent / "handbook")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([exe, *args], check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cold", type=int, default=5, help="fresh processes per cold-start timing (default 5)")
    args = parser.parse_args()
    questions = load_questions()
    files = sorted({str(ROOT / g) for q in questions for g in q["gold"]})
    chunks = chunking.chunk(documents.load(files), size=200, overlap=40)
    texts = [c.embed_text for c in chunks]
    rel = qrels(questions, chunks)
    rows, vecs = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("torch", "onnx"):
            emb = embeddings.Embedder(cache_dir=Path(tmp) / backend, backend=backend)
            emb.encode(texts[:8])  # load outside the timing
            best = min(timed_encode(emb, texts) for _ in range(args.repeats))
            vecs[backend] = emb.encode(texts)
            ix = index.build(chunks, emb, progress=False)
            ix.save(Path(tmp) / f"ix-{backend}")
            h5, mrr = quality(ix, questions, rel, emb)
            rows.append((backend, len(texts) / best, h5, mrr))
        cos = (vecs["torch"] * vecs["onnx"]).sum(1)
        qfile = Path(tmp) / "q.tsv"
        qfile.write_text("".join(f"{q['qid']}\t{q['question']}\n" for q in questions))
        starts = {}
        for backend in ("torch", "onnx"):
            env = dict(os.environ, PYTHONPATH=str(ROOT / "lib"), HANDBOOK_EMBED_BACKEND=backend)
            ixd = str(Path(tmp) / f"ix-{backend}")
            one = cold(["search", "--index", ixd, "how are chunks cut?"], args.cold, env)
            batch = cold(["search", "--index", ixd, "--queries", str(qfile), "--json"], max(1, args.cold // 2), env)
            starts[backend] = (one, (batch - one) / len(questions) * 1000)
    print(f"Embedding backends: {len(texts)} chunks, {len(rel)} golden questions, best of {args.repeats}")
    print(f"{'backend':8}  {'chunks/s':>8}  {'hit@5':>6}  {'MRR@10':>6}  {'cold search':>11}  {'batch ms/query':>14}")
    for backend, tput, h5, mrr in rows:
        one, per = starts[backend]
        print(f"{backend:8}  {tput:8.1f}  {h5:6.3f}  {mrr:6.3f}  {one:9.2f} s  {per:14.1f}")
    print(f"onnx/torch throughput: {rows[1][1] / rows[0][1]:.2f}x; cosine to torch: min {cos.min():.4f}, "
          f"mean {cos.mean():.4f}")
    return 0


def timed_encode(emb, texts) -> float:
    t = time.perf_counter()
    emb.encode(texts)
    return time.perf_counter() - t


if __name__ == "__main__":
    sys.exit(main())
