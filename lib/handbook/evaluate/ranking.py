"""Retrieval metrics with trec_eval's conventions.

A *qrels* maps each query id to graded judgements (`{qid: {docno: rel}}`,
rel > 0 means relevant, higher is better); a *run* maps each query id to
retrieved documents with scores (`{qid: {docno: score}}`). As trec_eval does,
documents are ranked by score, highest first, ties broken by docno in
reverse order; only queries present in both the run and the qrels are scored,
and means are taken over those queries. Graded relevance counts only in
nDCG; every other measure treats rel > 0 as relevant.

The metric functions also work on a plain ranked list of ids, which is what a
retriever returns. `evaluate_run()` speaks trec_eval's measure names (`map`,
`recip_rank`, `P_5`, `recall_10`, `ndcg_cut_10`, `success_1`, `ndcg`), so its
numbers can be checked against trec_eval or `pytrec_eval` directly.

    evaluate_run({"q1": {"d1": 1}}, {"q1": {"d2": 2.0, "d1": 1.0}}, ["recip_rank", "P_1"])
    -> {"q1": {"recip_rank": 0.5, "P_1": 0.0}}

Generation metrics live in `handbook.evaluate.answers`, and reading and
writing TREC qrels and run files in `handbook.evaluate.trec`.

Deliberately left out: trec_eval's `-c` (queries missing from the run count
as zero), `-l` (relevance thresholds other than 1), bpref, infAP and
interpolated precision.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from ..errors import EvaluationError
from .trec import Qrels, Run, ranked

DEFAULT_MEASURES = ("map", "recip_rank", "P_1", "P_5", "recall_5", "recall_10", "ndcg_cut_5", "ndcg_cut_10",
                    "success_1", "success_5")
_MEASURE = re.compile(r"^(map|recip_rank|ndcg|num_rel|num_ret|num_rel_ret)$|^(P|recall|ndcg_cut|success)_([1-9]\d*)$")


# ------------------------------------------------------------------ metrics on one ranked list
def _relevant(rels: Mapping[str, int]) -> set[str]:
    return {d for d, r in rels.items() if r > 0}


def hit_at_k(ranking: Sequence[str], rels: Mapping[str, int], k: int) -> float:
    """1.0 if any of the top k is relevant, else 0.0; trec_eval's `success_k` (chapter 4)."""
    good = _relevant(rels)
    return float(any(d in good for d in ranking[:k]))


def precision_at_k(ranking: Sequence[str], rels: Mapping[str, int], k: int) -> float:
    """Relevant documents in the top k, divided by k even if fewer were retrieved (chapter 4)."""
    good = _relevant(rels)
    return sum(d in good for d in ranking[:k]) / k


def recall_at_k(ranking: Sequence[str], rels: Mapping[str, int], k: int) -> float:
    """Share of all relevant documents found in the top k; 0.0 if none are relevant (chapter 4)."""
    good = _relevant(rels)
    return sum(d in good for d in ranking[:k]) / len(good) if good else 0.0


def reciprocal_rank(ranking: Sequence[str], rels: Mapping[str, int]) -> float:
    """1 / rank of the first relevant document, 0.0 if none is retrieved (chapter 4)."""
    good = _relevant(rels)
    return next((1.0 / i for i, d in enumerate(ranking, 1) if d in good), 0.0)


def average_precision(ranking: Sequence[str], rels: Mapping[str, int]) -> float:
    """Mean of precision@rank at each relevant document, over all relevant ones (chapter 4)."""
    good = _relevant(rels)
    found, total = 0, 0.0
    for i, d in enumerate(ranking, 1):
        if d in good:
            found += 1
            total += found / i
    return total / len(good) if good else 0.0


def ndcg_at_k(ranking: Sequence[str], rels: Mapping[str, int], k: int | None = None) -> float:
    """Graded gain discounted by log2(rank + 1), over the ideal ordering of the qrels (chapter 4)."""
    top = ranking if k is None else ranking[:k]
    dcg = sum(max(rels.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(top))
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


# ------------------------------------------------------------------ whole runs, trec_eval style
def run_from_rankings(rankings: Mapping[str, Sequence[str]]) -> Run:
    """Turn ranked id lists into a run whose scores keep exactly that order (chapter 4)."""
    out: Run = {}
    for qid, ids in rankings.items():
        if len(set(ids)) != len(ids):
            raise EvaluationError(f"Query {qid!r}: the ranking lists a document twice.", "deduplicate the hits first")
        out[qid] = {d: float(len(ids) - i) for i, d in enumerate(ids)}
    return out


def _measure(name: str, ranking: list[str], rels: Mapping[str, int]) -> float:
    m = _MEASURE.match(name)
    if not m:
        raise EvaluationError(f"Unknown measure {name!r}.",
                              "use trec_eval names: map, recip_rank, ndcg, P_k, recall_k, ndcg_cut_k, success_k")
    if m.group(1):
        return {"map": lambda: average_precision(ranking, rels), "recip_rank": lambda: reciprocal_rank(ranking, rels),
                "ndcg": lambda: ndcg_at_k(ranking, rels), "num_ret": lambda: float(len(ranking)),
                "num_rel": lambda: float(len(_relevant(rels))),
                "num_rel_ret": lambda: float(len(_relevant(rels) & set(ranking)))}[name]()
    fn = {"P": precision_at_k, "recall": recall_at_k, "ndcg_cut": ndcg_at_k, "success": hit_at_k}[m.group(2)]
    return fn(ranking, rels, int(m.group(3)))


def evaluate_run(qrels: Qrels, run: Run, measures: Iterable[str] = DEFAULT_MEASURES) -> dict[str, dict[str, float]]:
    """Per-query scores `{qid: {measure: value}}` for the queries in both run and qrels (chapter 4)."""
    measures = list(measures)
    if not run:
        raise EvaluationError("The run is empty: there is nothing to evaluate.", "retrieve for at least one query")
    if not qrels:
        raise EvaluationError("The qrels are empty: there are no judgements.", "judge at least one query")
    shared = sorted(set(run) & set(qrels))
    if not shared:
        raise EvaluationError(
            f"No query id is in both the run ({len(run)} queries, e.g. {sorted(run)[0]!r}) and the qrels "
            f"({len(qrels)} queries, e.g. {sorted(qrels)[0]!r}).",
            "check that both files use the same query ids")
    for name in measures:
        _measure(name, [], {})  # fail fast on an unknown name
    return {q: {name: _measure(name, ranked(run[q]), qrels[q]) for name in measures} for q in shared}


def mean_scores(per_query: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Average each measure over queries, as trec_eval's `all` line does (chapter 4)."""
    if not per_query:
        raise EvaluationError("No per-query scores to average.", "evaluate at least one query")
    names = next(iter(per_query.values())).keys()
    return {m: sum(s[m] for s in per_query.values()) / len(per_query) for m in names}
