"""`handbook eval ...` and `handbook trace ...`: score TREC runs, summarise and send trace files (chapter 4)."""

from __future__ import annotations

import json
import sys

from ..evaluate import monitor, ranking, trec
from ..telemetry import replay, spanfile


def register(sub) -> None:
    p = sub.add_parser("eval", help="evaluate retrieval runs against relevance judgements")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    r = verbs.add_parser(
        "retrieval", help="score a TREC run file against a TREC qrels file, as trec_eval does",
        description="Mean scores over the queries present in both files, named as trec_eval names them. "
        "QRELS lines are 'qid 0 docno rel'; RUN lines are 'qid Q0 docno rank score tag'. "
        "Documents are ranked by score; rel > 0 is relevant; graded rel counts in ndcg.")
    r.add_argument("qrels", metavar="QRELS", help="TREC qrels file")
    r.add_argument("run", metavar="RUN", help="TREC run file")
    r.add_argument("--json", action="store_true", help="print a JSON object {measure: mean} instead of a table")
    r.add_argument("-m", "--measure", action="append", metavar="NAME",
                   help="measure to compute (repeatable), e.g. map, recip_rank, P_5, recall_10, ndcg_cut_10, "
                   f"success_1; default: {', '.join(ranking.DEFAULT_MEASURES)}")
    r.add_argument("-q", "--per-query", action="store_true", help="also print each query's scores")
    r.set_defaults(func=_retrieval)

    t = sub.add_parser("trace", help="summarise JSONL traces written by handbook.cost.Trace (or HANDBOOK_TRACE)")
    tverbs = t.add_subparsers(dest="verb", metavar="VERB", required=True)
    s = tverbs.add_parser("summary", help="calls, error rate, p50/p95 latency, tokens and cost of a trace file")
    s.add_argument("file", metavar="FILE", help="trace file (JSONL)")
    s.add_argument("--by", default=None, help="group rows by this field, e.g. model or prompt_ref")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.set_defaults(func=_trace_summary)
    send = tverbs.add_parser("send", help="send span files to an OTLP/HTTP backend (Phoenix, Langfuse, Jaeger, ...)",
                             description="Replays the spans of JSONL span files (HANDBOOK_TRACE, a lab's runs/) to "
                             "OTEL_EXPORTER_OTLP_ENDPOINT, or to --endpoint, with their trace ids and times.")
    send.add_argument("files", metavar="FILE", nargs="+", help="span file (JSONL)")
    send.add_argument("--endpoint", default=None,
                      help="OTLP/HTTP traces URL, e.g. http://127.0.0.1:6006/v1/traces (default: the OTEL_* variables)")
    send.set_defaults(func=_trace_send)


def _retrieval(args) -> int:
    qrels, run = trec.read_qrels(args.qrels), trec.read_run(args.run)
    per_query = ranking.evaluate_run(qrels, run, args.measure or ranking.DEFAULT_MEASURES)
    means = {"num_q": float(len(per_query)), **ranking.mean_scores(per_query)}
    if args.json:
        out = {k: round(v, 6) for k, v in means.items()}
        if args.per_query:
            out["per_query"] = {q: {k: round(v, 6) for k, v in s.items()} for q, s in per_query.items()}
        print(json.dumps(out, indent=2))
        return 0
    if args.per_query:
        for q, scores in per_query.items():
            for name, value in scores.items():
                print(f"{name:<22}\t{q}\t{value:.4f}")
    for name, value in means.items():
        print(f"{name:<22}\tall\t{int(value) if name == 'num_q' else f'{value:.4f}'}")
    skipped = (set(run) | set(qrels)) - set(per_query)
    if skipped:
        print(f"({len(skipped)} queries in only one of the two files were skipped, as trec_eval skips them)",
              file=sys.stderr)
    return 0


def _trace_summary(args) -> int:
    table = monitor.summary(args.file, by=args.by)
    if args.json:
        print(table.reset_index().to_json(orient="records", indent=2))
    else:
        print(table.round(4).to_string())
    return 0


def _trace_send(args) -> int:
    total = sum(replay.send(spanfile.read(f), args.endpoint) for f in args.files)
    print(f"sent {total} spans from {len(args.files)} file(s)")
    return 0
