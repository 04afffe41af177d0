"""The golden question set and the one rule that turns it into relevance judgements (qrels).

`data/golden/handbook-questions.jsonl` holds questions about the handbook,
each with its gold file and an *evidence* phrase copied from that file. A
chunk answers a question when it comes from the gold file and contains the
evidence phrase (whitespace squashed, so line breaks do not matter). Labs 3,
4 and 6 all build their qrels with `qrels()`, so a relevant chunk means the
same thing in every chapter.

    qrels(questions, chunks)
    -> {"q01": {"data/corpus/01-introduction.md:12-30": 1}, ...}
    qrels(questions, chunks, graded=True)   # 2 = answers it, 1 = same section, for nDCG
    -> {"q01": {"data/corpus/01-introduction.md:12-30": 2, "data/corpus/01-introduction.md:31-44": 1}, ...}

Questions whose evidence lies in no chunk are left out (a chunker that cuts
a phrase in two shows up as a shorter qrels, never as a wrong one).

Deliberately left out: judging by a model or by hand (chapter 4 discusses
both), and partial matches of the evidence phrase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..files import read_jsonl
from ..records import Chunk

GOLDEN_FILE = Path(__file__).resolve().parents[3] / "data" / "golden" / "handbook-questions.jsonl"


def load_questions(path: str | Path = GOLDEN_FILE) -> list[dict[str, Any]]:
    """The golden questions: `qid`, `question`, `gold` (files) and `evidence` (a phrase) (chapter 3)."""
    return read_jsonl(path)


def squash(text: str) -> str:
    """Runs of whitespace to one space, so a phrase matches across line breaks (chapter 3)."""
    return " ".join(text.split())


def _from_gold(chunk: Chunk, gold: Iterable[str]) -> bool:
    """Does the chunk come from a gold file? Paths may carry a prefix such as '../'."""
    source = Path(chunk.source).as_posix()
    return any(source == g or source.endswith("/" + g) for g in gold)


def qrels(questions: Sequence[Mapping[str, Any]], chunks: Sequence[Chunk], *,
          graded: bool = False) -> dict[str, dict[str, int]]:
    """Relevance judgements `{qid: {chunk id: rel}}` from evidence phrases (chapters 3, 4 and 6).

    Binary by default: 1 for each chunk that contains the evidence. With
    `graded=True`, those chunks get 2 and every other chunk of the same
    section gets 1, which graded measures such as nDCG reward.
    """
    squashed = {c.id: squash(c.text) for c in chunks}
    out: dict[str, dict[str, int]] = {}
    for q in questions:
        answering = [c for c in chunks if _from_gold(c, q["gold"]) and squash(q["evidence"]) in squashed[c.id]]
        if not answering:
            continue
        judged: dict[str, int] = {}
        if graded:
            sections = {(c.source, c.heading) for c in answering}
            judged = {c.id: 1 for c in chunks if (c.source, c.heading) in sections}
        judged.update({c.id: 2 if graded else 1 for c in answering})
        out[q["qid"]] = judged
    return out
