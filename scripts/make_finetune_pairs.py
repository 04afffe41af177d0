"""Generate the synthetic (question, passage) pairs that lab 6 part 2 trains on (chapter 6).

For every chunk of the given chapters, the local LLM writes one question the
chunk answers (prompt `synthetic_question@2`, temperature 0). The pairs are
written, unfiltered, to data/finetune/synthetic_pairs.jsonl: filtering and the
held-out split happen in the lab, where the reader sees them. This takes about
3 s a chunk on an idle 2-core machine (minutes in all), which is why the lab
reads the committed file and asks the LLM live for a few new chunks only.

    PYTHONPATH=lib python scripts/make_finetune_pairs.py data/corpus/01-introduction.md data/corpus/03-rag.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from tqdm.auto import tqdm

from handbook.files import read_jsonl, write_jsonl
from handbook.llm import client
from handbook.prompts import templates
from handbook.rag import chunking, documents

PROMPT = "synthetic_question@2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="chapter files to cut into passages")
    parser.add_argument("--out", default="data/finetune/synthetic_pairs.jsonl")
    parser.add_argument("--size", type=int, default=200, help="chunk size in tokens (as in lab 3)")
    parser.add_argument("--overlap", type=int, default=40)
    parser.add_argument("--limit", type=int, default=None, help="at most this many passages (a seeded sample)")
    args = parser.parse_args()
    out = Path(args.out)
    done = {r["passage"]: r for r in read_jsonl(out)} if out.exists() else {}
    chunks = chunking.chunk(documents.load(args.files), size=args.size, overlap=args.overlap)
    # a fixed pseudo-random order, so that any prefix (an interrupted run, or --limit) samples every chapter
    chunks = sorted(chunks, key=lambda c: hashlib.sha256(c.id.encode()).hexdigest())[: args.limit]
    records = []
    for c in tqdm(chunks, desc="questions", unit="chunk"):
        if c.embed_text not in done:
            reply = client.chat(templates.render(PROMPT, passage=c.embed_text), max_tokens=48)
            done[c.embed_text] = {"source": c.source, "chunk": c.id, "passage": c.embed_text,
                                  "question": reply.text.strip(), "prompt": PROMPT}
            write_jsonl(out, list(done.values()))  # keep progress if interrupted
        records.append(done[c.embed_text])
    write_jsonl(out, records)
    print(json.dumps({"pairs": len(records), "out": str(out)}))


if __name__ == "__main__":
    main()
