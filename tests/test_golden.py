"""handbook.rag.golden: the golden questions stay answerable, and the one qrels rule every lab uses (chapter 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handbook.rag import golden
from handbook.records import Chunk

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [json.loads(line) for line in (ROOT / "data/golden/handbook-questions.jsonl").read_text().splitlines()]


def test_shape():
    assert 30 <= len(QUESTIONS) <= 50
    assert len({q["qid"] for q in QUESTIONS}) == len(QUESTIONS)
    assert len({q["question"] for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        assert set(q) == {"qid", "question", "gold", "evidence"}
        assert q["question"].endswith("?") and q["gold"] and all(g.startswith("data/corpus/") for g in q["gold"])


@pytest.mark.parametrize("q", QUESTIONS, ids=[q["qid"] for q in QUESTIONS])
def test_evidence_occurs_in_gold_chapter(q):
    [gold] = q["gold"]
    path = ROOT / gold
    text = " ".join(path.read_text(encoding="utf-8").split())
    assert q["evidence"] in text, f"{q['qid']}: {q['evidence']!r} does not occur in {gold}; the snapshot is frozen, so fix the question"


def test_load_questions_reads_the_golden_file():
    assert golden.load_questions() == QUESTIONS
    assert golden.GOLDEN_FILE == ROOT / "data/golden/handbook-questions.jsonl"


def test_squash():
    assert golden.squash("  a\n\tb   c \n") == "a b c"


def chunk(source: str, text: str, start_line: int, heading: str = "Intro") -> Chunk:
    return Chunk(source, text, 0, len(text), start_line, start_line + 1, heading)


GOLD = "chapters/03-rag.md"
Q = [
    {"qid": "q1", "question": "What is fused?", "gold": [GOLD], "evidence": "reciprocal rank fusion"},
    {"qid": "q2", "question": "Lost?", "gold": [GOLD], "evidence": "a phrase no chunk holds"},
    {"qid": "q3", "question": "Where?", "gold": ["chapters/01-intro.md"], "evidence": "the local server"},
]


def corpus(prefix: str = "") -> list[Chunk]:
    return [
        chunk(prefix + GOLD, "Hybrid search uses reciprocal\nrank   fusion of two lists.", 1),  # across a line break
        chunk(prefix + GOLD, "BM25 counts words.", 3),                                       # same section
        chunk(prefix + GOLD, "Chunks are cut at headings.", 5, heading="Chunking"),           # another section
        chunk(prefix + "chapters/04-eval.md", "We cite reciprocal rank fusion here too.", 1),  # not a gold file
        chunk(prefix + "chapters/01-intro.md", "Start the local server first.", 7),
    ]


@pytest.mark.parametrize("prefix", ["", "../", "/home/learner/handbook/"])
def test_qrels_binary(prefix):
    assert golden.qrels(Q, corpus(prefix)) == {
        "q1": {f"{prefix}{GOLD}:1-2": 1},
        "q3": {f"{prefix}chapters/01-intro.md:7-8": 1},
    }  # q2's evidence is in no chunk: the question is left out, never judged empty


@pytest.mark.parametrize("prefix", ["", "../"])
def test_qrels_graded(prefix):
    assert golden.qrels(Q, corpus(prefix), graded=True) == {
        "q1": {f"{prefix}{GOLD}:1-2": 2, f"{prefix}{GOLD}:3-4": 1},  # 2 answers it, 1 shares its section
        "q3": {f"{prefix}chapters/01-intro.md:7-8": 2},
    }


def test_qrels_match_whole_path_parts_only():
    look_alike = [chunk("mychapters/03-rag.md", "reciprocal rank fusion", 1)]
    assert golden.qrels(Q, look_alike) == {}


def test_qrels_of_the_real_chapter():
    """The golden questions about chapter 3 are judged on the snapshot's real chunks, read from a '../' path."""
    real = "data/corpus/03-rag.md"
    from handbook.rag.chunking import chunk as cut
    from handbook.rag.documents import load

    path = ROOT / real
    docs = load(path)
    relative = [type(d)(f"../{real}", d.text, d.encoding) for d in docs]
    chunks = cut(relative, size=200, overlap=40, tokens=lambda text: len(text.split()))
    about = [q for q in QUESTIONS if q["gold"] == [real]]
    judged = golden.qrels(about, chunks)
    assert judged and set(judged) <= {q["qid"] for q in about}
    assert all(cid.startswith(f"../{real}:") for rels in judged.values() for cid in rels)
