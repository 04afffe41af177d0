"""Liveness and readiness: is the process alive, and can it answer right now?

* `GET /healthz` (liveness) answers 200 whenever the process can run a
  handler at all. An orchestrator (Docker's HEALTHCHECK, a Kubernetes
  liveness probe) restarts the container when it fails. It checks nothing
  outside the process: a model server that is down must not make every app
  replica restart.
* `GET /readyz` (readiness) answers 200 only when a request could succeed:
  the index is loaded and the model server accepts TCP connections. A load
  balancer sends traffic only to ready replicas.

`model_server_reachable(base_url)` opens (and closes) a TCP connection to the
model server's host and port. It sends no HTTP on purpose: the local
llama.cpp server answers one request at a time, so an HTTP probe would wait
behind every generation and call a busy server "not ready"; and
`handbook.llm.client` stays the only module that sends HTTP to a model.

    model_server_reachable("http://127.0.0.1:9/v1") -> (False, "connection refused by 127.0.0.1:9")

Deliberately left out: deep checks (a test completion on every probe costs a
model call), startup probes, and dependency graphs of checks.
"""

from __future__ import annotations

import socket
from urllib.parse import urlparse


def model_server_reachable(base_url: str, timeout_s: float = 1.0) -> tuple[bool, str]:
    """(True, "") if a TCP connection to the model server opens within `timeout_s`, else (False, why) (chapter 7)."""
    parsed = urlparse(base_url)
    host = parsed.hostname or "127.0.0.1"
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True, ""
    except ConnectionRefusedError:
        return False, f"connection refused by {host}:{port}"
    except TimeoutError:
        return False, f"no answer from {host}:{port} within {timeout_s:g} s"
    except OSError as exc:
        return False, f"cannot reach {host}:{port} ({exc.strerror or type(exc).__name__})"
