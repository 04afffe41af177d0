"""`handbook finetune validate FILE`: check a chat-format training file and price the run (chapter 6)."""

from __future__ import annotations

import json

from ..finetune import datasets, training


def register(sub) -> None:
    p = sub.add_parser("finetune", help="check fine-tuning datasets before uploading them")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser(
        "validate",
        help="validate a chat-format JSONL file line by line and estimate the training cost",
        description='Each line must be {"messages": [...]} with system/user/assistant roles, no empty turns, '
        "an assistant answer last, at most --max-tokens tokens, and no duplicates. Problems are listed by line "
        "and the command exits with status 2 if there are any.",
    )
    v.add_argument("file", metavar="FILE", help="training file (JSONL)")
    v.add_argument(
        "--model",
        default="gpt-4o-mini-2024-07-18",
        help=f"model to fine-tune (priced: {', '.join(p.model for p in training.TRAINING_PRICES)})",
    )
    v.add_argument("--epochs", type=int, default=3, help="training epochs for the cost estimate (default 3)")
    v.add_argument("--max-tokens", type=int, default=65_536, help="token limit per example (default 65536)")
    v.add_argument("--json", action="store_true", help="print a JSON report instead of text")
    v.set_defaults(func=_validate)


def _validate(args) -> int:
    price = training.training_price(args.model)  # an unknown model fails before any counting
    tokenizer = args.model.rsplit("-20", 1)[0]  # dated snapshot -> its family name for the tokenizer
    report = datasets.validate_chat(args.file, model=tokenizer, max_tokens=args.max_tokens)
    cost = training.training_cost(report.total_tokens, args.epochs, price.model)
    if args.json:
        print(
            json.dumps(
                {
                    "file": args.file,
                    "examples": len(report.examples),
                    "tokens": report.total_tokens,
                    "problems": [{"line": p.line, "problem": p.message} for p in report.problems],
                    "epochs": args.epochs,
                    "model": cost.model,
                    "training_tokens": cost.billed_tokens,
                    "usd": round(cost.usd, 6),
                    "price_as_of": price.as_of,
                    "price_source": price.source,
                },
                indent=2,
            )
        )
    else:
        for problem in report.problems:
            print(problem)
        print(
            f"{len(report.examples)} valid examples, {report.total_tokens:,} tokens; "
            f"{args.epochs} epochs on {cost.model}: {cost.billed_tokens:,} training tokens, "
            f"${cost.usd:.4f} (price of {price.as_of}, {price.source})"
        )
    return 2 if report.problems else 0
