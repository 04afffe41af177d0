"""handbook.evaluate.trec: qrels and run files as trec_eval reads and writes them; errors name file and line."""

from __future__ import annotations

import random

import pytest

from handbook.errors import EvaluationError
from handbook.evaluate import trec


def _random_case(rng: random.Random) -> tuple[trec.Qrels, trec.Run]:
    docs = [f"d{i}" for i in range(rng.randint(1, 25))]
    qrels: trec.Qrels = {}
    run: trec.Run = {}
    for q in range(rng.randint(1, 6)):
        qrels[f"q{q}"] = {d: rng.choice([-1, 0, 0, 1, 1, 2, 3]) for d in rng.sample(docs, rng.randint(1, len(docs)))}
        run[f"q{q}"] = {d: float(rng.randint(0, 5)) + rng.choice([0.0, 0.25])
                        for d in rng.sample(docs, rng.randint(1, len(docs)))}
    return qrels, run


def test_ranked_breaks_ties_like_trec_eval():
    assert trec.ranked({"a": 1.0, "b": 2.0, "c": 2.0}) == ["c", "b", "a"]


def test_round_trip_through_files(tmp_path):
    qrels, run = _random_case(random.Random(7))
    trec.write_qrels(qrels, tmp_path / "q.txt")
    trec.write_run(run, tmp_path / "r.txt", tag="test")
    assert trec.read_qrels(tmp_path / "q.txt") == qrels
    assert trec.read_run(tmp_path / "r.txt") == run
    line = (tmp_path / "r.txt").read_text().splitlines()[0].split()
    assert line[1] == "Q0" and line[3] == "1" and line[5] == "test"


@pytest.mark.parametrize("reader, text, message", [
    (trec.read_qrels, "q1 0 d1 1\nq1 0 d2\n", r"q\.txt:2: expected 4 fields"),
    (trec.read_qrels, "q1 0 d1 yes\n", r"q\.txt:1: relevance 'yes' is not an integer"),
    (trec.read_qrels, "q1 0 d1 1\n\nq1 0 d1 0\n", r"q\.txt:3: .*twice"),
    (trec.read_qrels, "\n\n", r"q\.txt: the file is empty"),
    (trec.read_run, "q1 Q0 d1 1 0.5 run\nq1 Q0 d2 2 high run\n", r"q\.txt:2: rank '2' must be an integer and score 'high'"),
    (trec.read_run, "q1 Q0 d1 1 nan run\n", r"q\.txt:1: .*finite"),
    (trec.read_run, "q1 Q0 d1 1 0.5\n", r"q\.txt:1: expected 6 fields"),
    (trec.read_run, "q1 Q0 d1 1 2 r\nq1 Q0 d1 2 1 r\n", r"q\.txt:2: .*twice"),
])
def test_malformed_files_name_file_and_line(tmp_path, reader, text, message):
    path = tmp_path / "q.txt"
    path.write_text(text)
    with pytest.raises(EvaluationError, match=message) as info:
        reader(path)
    assert info.value.fix


def test_missing_file(tmp_path):
    with pytest.raises(EvaluationError, match="no such file"):
        trec.read_run(tmp_path / "nope.txt")


def test_ids_with_spaces_refused(tmp_path):
    with pytest.raises(EvaluationError, match="whitespace"):
        trec.write_qrels({"q 1": {"d": 1}}, tmp_path / "q.txt")
