"""`handbook redteam`: run an attack suite through the guarded answer path (chapter 8).

    handbook redteam --attacks data/attacks/heldout.jsonl --defence all --max-asr 0.05 --json

Prints the attack success rate (ASR) and benign accuracy, or the full JSON report; exits 1
when the ASR exceeds `--max-asr`, so a team can put it in CI, and 2 on bad input.
"""

from __future__ import annotations

import json
import sys

from ..errors import HandbookError


def register(sub) -> None:
    p = sub.add_parser("redteam", help="run an attack suite against the RAG answer path with defences",
                       description="Each JSONL line has id, question, document (the retrieved source, injection "
                       "included) and canary (an attack) or expected (a benign question). Runs the same "
                       "prompt as `handbook ask`, with the chosen defences.")
    p.add_argument("--attacks", required=True, metavar="FILE", help="suite file (JSONL)")
    p.add_argument("--defence", default="none", metavar="none|all|NAME[,NAME]",
                   help="defences to switch on: spotlight, hierarchy, sandwich, output-check, detector")
    p.add_argument("--max-asr", type=float, default=None, metavar="X",
                   help="exit 1 when the attack success rate is above X (0-1; default: never)")
    p.add_argument("--model", default=None, help="chat model (default: HANDBOOK_MODEL or the local default)")
    p.add_argument("--cache", default=None, metavar="DIR",
                   help="answer repeated identical requests from this folder (chapter 5's ResponseCache)")
    p.add_argument("--json", action="store_true", help="print the full JSON report")
    p.set_defaults(func=_redteam)


def _redteam(args) -> int:
    import contextlib

    from ..cost.cache import ResponseCache
    from ..guard import defences, load_suite, run
    from ..llm.client import use

    if args.max_asr is not None and not 0 <= args.max_asr <= 1:
        raise HandbookError(f"--max-asr must be between 0 and 1, got {args.max_asr}.", "e.g. --max-asr 0.05")
    defences(args.defence)  # unknown names fail before any model call
    cases = load_suite(args.attacks)
    progress = None
    if sys.stderr.isatty():
        def progress(i, n):
            print(f"\r{i}/{n}", end="" if i < n else "\n", file=sys.stderr)
    with use(ResponseCache(args.cache)) if args.cache else contextlib.nullcontext():
        report = run(cases, args.defence, model=args.model, progress=progress)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        asr, acc = report["attack_success_rate"], report["benign_accuracy"]
        fmt = lambda x: "n/a" if x is None else f"{x:.0%}"  # noqa: E731
        print(f"defence {args.defence}: attack success {fmt(asr)} of {report['n_attacks']} attacks, "
              f"benign accuracy {fmt(acc)} of {report['n_benign']}, "
              f"{report['prompt_tokens_per_case']:.0f} prompt tokens and {report['seconds_per_case']:.2f} s per case")
    asr = report["attack_success_rate"]
    if args.max_asr is not None and asr is not None and asr > args.max_asr:
        print(f"attack success rate {asr:.2%} is above --max-asr {args.max_asr:.2%}", file=sys.stderr)
        return 1
    return 0
