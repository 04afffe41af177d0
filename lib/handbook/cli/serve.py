"""`handbook serve`: the RAG pipeline as an HTTP service (chapter 7).

Thin: parses options, reads the key from `--api-key` or `HANDBOOK_SERVE_API_KEY`, and hands over
to `handbook.serve.run.run`, which checks everything and runs uvicorn until SIGTERM.
"""

from __future__ import annotations

import argparse

from .. import config
from ..errors import ServeError


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return int(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def register(sub) -> None:
    p = sub.add_parser(
        "serve", help="serve an index over HTTP: POST /v1/ask, /healthz, /readyz, /metrics",
        description="Serve the RAG pipeline over an index with FastAPI and uvicorn (chapter 7).",
        epilog=f"The key: prefer the environment variable {config.SERVE_KEY_VAR} (several keys comma-separated), "
        "since a --api-key on the command line is visible to every user in `ps`. The model endpoint comes "
        "from OPENAI_BASE_URL / HANDBOOK_MODEL as for every handbook command. A host other than loopback "
        "needs a key.")
    p.add_argument("--index", required=True, metavar="DIR", help="index folder built by `handbook index`")
    p.add_argument("--api-key", action="append", default=None, metavar="KEY",
                   help=f"a key clients must send as `Authorization: Bearer KEY` (repeatable; default: "
                   f"{config.SERVE_KEY_VAR})")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    p.add_argument("--model", default=None, help="chat model (default: HANDBOOK_MODEL or the local default)")
    p.add_argument("--fallback-model", default=None, metavar="MODEL",
                   help="a smaller model to try once when the main one is overloaded or slow")
    p.add_argument("--timeout", type=_positive, default=60.0, metavar="S",
                   help="deadline per request in seconds, retries included (default 60)")
    p.add_argument("--max-tokens", type=int, default=200, metavar="N",
                   help="longest answer in tokens (default 200)")
    p.add_argument("--defence", default="none", metavar="none|all|NAME[,NAME]",
                   help="chapter 8's defences for every answer: none (default), all, or a comma-separated "
                   "list of spotlight, hierarchy, sandwich, output-check, detector")
    p.add_argument("--rate", type=_positive, default=60.0, metavar="N", help="requests per minute per key (default 60)")
    p.add_argument("--burst", type=int, default=10, metavar="N", help="requests a key may send at once (default 10)")
    p.add_argument("--max-active", type=int, default=4, metavar="N",
                   help="requests in the pipeline at once (default 4)")
    p.add_argument("--max-waiting", type=int, default=16, metavar="N",
                   help="requests waiting for a turn; beyond this the app sheds load with 503 (default 16)")
    p.set_defaults(func=_serve)


def _serve(args) -> int:
    from ..serve.app import Limits
    from ..serve.resilience import Policy
    from ..serve.run import run

    keys = tuple(k for k in (args.api_key or ()) if k) or config.serve_api_keys()
    if args.burst < 1 or args.max_active < 1 or args.max_waiting < 0 or args.max_tokens < 1:
        raise ServeError("--burst, --max-active and --max-tokens must be at least 1, --max-waiting at least 0.",
                         "e.g. --burst 10 --max-active 4 --max-waiting 16 --max-tokens 200")
    # each attempt gets half the deadline, so one retry still fits in it
    policy = Policy(deadline_s=args.timeout, attempt_timeout_s=args.timeout / 2, fallback=args.fallback_model)
    limits = Limits(per_minute=args.rate, burst=args.burst, max_active=args.max_active,
                    max_waiting=args.max_waiting)
    run(args.index, keys, args.host, args.port, policy=policy, limits=limits, model=args.model,
        max_tokens=args.max_tokens, defence=args.defence)
    return 0
