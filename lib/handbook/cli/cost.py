"""`handbook tokens`, `handbook cost estimate` and `handbook prices`: tokens and dollars from the shell."""

from __future__ import annotations

import json
import sys

from ..cost import pricing as cost
from ..errors import HandbookError
from ..llm import tokens
from ..records import Usage


def register(sub) -> None:
    t = sub.add_parser("tokens", help="count the tokens of a file (or stdin) for a model",
                       description="Print how many tokens MODEL bills for the text in FILE ('-' reads stdin). "
                       "OpenAI models are counted exactly offline; local models by their own tokenizer.")
    t.add_argument("file", metavar="FILE|-", help="a UTF-8 text file, or - for standard input")
    t.add_argument("--model", default="gpt-4o", help="model whose tokenizer to use (default gpt-4o)")
    t.add_argument("--approximate", action="store_true",
                   help="for models without a public tokenizer (Claude), count with o200k_base instead")
    t.set_defaults(func=_tokens)

    c = sub.add_parser("cost", help="estimate what calls cost", description="Price calls from the dated price table.")
    verbs = c.add_subparsers(dest="verb", metavar="VERB", required=True)
    e = verbs.add_parser("estimate", help="price a call from its token counts",
                         description="Dollar cost of one call with N input and N output tokens.")
    e.add_argument("--model", required=True, help="model name, as in `handbook prices`")
    e.add_argument("--input-tokens", type=int, required=True, help="prompt tokens (chat overhead included)")
    e.add_argument("--output-tokens", type=int, required=True, help="completion tokens (or max_tokens, for a bound)")
    e.add_argument("--cached-tokens", type=int, default=0, help="how many input tokens hit the provider's cache")
    e.add_argument("--json", action="store_true", help="print a JSON object instead of a sentence")
    e.set_defaults(func=_estimate)

    p = sub.add_parser("prices", help="list the price table ($ per 1M tokens)",
                       description="The dated price table: dollars per 1M input, cached-input and output tokens.")
    p.add_argument("--provider", default=None, help="only this provider (openai, anthropic, local)")
    p.add_argument("--json", action="store_true", help="print JSON rows")
    p.set_defaults(func=_prices)


def _read(path: str) -> str:
    try:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    except OSError as exc:
        raise HandbookError(f"Cannot read {path}: {exc.strerror or exc}", "check the path, or pipe text in with -") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HandbookError(f"{path} is not UTF-8 text (byte {exc.start} is invalid).",
                            "convert it first, e.g. `iconv -f latin1 -t utf-8 FILE | handbook tokens -`") from exc


def _tokens(args) -> int:
    print(tokens.count_tokens(_read(args.file), args.model, approximate=args.approximate))
    return 0


def _estimate(args) -> int:
    if min(args.input_tokens, args.output_tokens, args.cached_tokens) < 0 or args.cached_tokens > args.input_tokens:
        raise HandbookError("Token counts must be >= 0, and cached tokens at most the input tokens.",
                            "e.g. --input-tokens 1200 --output-tokens 300 --cached-tokens 1000")
    row = cost.price(args.model)
    usage = Usage(args.input_tokens, args.output_tokens, args.cached_tokens)
    dollars = cost.usd_exact(args.model, usage)
    if args.json:
        print(json.dumps({"model": args.model, "input_tokens": args.input_tokens, "output_tokens": args.output_tokens,
                          "cached_tokens": args.cached_tokens, "usd": float(dollars), "as_of": row.as_of,
                          "source": row.source}))
    else:
        print(f"{args.model}: {args.input_tokens} input ({args.cached_tokens} cached) + {args.output_tokens} output "
              f"tokens = ${dollars:.6f}  (prices as of {row.as_of}; {row.source})")
    return 0


def _prices(args) -> int:
    rows = cost.prices(args.provider)
    if not rows:
        known = sorted({p.provider for p in cost.prices()})
        raise HandbookError(f"No prices for provider {args.provider!r}.", f"use one of {', '.join(known)}")
    if args.json:
        print(json.dumps([{"provider": p.provider, "model": p.model, "input": float(p.input),
                           "cached_input": None if p.cached_input is None else float(p.cached_input),
                           "output": float(p.output), "as_of": p.as_of, "source": p.source, "note": p.note}
                          for p in rows], indent=1))
        return 0
    print(f"{'provider':10s} {'model':28s} {'input':>8s} {'cached':>8s} {'output':>8s}  as_of       note")
    for p in rows:
        cached = "-" if p.cached_input is None else f"{p.cached_input:.3f}"
        print(f"{p.provider:10s} {p.model:28s} {p.input:8.3f} {cached:>8s} {p.output:8.3f}  {p.as_of}  {p.note}")
    print("$ per 1M tokens.")
    return 0
