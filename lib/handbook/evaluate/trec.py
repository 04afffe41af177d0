"""TREC files and conventions: qrels and runs as trec_eval reads and writes them.

A *qrels* file holds graded judgements, one per line, `qid 0 docno rel`; in
memory it is `{qid: {docno: rel}}`. A *run* file holds what a system
retrieved, `qid Q0 docno rank score tag`; in memory `{qid: {docno: score}}`.
trec_eval ignores the rank column and orders documents by score, highest
first, breaking ties by docno in reverse order: `ranked()` is that rule, and
every metric in `handbook.evaluate.ranking` uses it, so our numbers match trec_eval's.

The readers name the file and line of any bad entry (wrong field count, a
relevance that is not an integer, a score that is not finite, a document
judged or retrieved twice). The writers refuse ids with whitespace, which
would silently shift the columns, and write atomically (`handbook.files`).

Deliberately left out: the extended qrels formats (prels, qrels with
subtopics) and run files with more than six columns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import EvaluationError
from ..files import atomic_write

Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]


def ranked(scores: Mapping[str, float]) -> list[str]:
    """Doc ids by score, highest first; ties by docno in reverse order, as trec_eval does (chapter 4)."""
    return sorted(scores, key=lambda d: (scores[d], d), reverse=True)



def _lines(path: Path, fields: int, layout: str) -> Iterable[tuple[int, list[str]]]:
    path = Path(path)
    if not path.is_file():
        raise EvaluationError(f"{path}: no such file.", "check the path")
    count = 0
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != fields:
            raise EvaluationError(f"{path}:{no}: expected {fields} fields '{layout}', got {len(parts)}: {line[:80]!r}",
                                  f"write one judgement per line as '{layout}'")
        count += 1
        yield no, parts
    if not count:
        raise EvaluationError(f"{path}: the file is empty.", f"write one line per entry as '{layout}'")


def read_qrels(path: str | Path) -> Qrels:
    """Read a TREC qrels file `qid 0 docno rel`; errors name the file and line (chapter 4)."""
    out: Qrels = {}
    for no, (qid, _, doc, rel) in _lines(path, 4, "qid 0 docno rel"):
        if not re.fullmatch(r"-?\d+", rel):
            raise EvaluationError(f"{path}:{no}: relevance {rel!r} is not an integer.", "use 0, 1, 2, ...")
        if doc in out.setdefault(qid, {}):
            raise EvaluationError(f"{path}:{no}: query {qid!r} judges document {doc!r} twice.", "keep one line")
        out[qid][doc] = int(rel)
    return out


def read_run(path: str | Path) -> Run:
    """Read a TREC run file `qid Q0 docno rank score tag`; errors name the file and line (chapter 4)."""
    out: Run = {}
    for no, (qid, _, doc, rank, score, _tag) in _lines(path, 6, "qid Q0 docno rank score tag"):
        try:
            value = float(score)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not rank.lstrip("-").isdigit():
            raise EvaluationError(f"{path}:{no}: rank {rank!r} must be an integer and score {score!r} a finite number.",
                                  "write e.g. 'q1 Q0 doc7 1 12.5 myrun'")
        if doc in out.setdefault(qid, {}):
            raise EvaluationError(f"{path}:{no}: query {qid!r} retrieves document {doc!r} twice.", "keep one line")
        out[qid][doc] = value
    return out


def _check_id(kind: str, value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise EvaluationError(f"{kind} {value!r} is empty or contains whitespace; TREC files split on spaces.",
                              "use ids without spaces, e.g. replace them with '_'")
    return value


def write_qrels(qrels: Qrels, path: str | Path) -> Path:
    """Write qrels as `qid 0 docno rel`, sorted, atomically (chapter 4)."""
    lines = [f"{_check_id('query id', q)} 0 {_check_id('docno', d)} {int(r)}"
             for q in sorted(qrels) for d, r in sorted(qrels[q].items())]
    return atomic_write(path, "\n".join(lines) + "\n")


def write_run(run: Run, path: str | Path, tag: str = "handbook") -> Path:
    """Write a run as `qid Q0 docno rank score tag`, ranked by score, atomically (chapter 4)."""
    lines = [f"{_check_id('query id', q)} Q0 {_check_id('docno', d)} {i} {float(run[q][d])!r} {_check_id('tag', tag)}"
             for q in sorted(run) for i, d in enumerate(ranked(run[q]), 1)]
    return atomic_write(path, "\n".join(lines) + "\n")
