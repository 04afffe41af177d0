"""Chapter 7, serving and deploying: the HTTP app tier (auth, limits, SSE, metrics), the batching
class server and load tests. This floor sits above every chapter's package, since the app
composes them (retrieval, guards, agents).

The app service, `handbook serve` (loaded only when used; FastAPI is not imported by `import handbook`):

* `app`: `create_app`, the FastAPI app (`POST /v1/ask`, `/healthz`, `/readyz`, `/metrics`) and `Limits`.
* `schema`: the request and answer models that `/openapi.json` documents.
* `pipeline`: `Pipeline`, retrieval + prompt + model call under a policy, as `handbook.rag.ask` does it.
* `resilience`: `Policy`, `call`, `backoff`: deadlines, retries with jittered backoff, the fallback model.
* `limits`: `Keys` (constant-time bearer auth), `RateLimiter` (token bucket per key), `Shedder`
  (load shedding), `BodyLimit` (413).
* `sse`: server-sent events for streamed answers.
* `health`: liveness and readiness (`model_server_reachable`).
* `metrics`: `Metrics`, Prometheus counters and the latency histogram.
* `run`: `run`, uvicorn with checked settings and a graceful shutdown.
* `process`: `AppProcess`, `handbook serve` as a child process on a free loopback port (labs, benches).
"""

from .limits import Keys, RateLimiter, Shedder, key_id
from .resilience import Policy, backoff, call, classify

__all__ = ["Keys", "Policy", "RateLimiter", "Shedder", "backoff", "call", "classify", "key_id"]
