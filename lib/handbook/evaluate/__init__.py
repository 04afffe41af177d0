"""Chapter 4, evaluation and monitoring: retrieval metrics, answer metrics, judges, runs, gates, dashboards.

* `ranking`: hit@k, precision, recall, MRR, MAP, nDCG; `evaluate_run` with trec_eval's names.
* `trec`: qrels and run files as trec_eval reads and writes them.
* `answers`: exact match, token F1, ROUGE-L and embedding similarity of generated answers.
* `llm_judge`: `judge` with a rubric prompt, and `agreement` (Cohen's kappa) with human labels.
* `monitor`: `summary` and `dashboard` of the trace of every call; `window_metrics` of a window of spans.
* `alerts`: alert rules over those metrics (`Rule`, `check`, `over_windows`).
* `drift`: input drift as the distance of query embeddings from a reference window.
* `online`: an online judge on a reproducible sample of requests, as a span in each trace.
* `feedback`: user ratings linked to the trace of the answer (`traceparent`, `record`, `join`).

Runs, paired comparisons and release gates are the one experiment engine of
chapter 2 (`handbook.prompts.experiments`), re-exported here.
"""

from ..prompts.experiments import Comparison, GateResult, compare, compare_scores, gate, run
from .alerts import Rule, over_windows
from .answers import cosine, embedding_similarity, exact_match, normalize_answer, rouge_l, token_f1
from .drift import DriftDetector, threshold_for
from .llm_judge import Agreement, Verdict, agreement, cohen_kappa, judge, parse_verdict
from .monitor import dashboard, summary, window_metrics
from .ranking import (
    DEFAULT_MEASURES,
    average_precision,
    evaluate_run,
    hit_at_k,
    mean_scores,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
    run_from_rankings,
)
from .trec import Qrels, Run, ranked, read_qrels, read_run, write_qrels, write_run

__all__ = ["DEFAULT_MEASURES", "Agreement", "Comparison", "DriftDetector", "GateResult", "Qrels", "Rule", "Run",
           "Verdict", "agreement",
           "average_precision", "cohen_kappa", "compare", "compare_scores", "cosine", "dashboard",
           "embedding_similarity", "evaluate_run", "exact_match", "gate", "hit_at_k", "judge", "mean_scores",
           "ndcg_at_k", "normalize_answer", "over_windows", "parse_verdict", "precision_at_k", "ranked", "read_qrels", "read_run",
           "recall_at_k", "reciprocal_rank", "rouge_l", "run", "run_from_rankings", "summary", "threshold_for",
           "token_f1", "window_metrics", "write_qrels", "write_run"]
