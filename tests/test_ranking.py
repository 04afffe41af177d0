"""handbook.evaluate.ranking: retrieval metrics against pytrec_eval (trec_eval's C code) and hand-computed tables."""

from __future__ import annotations

import functools
import random

import pytest

from handbook.errors import EvaluationError
from handbook.evaluate import ranking as ev
from handbook.evaluate.trec import Qrels, Run, ranked

pytrec_eval = pytest.importorskip("pytrec_eval")

MEASURES = ("map", "recip_rank", "ndcg", "P_1", "P_3", "P_5", "P_10", "recall_1", "recall_5", "recall_10",
            "ndcg_cut_1", "ndcg_cut_3", "ndcg_cut_10", "success_1", "success_3", "success_10",
            "num_ret", "num_rel", "num_rel_ret")


def _random_case(rng: random.Random) -> tuple[Qrels, Run]:
    docs = [f"d{i}" for i in range(rng.randint(1, 25))]
    qrels: Qrels = {}
    run: Run = {}
    for q in range(rng.randint(1, 6)):
        judged = rng.sample(docs, rng.randint(1, len(docs)))
        qrels[f"q{q}"] = {d: rng.choice([-1, 0, 0, 1, 1, 2, 3]) for d in judged}
        retrieved = rng.sample(docs, rng.randint(1, len(docs)))
        # Coarse scores on purpose: ties must be broken the way trec_eval breaks them.
        run[f"q{q}"] = {d: float(rng.randint(0, 5)) + rng.choice([0.0, 0.25]) for d in retrieved}
    if rng.random() < 0.3:  # queries only in one of the two are skipped by both implementations
        run["only_in_run"] = {"d0": 1.0}
        qrels["only_in_qrels"] = {"d0": 1}
    return qrels, run


@functools.cache
def _pytrec_results() -> tuple[Qrels, Run, dict]:
    """All random cases merged into one qrels and one run, evaluated by ONE pytrec_eval call.

    pytrec_eval keeps cutoff state between calls (cvangysel/pytrec_eval#38), and a second
    evaluator with cutoff measures can hang, so we never call it twice in a process.
    """
    qrels: Qrels = {}
    run: Run = {}
    for seed in range(N_CASES):
        q, r = _random_case(random.Random(seed))
        qrels.update({f"s{seed}-{k}": v for k, v in q.items()})
        run.update({f"s{seed}-{k}": v for k, v in r.items()})
    return qrels, run, pytrec_eval.RelevanceEvaluator(qrels, set(MEASURES)).evaluate(run)


N_CASES = 300


@pytest.mark.parametrize("seed", range(N_CASES))
def test_agrees_with_pytrec_eval(seed):
    qrels, run, theirs = _pytrec_results()
    prefix = f"s{seed}-"
    mine = {k: v for k, v in qrels.items() if k.startswith(prefix)}
    ours = ev.evaluate_run(mine, {k: v for k, v in run.items() if k.startswith(prefix)}, MEASURES)
    assert sorted(ours) == sorted(k for k in theirs if k.startswith(prefix))
    for q in ours:
        for m in MEASURES:
            assert ours[q][m] == pytest.approx(theirs[q][m], abs=1e-9), (q, m)


# One query, ranking d1..d5; relevant: d2 (grade 2), d4 (grade 1), d9 (grade 3, never retrieved).
RANKING = ["d1", "d2", "d3", "d4", "d5"]
RELS = {"d1": 0, "d2": 2, "d4": 1, "d9": 3}


@pytest.mark.parametrize("fn, args, expected", [
    (ev.hit_at_k, (1,), 0.0),
    (ev.hit_at_k, (2,), 1.0),
    (ev.precision_at_k, (2,), 1 / 2),
    (ev.precision_at_k, (5,), 2 / 5),
    (ev.precision_at_k, (10,), 2 / 10),          # divided by k, not by what was retrieved
    (ev.recall_at_k, (2,), 1 / 3),
    (ev.recall_at_k, (5,), 2 / 3),
    (ev.reciprocal_rank, (), 1 / 2),
    (ev.average_precision, (), (1 / 2 + 2 / 4) / 3),
    # DCG@3 = 2/log2(3); ideal@3 = 3 + 2/log2(3) + 1/log2(4)
    (ev.ndcg_at_k, (3,), (2 / 1.5849625007211562) / (3 + 2 / 1.5849625007211562 + 0.5)),
])
def test_hand_computed(fn, args, expected):
    assert fn(RANKING, RELS, *args) == pytest.approx(expected, abs=1e-12)


def test_nothing_relevant_scores_zero():
    assert ev.recall_at_k(["a"], {"a": 0}, 5) == 0.0
    assert ev.ndcg_at_k(["a"], {}, 5) == 0.0
    assert ev.average_precision(["a"], {"b": -1}) == 0.0


def test_run_from_rankings_keeps_order():
    run = ev.run_from_rankings({"q": ["z", "a", "m"]})
    assert ranked(run["q"]) == ["z", "a", "m"]
    with pytest.raises(EvaluationError, match="twice"):
        ev.run_from_rankings({"q": ["a", "a"]})


@pytest.mark.parametrize("qrels, run, message", [
    ({"q1": {"d": 1}}, {}, "run is empty"),
    ({}, {"q1": {"d": 1.0}}, "qrels are empty"),
    ({"q1": {"d": 1}}, {"x1": {"d": 1.0}}, "No query id is in both"),
])
def test_empty_and_disjoint_inputs(qrels, run, message):
    with pytest.raises(EvaluationError, match=message):
        ev.evaluate_run(qrels, run)


def test_unknown_measure():
    with pytest.raises(EvaluationError, match="Unknown measure 'P@5'"):
        ev.evaluate_run({"q": {"d": 1}}, {"q": {"d": 1.0}}, ["P@5"])


def test_mean_scores_is_trec_evals_all_line():
    per_query = ev.evaluate_run({"a": {"x": 1}, "b": {"y": 1}}, {"a": {"x": 1.0}, "b": {"x": 1.0}}, ["P_1", "map"])
    assert ev.mean_scores(per_query) == {"P_1": 0.5, "map": 0.5}
