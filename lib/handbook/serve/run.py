"""Run the app under uvicorn: checked settings, a warm index, and a graceful shutdown.

`run(index_path, keys, host, port)` refuses a public host without a key,
loads the index and the embedding model before the port opens (so the first
user does not pay for loading them), and runs uvicorn. On SIGTERM or
Ctrl-C uvicorn stops accepting connections, waits up to `graceful_s` seconds
for requests in flight (a streamed answer included) to finish, then exits:
a rolling deploy loses no answer that finishes within that time.

    run("/data/index", ("k-123",), "0.0.0.0", 8000)   # blocks until SIGTERM

Deliberately left out: several worker processes (`uvicorn --workers` would
load the index and embedder once per worker; scale with replicas behind a
load balancer instead), TLS, and reloading on code changes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import ServeError, VectorIndexError
from ..guard.defences import defences
from ..guard.redact import RedactFilter
from .app import Limits, create_app
from .resilience import Policy

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def check(index_path: str | Path, keys: tuple[str, ...], host: str, port: int) -> None:
    """Refuse settings that cannot work or are unsafe, before anything loads (chapter 7)."""
    if not 0 < port < 65536:
        raise ServeError(f"--port {port} is not a TCP port.", "use a number from 1 to 65535, e.g. 8000")
    path = Path(index_path)
    if not (path / "manifest.json").is_file():
        what = "does not exist" if not path.exists() else "is not an index (no manifest.json)"
        raise ServeError(f"--index {path} {what}.", f"build one: handbook index data/corpus --index {path}")
    if host not in LOOPBACK and not keys:
        raise ServeError(f"Refusing to serve on {host} without an API key: anyone on the network could use it.",
                         "set HANDBOOK_SERVE_API_KEY (or pass --api-key)")


def build(index_path: str | Path, keys: tuple[str, ...] = (), *, policy: Policy = Policy(),
          limits: Limits = Limits(), model: str | None = None, max_tokens: int = 200, defence: str = "none"):
    """Load the index, warm the embedder, and return the app (chapter 7)."""
    from ..rag import index as rag_index

    try:
        ix = rag_index.load(index_path)
    except VectorIndexError as exc:
        raise ServeError(f"Cannot load the index at {index_path}: {exc.message}", exc.fix) from exc
    app = create_app(ix, keys, policy=policy, limits=limits, model=model, max_tokens=max_tokens, defence=defence)
    app.state.pipeline.hits("warm-up", 1)  # loads the embedding model now, not on the first request
    return app


def run(index_path: str | Path, keys: tuple[str, ...], host: str = "127.0.0.1", port: int = 8000, *,
        policy: Policy = Policy(), limits: Limits = Limits(), model: str | None = None,
        max_tokens: int = 200, defence: str = "none", graceful_s: float = 30.0, log_level: str = "info") -> None:
    """Serve until SIGTERM/SIGINT, then drain requests in flight for up to `graceful_s` (chapter 7)."""
    import uvicorn

    check(index_path, keys, host, port)
    defences(defence)  # an unknown name is refused before anything loads
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # log lines lose personal data and keys (chapter 8)
        handler.addFilter(RedactFilter())
    app = build(index_path, keys, policy=policy, limits=limits, model=model, max_tokens=max_tokens,
                defence=defence)
    if not keys:
        logging.getLogger("handbook.serve").warning("no API key set: anyone on this machine can call the app")
    uvicorn.run(app, host=host, port=port, timeout_graceful_shutdown=graceful_s, log_level=log_level,
                server_header=False, proxy_headers=False)
